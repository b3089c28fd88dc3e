"""Validation metrics used for early stopping and model selection (fast, from logits)."""

from __future__ import annotations

import numpy as np

from medlens.evaluation.calibration import softmax
from medlens.evaluation.metrics import accuracy, balanced_accuracy, roc_auc

# metric name -> True when larger is better
MONITORS = {"auroc": True, "balanced_accuracy": True, "accuracy": True, "loss": False}


def validation_metrics(
    logits: np.ndarray, targets: np.ndarray, head_sizes: dict[str, int] | None = None
) -> dict[str, float]:
    """val accuracy / balanced accuracy / AUROC (mean over heads for multi-head) and NLL."""
    if head_sizes and len(head_sizes) > 1:
        per = []
        start = 0
        for i, n in enumerate(head_sizes.values()):
            keep = targets[:, i] >= 0
            per.append(validation_metrics(logits[keep, start : start + n], targets[keep, i]))
            start += n
        return {k: float(np.mean([p[k] for p in per])) for k in per[0]}
    proba = softmax(logits)
    eps = 1e-12
    nll = float(-np.mean(np.log(proba[np.arange(len(targets)), targets] + eps)))
    yhat = proba.argmax(1)
    present = np.unique(targets)
    if len(present) < 2:
        auc = float("nan")
    elif proba.shape[1] == 2:
        auc = roc_auc(targets, proba[:, 1])
    else:
        auc = roc_auc(targets, proba)
    return {
        "loss": nll,
        "accuracy": accuracy(targets, yhat),
        "balanced_accuracy": balanced_accuracy(targets, yhat),
        "auroc": auc,
    }


def is_better(value: float, best: float | None, metric: str) -> bool:
    if best is None or np.isnan(best):
        return not np.isnan(value)
    return value > best if MONITORS[metric] else value < best
