"""Operating points: threshold_for_recall and metrics_at_threshold."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn import metrics as skm

from medlens.evaluation.operating import OperatingPoint, metrics_at_threshold, threshold_for_recall


def _scores(rng: np.random.Generator, n: int = 500) -> tuple[np.ndarray, np.ndarray]:
    y = (rng.uniform(size=n) < 0.2).astype(int)
    s = np.round(rng.normal(size=n) + 1.5 * y, 2)  # rounded: ties
    return y, s


@pytest.mark.parametrize("target", [0.5, 0.8, 0.9, 0.95, 1.0])
def test_threshold_reaches_recall_with_best_precision(rng: np.random.Generator, target: float) -> None:
    y, s = _scores(rng)
    op = threshold_for_recall(y, s, target)
    assert isinstance(op, OperatingPoint)
    pred = (s >= op.threshold).astype(int)
    assert op.recall >= target
    assert op.recall == pytest.approx(skm.recall_score(y, pred))
    assert op.precision == pytest.approx(skm.precision_score(y, pred))
    assert op.f1 == pytest.approx(skm.f1_score(y, pred))
    assert op.specificity == pytest.approx(skm.recall_score(1 - y, 1 - pred))
    # brute force over every candidate threshold: none reaching the target has better precision
    best = max(
        skm.precision_score(y, (s >= t).astype(int))
        for t in np.unique(s)
        if skm.recall_score(y, (s >= t).astype(int)) >= target
    )
    assert op.precision == pytest.approx(best)
    assert metrics_at_threshold(y, s, op.threshold) == op


def test_ties_in_precision_pick_highest_threshold() -> None:
    # threshold 0.9: recall 0.5, precision 1; threshold 0.5: recall 1, precision 1 -> tie on precision
    y = np.array([1, 1, 0, 0])
    s = np.array([0.9, 0.5, 0.3, 0.1])
    op = threshold_for_recall(y, s, 0.5)
    assert op.threshold == 0.9 and op.precision == 1.0 and op.recall == 0.5
    op = threshold_for_recall(y, s, 0.6)
    assert op.threshold == 0.5 and op.recall == 1.0 and op.specificity == 1.0


def test_metrics_at_threshold_edge_cases() -> None:
    y = np.array([0, 1, 1, 0])
    s = np.array([0.1, 0.2, 0.3, 0.4])
    op = metrics_at_threshold(y, s, 0.99)  # no positive call
    assert op.recall == 0.0 and op.precision == 0.0 and op.f1 == 0.0 and op.specificity == 1.0
    op = metrics_at_threshold(np.zeros(4, int), s, 0.25)
    assert math.isnan(op.recall) and op.specificity == 0.5
    assert set(op.to_dict()) == {"threshold", "recall", "precision", "specificity", "f1"}


def test_threshold_for_recall_bad_input() -> None:
    with pytest.raises(ValueError, match="no positive"):
        threshold_for_recall(np.zeros(5, int), np.arange(5.0), 0.9)
    with pytest.raises(ValueError, match="target_recall"):
        threshold_for_recall(np.array([0, 1]), np.array([0.1, 0.2]), 0.0)
    with pytest.raises(ValueError, match="length"):
        threshold_for_recall(np.array([0, 1]), np.array([0.1]), 0.5)


def test_threshold_by_group_reaches_recall_in_every_group() -> None:
    from medlens.evaluation.operating import threshold_for_recall_by_group

    rng = np.random.default_rng(0)
    # source "a" (large): positives score high; source "b" (small): positives score lower
    ya, yb = rng.integers(0, 2, 2000), rng.integers(0, 2, 400)
    sa = np.where(ya == 1, rng.uniform(0.5, 1.0, ya.size), rng.uniform(0.0, 0.6, ya.size))
    sb = np.where(yb == 1, rng.uniform(0.2, 0.7, yb.size), rng.uniform(0.0, 0.3, yb.size))
    y, s = np.r_[ya, yb], np.r_[sa, sb]
    g = np.array(["a"] * ya.size + ["b"] * yb.size)
    pooled = threshold_for_recall(y, s, 0.9)
    assert metrics_at_threshold(yb, sb, pooled.threshold).recall < 0.9  # the pooled point fails "b"
    op, by_group = threshold_for_recall_by_group(y, s, g, 0.9)
    assert set(by_group) == {"a", "b"}
    assert min(by_group.values()) >= 0.9
    assert by_group["b"] == metrics_at_threshold(yb, sb, op.threshold).recall
    assert op.threshold < pooled.threshold
    # one qualifying group only -> the pooled point, no per-group recalls
    op1, none = threshold_for_recall_by_group(y, s, g, 0.9, min_positives=500)
    assert none == {} and op1 == pooled
    with pytest.raises(ValueError, match="groups"):
        threshold_for_recall_by_group(y, s, g[:10], 0.9)
