"""Per-class recall with percentile-bootstrap 95 % intervals (small test sets need the interval)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from medlens.evaluation.bootstrap import bootstrap_ci


def _recall_of(k: int) -> Callable[[np.ndarray, np.ndarray], float]:
    def fn(y: np.ndarray, yhat: np.ndarray) -> float:
        keep = y == k
        return float((yhat[keep] == k).mean()) if keep.any() else float("nan")

    return fn


def per_class_recall_ci(
    y: Sequence[int] | np.ndarray,
    yhat: Sequence[int] | np.ndarray,
    classes: Sequence[str],
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, dict[str, float]]:
    """``class -> {n, value, ci_low, ci_high}``: recall of each class over resamples of the test set."""
    a, b = np.asarray(y, dtype=np.int64), np.asarray(yhat, dtype=np.int64)
    if a.shape != b.shape:
        raise ValueError(f"y and yhat differ in shape: {a.shape} vs {b.shape}")
    out = {}
    for k, name in enumerate(classes):
        value, lo, hi = bootstrap_ci(_recall_of(k), a, b, n_boot=n_boot, seed=seed)
        out[name] = {"n": int((a == k).sum()), "value": value, "ci_low": lo, "ci_high": hi}
    return out
