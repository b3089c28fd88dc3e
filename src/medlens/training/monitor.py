"""Validation metrics used for early stopping and model selection (fast, from logits)."""

from __future__ import annotations

import numpy as np

from medlens.evaluation.calibration import softmax
from medlens.evaluation.metrics import accuracy, balanced_accuracy, roc_auc
from medlens.tasks.schema import LabelSchema

# metric name -> True when larger is better
MONITORS = {"auroc": True, "balanced_accuracy": True, "accuracy": True, "loss": False}


def validation_metrics(
    logits: np.ndarray, targets: np.ndarray, schema: LabelSchema | None = None
) -> dict[str, float]:
    """val accuracy / balanced accuracy / AUROC and NLL; the mean over heads when ``schema`` is given
    and is not one plain head (probabilities then come from the schema: softmax or CORN per head)."""
    if schema is None or schema.plain:
        return proba_metrics(softmax(logits), targets)
    probs = schema.probabilities(logits)
    targets = targets[:, None] if targets.ndim == 1 else targets
    per = []
    for i, name in enumerate(schema.names):
        keep = targets[:, i] >= 0
        per.append(proba_metrics(probs[name][keep], targets[keep, i]))
    return {k: float(np.nanmean([p[k] for p in per])) for k in per[0]}


def proba_metrics(proba: np.ndarray, targets: np.ndarray) -> dict[str, float]:
    """NLL, accuracy, balanced accuracy and AUROC (NaN with one class present) from probabilities."""
    eps = 1e-12
    targets = np.asarray(targets).astype(int)
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
