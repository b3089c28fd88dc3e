"""Calibrate and evaluate an exported model from its own logits (numpy only, no torch).

Used at export time: the served artifact (ONNX, with the test-time views its card names, as the
Predictor applies them) gets its temperature,
operating threshold and OOD gate fitted on the validation split, and its test metrics with 95%
bootstrap intervals measured on the test split, so the card describes exactly what is served.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from medlens.card import OODGate, Thresholds
from medlens.evaluation.bootstrap import summary_with_ci
from medlens.evaluation.calibration import fit_temperature
from medlens.evaluation.metrics import expected_calibration_error
from medlens.evaluation.operating import (
    metrics_at_threshold,
    threshold_for_recall,
    threshold_for_recall_by_group,
)
from medlens.serving.predictor import energy_score, softmax


def calibrate(
    val_logits: np.ndarray,
    val_y: np.ndarray,
    classes: Sequence[str],
    target: str | None,
    target_recall: float,
    ood_percentile: float = 99.0,
    val_sources: np.ndarray | None = None,
    recall_confidence: float | None = None,
) -> tuple[float, Thresholds, OODGate]:
    """Temperature, operating threshold (recall >= target on val) and energy OOD gate from val logits.

    With ``val_sources`` (the data source of each validation image) the threshold reaches the recall
    target in every source holding enough target cases (:func:`threshold_for_recall_by_group`, which
    falls back to the pooled threshold when fewer than two do). With ``recall_confidence`` the recall's
    one-sided lower bound must reach the target (:func:`~medlens.evaluation.operating.recall_lower_bound`).
    """
    temperature = float(fit_temperature(val_logits, val_y))
    thresholds = Thresholds()
    if target is not None:
        t = list(classes).index(target)
        y_t, p_t = (val_y == t).astype(int), softmax(val_logits, temperature)[:, t]
        by_source: dict[str, float] = {}
        if val_sources is not None:
            op, by_source = threshold_for_recall_by_group(
                y_t, p_t, val_sources, target_recall, confidence=recall_confidence
            )
        else:
            op = threshold_for_recall(y_t, p_t, target_recall, recall_confidence)
        thresholds = Thresholds(
            target_class=target,
            target_recall=target_recall,
            threshold=float(op.threshold),
            val_recall=float(op.recall),
            val_precision=float(op.precision),
            val_specificity=float(op.specificity),
            rule="every-source" if by_source else "pooled",
            val_recall_by_source=by_source or None,
            recall_confidence=recall_confidence,
        )
    gate = OODGate(
        method="energy",
        threshold=float(np.percentile(energy_score(val_logits), ood_percentile)),
        val_quantile=ood_percentile / 100,
    )
    return temperature, thresholds, gate


def evaluate_test(
    test_logits: np.ndarray,
    test_y: np.ndarray,
    classes: Sequence[str],
    temperature: float,
    thresholds: Thresholds,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Calibrated test metrics ``{name: {value, ci_low, ci_high}}`` plus the operating point on test.

    ``target_*`` metrics decide at the card's operating threshold (as the Predictor's risk does); the
    others use the arg-max class.
    """
    proba = softmax(test_logits, temperature)
    target = thresholds.target_class
    out: dict[str, Any] = dict(
        summary_with_ci(
            test_y,
            proba,
            list(classes),
            target=target,
            threshold=thresholds.threshold,
            n_boot=n_boot,
            seed=seed,
        )
    )
    out["ece_uncalibrated"] = float(expected_calibration_error(test_y, softmax(test_logits)))
    out["ece_calibrated"] = float(expected_calibration_error(test_y, proba))
    if target is not None and thresholds.threshold is not None:
        t = list(classes).index(target)
        op = metrics_at_threshold((test_y == t).astype(int), proba[:, t], thresholds.threshold)
        out["operating_point_test"] = {
            "threshold": thresholds.threshold,
            "recall": float(op.recall),
            "precision": float(op.precision),
            "specificity": float(op.specificity),
        }
    out["n_test"] = len(test_y)
    return out
