"""Operating points: pick a decision threshold for a screening target (e.g. recall >= 0.9)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from statistics import NormalDist

import numpy as np

from medlens.evaluation.conformal import wilson_bounds
from medlens.evaluation.metrics import _binary, _score

__all__ = [
    "OperatingPoint",
    "metrics_at_threshold",
    "recall_lower_bound",
    "threshold_for_recall",
    "threshold_for_recall_by_group",
]


@dataclass(frozen=True)
class OperatingPoint:
    """Binary decision ``score >= threshold`` and its metrics on the data it was measured on."""

    threshold: float
    recall: float
    precision: float
    specificity: float
    f1: float

    def to_dict(self) -> dict[str, float]:
        return {k: float(v) for k, v in asdict(self).items()}


def _check(y_bin: object, score: object) -> tuple[np.ndarray, np.ndarray]:
    a = _binary(y_bin)
    if a.size == 0:
        raise ValueError("y_bin is empty")
    return a, _score(score, a.size)


def _point(tp: float, fp: float, n_pos: float, n_neg: float, thr: float) -> OperatingPoint:
    recall = tp / n_pos if n_pos else float("nan")
    precision = tp / (tp + fp) if (tp + fp) else 0.0
    specificity = (n_neg - fp) / n_neg if n_neg else float("nan")
    den = precision + recall
    f1 = 2 * precision * recall / den if den and np.isfinite(den) else 0.0
    return OperatingPoint(float(thr), float(recall), float(precision), float(specificity), float(f1))


def metrics_at_threshold(y_bin: object, score: object, thr: float) -> OperatingPoint:
    """Metrics of ``score >= thr``; precision/F1 are 0 with no positive call, recall/specificity nan
    when that class is absent."""
    a, s = _check(y_bin, score)
    pred = s >= thr
    tp = float(np.sum(pred & (a == 1)))
    fp = float(np.sum(pred & (a == 0)))
    return _point(tp, fp, float(a.sum()), float(a.size - a.sum()), thr)


def recall_lower_bound(tp: object, n_pos: float, confidence: float) -> np.ndarray:
    """One-sided Wilson score lower bound of the recall ``tp / n_pos`` at ``confidence`` (e.g. 0.95).

    The recall a threshold reaches on validation is itself an estimate from ``n_pos`` positives; with 150
    melanomas an observed 0.85 is as likely to be 0.82 on new photos as 0.88. Requiring the lower bound to
    reach the target makes the promised recall hold on new data with about that confidence."""
    if not 0.5 <= confidence < 1.0:
        raise ValueError(f"confidence must be in [0.5, 1), got {confidence}")
    return wilson_bounds(tp, n_pos, NormalDist().inv_cdf(confidence))[0]


def threshold_for_recall(
    y_bin: object, score: object, target_recall: float, confidence: float | None = None
) -> OperatingPoint:
    """Best-precision threshold among those reaching ``recall >= target_recall``; ties -> highest threshold.

    Candidate thresholds are the distinct scores (decision ``score >= threshold``). The lowest score
    always reaches recall 1, so a point always exists when ``y_bin`` holds a positive. With
    ``confidence`` the condition is on the recall's one-sided lower bound (:func:`recall_lower_bound`)
    instead of the observed recall; when no threshold's bound reaches the target (too few positives),
    the lowest threshold (recall 1) is taken.
    """
    if not 0.0 < target_recall <= 1.0:
        raise ValueError(f"target_recall must be in (0, 1], got {target_recall}")
    a, s = _check(y_bin, score)
    n_pos = float(a.sum())
    if n_pos == 0:
        raise ValueError("y_bin has no positive example: no recall-based threshold can be chosen")
    n_neg = float(a.size) - n_pos
    order = np.argsort(-s, kind="mergesort")
    s_sorted, a_sorted = s[order], a[order]
    last = np.r_[s_sorted[1:] != s_sorted[:-1], True]
    thresholds = s_sorted[last]  # descending
    tps = np.cumsum(a_sorted)[last].astype(np.float64)
    fps = np.cumsum(1 - a_sorted)[last].astype(np.float64)
    recall = tps / n_pos if confidence is None else recall_lower_bound(tps, n_pos, confidence)
    precision = tps / (tps + fps)
    ok = np.flatnonzero(recall >= target_recall - 1e-12)
    if ok.size == 0:  # only with a confidence bound: even recall 1 is not proof enough
        ok = np.array([thresholds.size - 1])
    best = ok[np.argmax(precision[ok])]  # argmax takes the first max = highest threshold on ties
    return _point(tps[best], fps[best], n_pos, n_neg, thresholds[best])


def threshold_for_recall_by_group(
    y_bin: object,
    score: object,
    groups: object,
    target_recall: float,
    min_positives: int = 20,
    confidence: float | None = None,
) -> tuple[OperatingPoint, dict[str, float]]:
    """Threshold reaching ``recall >= target_recall`` in *every* group (e.g. every data source).

    Each group with at least ``min_positives`` positives gets its own recall threshold
    (:func:`threshold_for_recall`); the lowest of them is taken, so the worst group still reaches the
    target. A pooled threshold lets the largest source decide: on the multi-source melanoma data the
    Kaggle photos dominate validation and HAM10000 melanomas got recall 0.75 at a pooled 0.9 target.
    Falls back to the pooled threshold when fewer than two groups qualify. Returns the pooled
    operating point at that threshold and the recall per qualifying group. ``confidence``: as in
    :func:`threshold_for_recall`, per group.
    """
    a, s = _check(y_bin, score)
    g = np.asarray(groups).astype(str)
    if g.shape != a.shape:
        raise ValueError(f"groups has {g.size} entries for {a.size} scores")
    names = [n for n in sorted(set(g.tolist())) if int(a[g == n].sum()) >= min_positives]
    if len(names) < 2:
        return threshold_for_recall(a, s, target_recall, confidence), {}
    thr = min(threshold_for_recall(a[g == n], s[g == n], target_recall, confidence).threshold for n in names)
    by_group = {n: metrics_at_threshold(a[g == n], s[g == n], thr).recall for n in names}
    return metrics_at_threshold(a, s, thr), by_group
