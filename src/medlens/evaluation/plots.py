"""Evaluation plots as PNG files (matplotlib ``Figure`` + Agg: no pyplot, no global backend state).

Every function takes the output ``path``, creates its parent folder, writes a PNG of a fixed pixel
size (``figsize * dpi``) and returns the path.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from medlens.evaluation.calibration import reliability_bins
from medlens.evaluation.curves import precision_recall_curve, roc_curve
from medlens.evaluation.metrics import _labels, _proba, average_precision, roc_auc

__all__ = [
    "DPI",
    "plot_confusion_matrix",
    "plot_learning_curves",
    "plot_metric_bars",
    "plot_pr",
    "plot_reliability",
    "plot_roc",
]

log = logging.getLogger(__name__)

DPI = 100
_MAX_ANNOTATED = 20  # confusion matrices larger than this get no per-cell numbers
_MAX_LEGEND = 12  # more classes than this: thin unlabeled curves plus the macro value


def _save(fig: Figure, path: str | Path) -> Path:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=DPI, format="png")
    log.debug("wrote %s", out)
    return out


def _check_classes(y: np.ndarray, proba: object, classes: Sequence[str]) -> np.ndarray:
    p = _proba(proba, y.size, len(classes))
    if y.size and y.max() >= len(classes):
        raise ValueError(f"label {int(y.max())} out of range for {len(classes)} classes")
    return p


def _matrix_panel(fig: Figure, ax, mat: np.ndarray, classes: Sequence[str], title: str, fmt: str, label: str):  # type: ignore[no-untyped-def]
    n = len(classes)
    vmax = float(mat.max()) if mat.size and mat.max() > 0 else 1.0
    im = ax.imshow(mat, cmap="Blues", vmin=0, vmax=vmax)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label=label)
    ax.set_title(title)
    ax.set_xlabel("Predicted class")
    ax.set_ylabel("True class")
    fontsize = 9 if n <= 10 else 6
    ax.set_xticks(
        range(n),
        labels=list(classes),
        rotation=45 if n > 4 else 0,
        ha="right" if n > 4 else "center",
        fontsize=fontsize,
    )
    ax.set_yticks(range(n), labels=list(classes), fontsize=fontsize)
    if n <= _MAX_ANNOTATED:
        for i in range(n):
            for j in range(n):
                v = mat[i, j]
                color = "white" if v > 0.6 * vmax else "black"
                ax.text(j, i, format(v, fmt), ha="center", va="center", color=color, fontsize=fontsize)


def plot_confusion_matrix(
    cm: np.ndarray, classes: Sequence[str], path: str | Path, title: str = "Confusion matrix"
) -> Path:
    """Counts (left) and row-normalised recall (right) side by side."""
    cm = np.asarray(cm)
    n = len(classes)
    if cm.shape != (n, n):
        raise ValueError(f"confusion matrix shape {cm.shape} does not match {n} classes")
    rows = cm.sum(axis=1, keepdims=True)
    norm = np.divide(cm, rows, out=np.zeros(cm.shape, dtype=np.float64), where=rows > 0)
    side = 5.5 if n <= 10 else 8.0
    fig = Figure(figsize=(2 * side + 1, side), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    _matrix_panel(
        fig,
        ax1,
        cm,
        classes,
        f"Counts (n={int(cm.sum())})",
        "d" if np.issubdtype(cm.dtype, np.integer) else ".0f",
        "count",
    )
    _matrix_panel(
        fig, ax2, norm, classes, "Row-normalised (recall per class)", ".2f", "fraction of true class"
    )
    fig.suptitle(title, fontsize=13)
    return _save(fig, path)


def _curve_axes(fig: Figure, title: str, xlabel: str, ylabel: str):  # type: ignore[no-untyped-def]
    ax = fig.subplots()
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.02)
    ax.grid(alpha=0.3)
    return ax


def _columns(y: np.ndarray, p: np.ndarray) -> list[int]:
    """Classes to draw: the positive class for binary problems, every class present otherwise."""
    if p.shape[1] == 2:
        return [1]
    return [k for k in range(p.shape[1]) if 0 < np.sum(y == k) < y.size]


def plot_roc(
    y: object, proba: object, classes: Sequence[str], path: str | Path, title: str = "ROC curves"
) -> Path:
    """One-vs-rest ROC curve per class (positive class only for binary), AUC in the legend."""
    a = _labels(y)
    p = _check_classes(a, proba, classes)
    fig = Figure(figsize=(7, 6), layout="constrained")
    ax = _curve_axes(fig, title, "False positive rate (1 - specificity)", "True positive rate (sensitivity)")
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="chance")
    cols = _columns(a, p)
    many = len(cols) > _MAX_LEGEND
    for k in cols:
        yb = (a == k).astype(np.int64)
        fpr, tpr, _ = roc_curve(yb, p[:, k])
        auc = roc_auc(yb, p[:, k])
        if many:
            ax.plot(fpr, tpr, lw=0.6, alpha=0.4, color="tab:blue")
        else:
            ax.plot(fpr, tpr, lw=2, label=f"{classes[k]} (AUC {auc:.3f})")
    if many or len(cols) > 1:
        ax.plot([], [], " ", label=f"macro AUC {roc_auc(a, p):.3f} ({len(cols)} classes)")
    if not cols:
        ax.text(0.5, 0.5, "undefined: only one class present", ha="center", va="center")
    ax.legend(loc="lower right", fontsize=9)
    return _save(fig, path)


def plot_pr(
    y: object, proba: object, classes: Sequence[str], path: str | Path, title: str = "Precision-recall curves"
) -> Path:
    """One-vs-rest precision-recall curve per class, average precision (AP) and prevalence in the legend."""
    a = _labels(y)
    p = _check_classes(a, proba, classes)
    fig = Figure(figsize=(7, 6), layout="constrained")
    ax = _curve_axes(fig, title, "Recall (sensitivity)", "Precision (PPV)")
    cols = _columns(a, p)
    many = len(cols) > _MAX_LEGEND
    aps = []
    for k in cols:
        yb = (a == k).astype(np.int64)
        prec, rec, _ = precision_recall_curve(yb, p[:, k])
        ap = average_precision(yb, p[:, k])
        aps.append(ap)
        if many:
            ax.step(rec, prec, where="post", lw=0.6, alpha=0.4, color="tab:blue")
        else:
            line = ax.step(
                rec, prec, where="post", lw=2, label=f"{classes[k]} (AP {ap:.3f}, prev. {yb.mean():.2f})"
            )[0]
            if len(cols) == 1:
                ax.axhline(
                    yb.mean(), ls="--", lw=1, color=line.get_color(), alpha=0.6, label="prevalence (chance)"
                )
    if many or len(cols) > 1:
        ax.plot([], [], " ", label=f"mean AP {np.mean(aps):.3f} ({len(cols)} classes)")
    if not cols:
        ax.text(0.5, 0.5, "undefined: only one class present", ha="center", va="center")
    ax.legend(loc="lower left", fontsize=9)
    return _save(fig, path)


_LOWER_IS_BETTER = ("loss", "ece", "brier", "error", "nll")
_NOT_PLOTTED = ("lr", "time", "seconds", "epoch_seconds", "epoch_time_s")


def _num_or_nan(v: object) -> float:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else float("nan")


def plot_learning_curves(
    history: Sequence[Mapping[str, float]], path: str | Path, title: str = "Learning curves"
) -> Path:
    """Losses (left) and every other numeric per-epoch value, e.g. val metrics (right), against epoch.

    Missing or ``None`` values are gaps; non-numeric keys (e.g. a phase name) and timing/lr keys are ignored.
    The best epoch of the first higher-is-better metric is marked.
    """
    if not history:
        raise ValueError("history is empty: nothing to plot")
    epochs = [float(h.get("epoch", i + 1)) for i, h in enumerate(history)]
    keys = [k for k in dict.fromkeys(k for h in history for k in h) if k != "epoch" and k not in _NOT_PLOTTED]
    numeric = [k for k in keys if any(np.isfinite(_num_or_nan(h.get(k))) for h in history)]
    losses = [k for k in numeric if "loss" in k]
    others = [k for k in numeric if "loss" not in k]
    panels = [pl for pl in (("Loss", losses), ("Validation metrics", others)) if pl[1]]
    if not panels:
        raise ValueError(f"history has no numeric values besides epoch (keys: {keys})")
    fig = Figure(figsize=(6 * len(panels), 4.5), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(panels)))
    for ax, (name, ks) in zip(axes, panels, strict=True):
        for k in ks:
            ax.plot(epochs, [_num_or_nan(h.get(k)) for h in history], marker="o", ms=3, lw=1.8, label=k)
        higher = [k for k in ks if not any(t in k for t in _LOWER_IS_BETTER)]
        if name != "Loss" and higher:
            series = np.array([_num_or_nan(h.get(higher[0])) for h in history])
            i = int(np.nanargmax(series))
            ax.axvline(epochs[i], ls=":", color="grey")
            ax.annotate(
                f"best {higher[0]} {series[i]:.3f}\n(epoch {epochs[i]:g})",
                (epochs[i], series[i]),
                textcoords="offset points",
                xytext=(6, -30),
                fontsize=8,
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "grey", "alpha": 0.9},
            )
        ax.set_title(name)
        ax.set_xlabel("Epoch")
        ax.set_ylabel("loss" if name == "Loss" else "value")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=13)
    return _save(fig, path)


def plot_reliability(
    y: object, proba: object, path: str | Path, n_bins: int = 15, title: str = "Reliability diagram"
) -> Path:
    """Top-label reliability diagram (accuracy vs confidence per bin, ECE in the title) over a
    histogram of confidences."""
    bins = reliability_bins(y, proba, n_bins)
    centers = (bins.edges[:-1] + bins.edges[1:]) / 2
    width = bins.edges[1] - bins.edges[0]
    fig = Figure(figsize=(6, 7), layout="constrained")
    ax, hx = fig.subplots(2, 1, height_ratios=[3, 1], sharex=True)
    filled = bins.counts > 0
    ax.bar(
        centers[filled],
        bins.accuracy[filled],
        width=width * 0.95,
        color="tab:blue",
        edgecolor="black",
        lw=0.5,
        label="accuracy",
    )
    gap_lo = np.minimum(bins.accuracy, bins.confidence)[filled]
    gap = np.abs(bins.accuracy - bins.confidence)[filled]
    ax.bar(
        centers[filled],
        gap,
        bottom=gap_lo,
        width=width * 0.95,
        color="tab:red",
        alpha=0.35,
        hatch="//",
        edgecolor="tab:red",
        lw=0.5,
        label="gap to confidence",
    )
    ax.plot([0, 1], [0, 1], ls="--", color="grey", label="perfect calibration")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_ylabel("Accuracy")
    ax.set_title(f"{title} (ECE {bins.ece:.3f}, n={int(bins.counts.sum())})")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=9)
    hx.bar(centers, bins.counts, width=width * 0.95, color="tab:gray", edgecolor="black", lw=0.5)
    hx.set_xlabel("Confidence (top-class probability)")
    hx.set_ylabel("Count")
    hx.grid(alpha=0.3)
    return _save(fig, path)


def _value_ci(v: float | Mapping[str, float]) -> tuple[float, float, float]:
    if isinstance(v, Mapping):
        return float(v["value"]), float(v.get("ci_low", np.nan)), float(v.get("ci_high", np.nan))
    return float(v), np.nan, np.nan


def plot_metric_bars(
    results: Mapping[str, Mapping[str, float | Mapping[str, float]]],
    path: str | Path,
    metrics: Sequence[str] | None = None,
    title: str = "Model comparison",
) -> Path:
    """Grouped bars: one group per metric, one bar per run/model, value on top of each bar.

    ``results`` maps run name -> metric -> value, or -> ``{value, ci_low, ci_high}`` (drawn as error bars).
    ``metrics`` defaults to the metrics every run has, in first-seen order.
    """
    if not results:
        raise ValueError("results is empty: nothing to compare")
    runs = list(results)
    if metrics is None:
        metrics = [k for k in results[runs[0]] if all(k in results[r] for r in runs)]
    if not metrics:
        raise ValueError("no metric is shared by all runs")
    x = np.arange(len(metrics))
    width = 0.8 / len(runs)
    fig = Figure(figsize=(max(7.0, 1.1 * len(metrics) * max(1, len(runs) / 2) + 2), 5), layout="constrained")
    ax = fig.subplots()
    for i, run in enumerate(runs):
        vals = np.array([_value_ci(results[run].get(m, np.nan)) for m in metrics])
        pos = x - 0.4 + width * (i + 0.5)
        err = np.abs(np.stack([vals[:, 0] - vals[:, 1], vals[:, 2] - vals[:, 0]]))
        has_ci = np.isfinite(err).all(axis=0)
        ax.bar(
            pos,
            vals[:, 0],
            width=width * 0.95,
            label=run,
            yerr=np.where(has_ci, err, 0.0) if has_ci.any() else None,
            capsize=3,
        )
        tops = np.where(has_ci, vals[:, 2], vals[:, 0])
        for xp, top, v in zip(pos, tops, vals[:, 0], strict=True):
            ax.text(
                xp,
                (top if np.isfinite(top) else 0.0) + 0.01,
                f"{v:.3f}" if np.isfinite(v) else "n/a",
                ha="center",
                va="bottom",
                fontsize=7,
                rotation=90 if len(runs) > 3 else 0,
            )
    ax.set_xticks(
        x,
        labels=list(metrics),
        rotation=30 if len(metrics) > 4 else 0,
        ha="right" if len(metrics) > 4 else "center",
    )
    ax.set_ylabel("value")
    ax.set_title(title)
    ax.set_ylim(0, 1.12 if ax.get_ylim()[1] <= 1.05 else ax.get_ylim()[1] * 1.1)
    ax.grid(axis="y", alpha=0.3)
    fig.legend(loc="outside lower center", ncols=min(len(runs), 4), fontsize=9)
    return _save(fig, path)
