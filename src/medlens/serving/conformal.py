"""Conformal prediction sets at serving time, and the card's ``conformal`` block fitted from arrays.

Numpy only (no torch): :func:`prediction_set` turns one result's calibrated probabilities and the
card's :class:`~medlens.card.ConformalBlock` into the set of classes the model cannot rule out;
:func:`fit_block` computes that block from validation probabilities and measures it on test (used
by ``medlens conformal`` and by ``medlens export``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from medlens.card import ConformalBlock
from medlens.evaluation.conformal import (
    class_conditional_threshold,
    class_scores,
    conformal_quantile,
    empirical_coverage,
    mean_set_size,
    prediction_sets,
)

DEFAULT_ALPHA = 0.1


def _finite(q: float) -> float | None:
    return None if math.isinf(q) else float(q)


def _q(q: float | None) -> float:
    return math.inf if q is None else q


def sets_for(probs: np.ndarray, classes: Sequence[str], block: ConformalBlock) -> np.ndarray:
    """Boolean ``(n, classes)`` set membership for probabilities in ``classes`` order."""
    target = block.target_class
    t = list(classes).index(target) if target is not None and target in classes else None
    return prediction_sets(
        probs,
        _q(block.qhat),
        block.method,
        target=t,
        target_qhat=None if t is None else _q(block.target_qhat),
    )


def prediction_set(probabilities: Mapping[str, float], block: ConformalBlock) -> list[str]:
    """The classes of one result that the model cannot rule out, most likely first."""
    classes = list(probabilities)
    p = np.array([[probabilities[c] for c in classes]], np.float64)
    member = sets_for(p, classes, block)[0]
    return sorted((c for c, m in zip(classes, member, strict=True) if m), key=lambda c: -probabilities[c])


def measure(
    probs: np.ndarray, y: np.ndarray, classes: Sequence[str], block: ConformalBlock
) -> dict[str, object]:
    """Coverage (Wilson 95 % CI), target-class coverage, mean set size and set-size counts on ``probs``."""
    sets = sets_for(probs, classes, block)
    sizes = sets.sum(axis=1)
    out: dict[str, object] = {
        "n": len(y),
        "coverage": empirical_coverage(sets, y).to_dict(),
        "mean_set_size": round(mean_set_size(sets), 4),
        "singleton_rate": round(float((sizes == 1).mean()), 4) if len(y) else math.nan,
        "set_size_counts": {str(k): int((sizes == k).sum()) for k in range(1, len(classes) + 1)},
    }
    if block.target_class is not None and block.target_class in classes:
        t = list(classes).index(block.target_class)
        out["target_coverage"] = empirical_coverage(sets, y, only_class=t).to_dict()
    return out


def fit_block(
    val_probs: np.ndarray,
    val_y: np.ndarray,
    classes: Sequence[str],
    target: str | None,
    alpha: float = DEFAULT_ALPHA,
    target_alpha: float | None = None,
    method: str = "aps",
    test: tuple[np.ndarray, np.ndarray] | None = None,
    calibration: str = "",
    command: str = "",
) -> ConformalBlock:
    """Thresholds from validation probabilities (+ the target class's own), measured on ``test``."""
    val_y = np.asarray(val_y, np.int64)
    scores = class_scores(val_probs, method)[np.arange(len(val_y)), val_y]
    block = ConformalBlock(
        method=method,
        alpha=alpha,
        qhat=_finite(conformal_quantile(scores, alpha)),
        n_calibration=len(val_y),
        calibration=calibration,
        command=command,
    )
    if target is not None and target in classes:
        ta = alpha if target_alpha is None else target_alpha
        q_t, n_t = class_conditional_threshold(val_probs, val_y, list(classes).index(target), ta, method)
        block.target_class, block.target_alpha = target, ta
        block.target_qhat, block.n_calibration_target = _finite(q_t), n_t
    if test is not None:
        block.test = measure(test[0], np.asarray(test[1], np.int64), classes, block)
    return block
