"""ROC and precision-recall curves over distinct scores (pure numpy, checked against scikit-learn)."""

from __future__ import annotations

import numpy as np

from medlens.evaluation.metrics import _binary, _score, cumulative_counts


def roc_curve(y_bin: object, score: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(fpr, tpr, thresholds) over distinct scores, starting at (0, 0) with threshold +inf."""
    a = _binary(y_bin)
    s = _score(score, a.size)
    thresholds, tps, fps = cumulative_counts(a, s)
    tps, fps = np.r_[0.0, tps], np.r_[0.0, fps]
    with np.errstate(invalid="ignore", divide="ignore"):
        tpr = tps / tps[-1] if tps[-1] > 0 else np.full_like(tps, np.nan)
        fpr = fps / fps[-1] if fps[-1] > 0 else np.full_like(fps, np.nan)
    return fpr, tpr, np.r_[np.inf, thresholds]


def precision_recall_curve(y_bin: object, score: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(precision, recall, thresholds) over distinct scores, by decreasing threshold, ending at (1, 0)."""
    a = _binary(y_bin)
    s = _score(score, a.size)
    thresholds, tps, fps = cumulative_counts(a, s)
    precision = tps / (tps + fps)
    recall = tps / tps[-1] if tps[-1] > 0 else np.full_like(tps, np.nan)
    return np.r_[1.0, precision], np.r_[0.0, recall], thresholds
