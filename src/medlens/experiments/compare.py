"""Paired comparison of two trials on the same test images: bootstrap of the metric difference.

Both trials' calibrated test probabilities are resampled with the *same* row indices
(:func:`medlens.evaluation.bootstrap.bootstrap_ci` over ``(y, p_trial, p_reference)``), so the
interval is that of the difference, not of two independent intervals. Trials whose test images
differ (another split, protocol or data) are not compared: the result says why.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from medlens.evaluation.bootstrap import bootstrap_ci
from medlens.evaluation.calibration import softmax
from medlens.evaluation.metrics import accuracy, balanced_accuracy, precision_recall_f1, roc_auc

__all__ = ["PAIRED_METRICS", "load_test_predictions", "paired_difference"]


def _f1(y: np.ndarray, p: np.ndarray) -> float:
    return float(precision_recall_f1(y, p.argmax(1), p.shape[1])["f1_macro"])


PAIRED_METRICS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "accuracy": lambda y, p: accuracy(y, p.argmax(1)),
    "balanced_accuracy": lambda y, p: balanced_accuracy(y, p.argmax(1)),
    "f1_macro": _f1,
    "auroc_macro": lambda y, p: roc_auc(y, p),
}


def load_test_predictions(run_dir: Path) -> tuple[np.ndarray, np.ndarray, str] | None:
    """(labels, calibrated probabilities, split fingerprint) of a single-head run; None otherwise."""
    run_dir = Path(run_dir)
    logits_path, labels_path = run_dir / "test_logits.npy", run_dir / "test_labels.npy"
    if not (logits_path.is_file() and labels_path.is_file()):
        return None
    metrics = json.loads((run_dir / "metrics.json").read_text())
    y = np.load(labels_path)
    if y.ndim != 1:  # several heads: no single probability matrix to compare
        return None
    p = softmax(np.load(logits_path), float(metrics.get("temperature", 1.0)))
    return y, p, str(metrics.get("run", {}).get("split_fingerprint", ""))


def paired_difference(
    trial: tuple[np.ndarray, np.ndarray, str],
    reference: tuple[np.ndarray, np.ndarray, str],
    metrics: tuple[str, ...] = ("accuracy", "auroc_macro"),
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """``{metric: {value, ci_low, ci_high}}`` of trial minus reference, or ``{"skipped": reason}``."""
    y, p, fp = trial
    y_ref, p_ref, fp_ref = reference
    if fp and fp_ref and fp != fp_ref:
        return {"skipped": "different test split (split fingerprints differ)"}
    if y.shape != y_ref.shape or not np.array_equal(y, y_ref):
        return {"skipped": "different test images (labels differ)"}
    out: dict[str, Any] = {}
    for name in metrics:
        fn = PAIRED_METRICS[name]

        def diff(yy: np.ndarray, a: np.ndarray, b: np.ndarray, fn=fn) -> float:
            return fn(yy, a) - fn(yy, b)

        value, lo, hi = bootstrap_ci(diff, y, p, p_ref, n_boot=n_boot, seed=seed)
        out[name] = {"value": value, "ci_low": lo, "ci_high": hi}
    return out
