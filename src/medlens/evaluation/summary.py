"""``classification_summary``: the headline metrics of a classifier from labels and probabilities."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from medlens.evaluation.metrics import (
    _binary_auc,
    _kappa_from_cm,
    _labels,
    _mcc_from_cm,
    _prf_from_cm,
    _proba,
    accuracy,
    average_precision,
    balanced_accuracy,
    brier_score,
    brier_score_multiclass,
    confusion_matrix,
    expected_calibration_error,
    log_loss,
    precision_recall_f1,
    roc_auc,
    roc_auc_per_class,
    target_class_metrics,
)


def _target_index(target: int | str, classes: Sequence[str]) -> int:
    if isinstance(target, str):
        if target not in classes:
            raise ValueError(f"target class {target!r} not in classes {list(classes)}")
        return list(classes).index(target)
    if not 0 <= int(target) < len(classes):
        raise ValueError(f"target index {target} out of range for {len(classes)} classes")
    return int(target)


def classification_summary(
    y: object,
    proba: object,
    classes: Sequence[str],
    target: int | str | None = None,
    threshold: float | None = None,
) -> dict[str, float]:
    """All headline metrics of a probabilistic classifier as a flat ``name -> float`` dict.

    Predictions are ``argmax(proba)``. With ``target`` (index or class name) the one-vs-rest screening
    metrics are added with a ``target_`` prefix; their binary decision is ``proba[:, target] >= threshold``
    when ``threshold`` is given, otherwise ``argmax == target``.
    """
    a = _labels(y)
    if a.size == 0:
        raise ValueError("y is empty")
    n_classes = len(classes)
    p = _proba(proba, a.size, n_classes)
    if a.max() >= n_classes:
        raise ValueError(f"label {int(a.max())} out of range for {n_classes} classes")
    yhat = p.argmax(axis=1)
    cm = confusion_matrix(a, yhat, n_classes)
    prf = precision_recall_f1(a, yhat, n_classes)
    per_class = _prf_from_cm(cm)
    auc_per = roc_auc_per_class(a, p)
    out: dict[str, float] = {
        "n": float(a.size),
        "accuracy": accuracy(a, yhat),
        "balanced_accuracy": balanced_accuracy(a, yhat),
        "precision_macro": float(prf["precision_macro"]),
        "recall_macro": float(prf["recall_macro"]),
        "f1_macro": float(prf["f1_macro"]),
        "auroc_macro": roc_auc(a, p),
        "kappa": _kappa_from_cm(cm, None),
        "kappa_quadratic": _kappa_from_cm(cm, "quadratic"),
        "mcc": _mcc_from_cm(cm),
        "log_loss": log_loss(a, p),
        "brier": brier_score_multiclass(a, p),
        "ece": expected_calibration_error(a, p),
    }
    for k, name in enumerate(classes):
        out[f"precision_{name}"] = float(per_class["precision"][k])
        out[f"recall_{name}"] = float(per_class["recall"][k])
        out[f"f1_{name}"] = float(per_class["f1"][k])
        out[f"auroc_{name}"] = float(auc_per[k])
    if target is not None:
        t = _target_index(target, classes)
        y_bin = (a == t).astype(np.int64)
        score = p[:, t]
        pred_bin = (score >= threshold) if threshold is not None else (yhat == t)
        pred_bin = pred_bin.astype(np.int64)
        tm = target_class_metrics(y_bin, pred_bin, 1)
        out.update(
            {
                "target_auroc": _binary_auc(y_bin, score),
                "target_average_precision": average_precision(y_bin, score),
                "target_sensitivity": tm["sensitivity"],
                "target_specificity": tm["specificity"],
                "target_precision": tm["precision"],
                "target_f1": tm["f1"],
                "target_accuracy": tm["accuracy"],
                "target_brier": brier_score(y_bin, score),
            }
        )
        if threshold is not None:
            out["target_threshold"] = float(threshold)
    return out
