"""Experiment figures (PNG): one bar per trial with its 95 % CI whiskers, and accuracy vs latency
with the Pareto front (trials no other trial beats on both: more accurate *and* faster)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from medlens.experiments.table import TrialRow

__all__ = ["pareto_front", "plot_in_vs_cross", "plot_metric_ci_bars", "plot_pareto"]


def _values_ci(ms: list[dict[str, float]]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(values, CI lows, CI highs, whisker lengths (2, n) for matplotlib: 0 where an end is missing)."""
    vals = np.array([m["value"] for m in ms])
    lo = np.array([m.get("ci_low", np.nan) for m in ms])
    hi = np.array([m.get("ci_high", np.nan) for m in ms])
    err = np.stack([vals - lo, hi - vals])
    return vals, lo, hi, np.where(np.isfinite(err), np.abs(err), 0.0)


def plot_metric_ci_bars(
    rows: list[TrialRow],
    metric: str,
    path: Path,
    reference: str | None = None,
    cross_label: str | None = None,
) -> Path:
    """Horizontal bars of ``metric`` per finished trial with its bootstrap CI as whiskers: the in-source
    test metric, or with ``cross_label`` the same metric on the held-out source (``TrialRow.cross``)."""

    def metrics_of(r: TrialRow) -> dict[str, dict[str, float]]:
        return r.cross.get("metrics", {}) if cross_label else r.test

    done = [r for r in rows if metric in metrics_of(r)]
    if not done:
        raise ValueError(f"no finished trial has {metric}")
    vals, lo, hi, err = _values_ci([metrics_of(r)[metric] for r in done])
    fig = Figure(figsize=(8, 1.2 + 0.32 * len(done)), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(done))[::-1]
    colors = ["#f97316" if r.name == reference else "#2563eb" for r in done]
    ax.barh(y, vals, xerr=err, color=colors, capsize=3, height=0.7)
    ax.set_yticks(y, [r.name + (" (reference)" if r.name == reference else "") for r in done], fontsize=8)
    finite = np.concatenate([lo[np.isfinite(lo)], vals])
    left = max(0.0, float(np.nanmin(finite)) - 0.05)
    ax.set_xlim(left, min(1.0, float(np.nanmax(np.where(np.isfinite(hi), hi, vals))) + 0.02))
    where = f"{cross_label} (cross-source)" if cross_label else "test"
    ax.set_xlabel(f"{where} {metric} (95% bootstrap CI)")
    ax.grid(axis="x", alpha=0.3)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, format="png")
    return path


def pareto_front(points: list[tuple[float, float]]) -> list[int]:
    """Indices of points (latency, score) not dominated by another (lower-or-equal latency and
    higher-or-equal score, strictly better in one), sorted by latency."""
    front = []
    for i, (lat, score) in enumerate(points):
        dominated = any(
            (l2 <= lat and s2 >= score) and (l2 < lat or s2 > score)
            for j, (l2, s2) in enumerate(points)
            if j != i
        )
        if not dominated:
            front.append(i)
    return sorted(front, key=lambda i: points[i][0])


#: up to this many points are labelled with their trial names; more get numbers and a key beside the axes
_NAMED_POINTS = 8


def _label_points(ax: Any, names: list[str], xs: Any, ys: Any) -> None:
    """Name each point; past ``_NAMED_POINTS`` names overlap, so points get numbers and a key to the right."""
    numbered = len(names) > _NAMED_POINTS
    for i, (name, xi, yi) in enumerate(zip(names, xs, ys, strict=True), start=1):
        ax.annotate(
            str(i) if numbered else name, (xi, yi), fontsize=7, xytext=(3, 3), textcoords="offset points"
        )
    if numbered:
        key = "\n".join(f"{i:>2}  {name}" for i, name in enumerate(names, start=1))
        ax.text(1.02, 1.0, key, transform=ax.transAxes, va="top", ha="left", fontsize=7, family="monospace")


def _scatter_width(n_points: int) -> float:
    return 8.0 if n_points <= _NAMED_POINTS else 11.5  # room for the key


def plot_pareto(rows: list[TrialRow], metric: str, path: Path) -> Path | None:
    """Test ``metric`` vs ONNX latency per trial, the Pareto front joined; None without latencies or when
    every trial shares one architecture (one latency: no trade-off to draw)."""
    done = [
        r for r in rows if metric in r.test and math.isfinite(float(r.profile.get("latency_ms", math.nan)))
    ]
    if len({r.profile["latency_ms"] for r in done}) < 2:
        path.unlink(missing_ok=True)  # an older plot of per-trial timings would be stale
        return None
    pts = [(float(r.profile["latency_ms"]), float(r.test[metric]["value"])) for r in done]
    front = pareto_front(pts)
    fig = Figure(figsize=(_scatter_width(len(done)), 5.5), layout="constrained")
    ax = fig.subplots()
    ax.scatter([p[0] for p in pts], [p[1] for p in pts], color="#2563eb", zorder=3)
    ax.plot(
        [pts[i][0] for i in front], [pts[i][1] for i in front], color="#f97316", lw=1.5, label="Pareto front"
    )
    _label_points(ax, [r.name for r in done], [p[0] for p in pts], [p[1] for p in pts])
    ax.set_xlabel("ONNX Runtime latency of the architecture, batch 1, 1 thread (ms)")
    ax.set_ylabel(f"test {metric}")
    ax.grid(alpha=0.3)
    ax.legend()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, format="png")
    return path


def plot_in_vs_cross(
    rows: list[TrialRow], metric: str, path: Path, label: str = "held-out source"
) -> Path | None:
    """In-source test ``metric`` (x) vs the same metric on the held-out source (y), CI whiskers on both;
    the diagonal marks "holds up as well outside its source". None when no trial has both."""
    done = [r for r in rows if metric in r.test and metric in r.cross.get("metrics", {})]
    if not done:
        return None
    x, _, _, xe = _values_ci([r.test[metric] for r in done])
    y, _, _, ye = _values_ci([r.cross["metrics"][metric] for r in done])
    fig = Figure(figsize=(_scatter_width(len(done)), 6), layout="constrained")
    ax = fig.subplots()
    ax.errorbar(x, y, xerr=xe, yerr=ye, fmt="o", color="#2563eb", ecolor="#93c5fd", capsize=2, zorder=3)
    _label_points(ax, [r.name for r in done], x, y)
    lo = float(min(np.min(x - xe[0]), np.min(y - ye[0]))) - 0.01
    hi = min(1.0, float(max(np.max(x + xe[1]), np.max(y + ye[1]))) + 0.01)
    ax.plot([lo, hi], [lo, hi], color="#9ca3af", lw=1, ls="--", label="same in and out of source")
    ax.set_xlabel(f"in-source test {metric} (95% CI)")
    ax.set_ylabel(f"{label} (cross-source) {metric} (95% CI)")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, format="png")
    return path
