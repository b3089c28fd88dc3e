"""Tabular-specific PNGs: positive-class calibration curves and permutation importance bars."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure


def plot_risk_calibration(
    curves: Mapping[str, tuple[np.ndarray, np.ndarray]], path: Path, n_bins: int = 15, title: str = ""
) -> Path:
    """Observed event rate vs mean predicted probability (quantile bins), one line per model."""
    from medlens.evaluation.metrics import brier_score

    fig = Figure(figsize=(6.5, 6), layout="constrained")
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="perfect calibration")
    for name, (y, p) in curves.items():
        edges = np.unique(np.quantile(p, np.linspace(0, 1, n_bins + 1)))
        idx = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, len(edges) - 2)
        cnt = np.bincount(idx, minlength=len(edges) - 1)
        ok = cnt > 0
        mp = np.bincount(idx, weights=p, minlength=len(edges) - 1)[ok] / cnt[ok]
        obs = np.bincount(idx, weights=y, minlength=len(edges) - 1)[ok] / cnt[ok]
        ax.plot(mp, obs, marker="o", ms=4, lw=1.8, label=f"{name} (Brier {brier_score(y, p):.4f})")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("Mean predicted probability (quantile bins)")
    ax.set_ylabel("Observed death rate")
    ax.set_title(title or "Calibration on the test split")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    return path


def plot_importance(names: list[str], mean: np.ndarray, std: np.ndarray, path: Path, title: str = "") -> Path:
    """Horizontal bars, largest on top, with +-1 std error bars."""
    order = np.argsort(mean)
    fig = Figure(figsize=(7, 0.35 * len(names) + 1.5), layout="constrained")
    ax = fig.subplots()
    ax.barh(np.array(names)[order], mean[order], xerr=std[order], color="tab:blue", alpha=0.8)
    ax.set_xlabel("Drop in average precision when the feature is permuted")
    ax.set_title(title or "Permutation feature importance")
    ax.grid(axis="x", alpha=0.3)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    return path
