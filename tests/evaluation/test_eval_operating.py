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


@pytest.mark.parametrize(
    ("k", "n", "confidence"), [(85, 100, 0.95), (140, 160, 0.9), (10, 10, 0.95), (0, 30, 0.95)]
)
def test_recall_lower_bound_is_the_wilson_bound(k: int, n: int, confidence: float) -> None:
    from scipy.stats import binomtest

    from medlens.evaluation.operating import recall_lower_bound

    # a two-sided interval at 1 - 2(1 - c) has the one-sided lower bound at c
    ref = binomtest(k, n).proportion_ci(confidence_level=2 * confidence - 1, method="wilson").low
    assert float(recall_lower_bound(k, n, confidence)) == pytest.approx(ref, abs=1e-9)
    with pytest.raises(ValueError, match="confidence"):
        recall_lower_bound(k, n, 1.0)


def test_threshold_with_confidence_is_the_highest_whose_bound_reaches_the_target(
    rng: np.random.Generator,
) -> None:
    from medlens.evaluation.operating import recall_lower_bound

    y, s = _scores(rng, 800)
    n_pos = int(y.sum())
    plain = threshold_for_recall(y, s, 0.85)
    sure = threshold_for_recall(y, s, 0.85, confidence=0.95)
    assert sure.threshold < plain.threshold and sure.recall > plain.recall
    tp = round(sure.recall * n_pos)
    assert recall_lower_bound(tp, n_pos, 0.95) >= 0.85
    higher = np.unique(s[s > sure.threshold])
    if higher.size:  # the next candidate up no longer proves the target
        tp_next = int(((s >= higher[0]) & (y == 1)).sum())
        assert recall_lower_bound(tp_next, n_pos, 0.95) < 0.85
    # too few positives to prove 0.99: the lowest threshold (recall 1)
    assert threshold_for_recall(y[:40], s[:40], 0.99, confidence=0.95).recall == 1.0


def _draw(rng: np.random.Generator, n_pos: int, n_neg: int) -> tuple[np.ndarray, np.ndarray]:
    y = np.r_[np.ones(n_pos, int), np.zeros(n_neg, int)]
    return y, np.r_[rng.normal(1.6, 1, n_pos), rng.normal(0, 1, n_neg)]


def test_confidence_keeps_the_promised_recall_on_new_data() -> None:
    """The reason for the bound: a threshold chosen on a validation set for recall 0.85 lands below 0.85
    on new photos about half the time; requiring the 95 % lower bound, rarely."""
    rng = np.random.default_rng(7)
    below = {None: 0, 0.95: 0}
    trials = 300
    for _ in range(trials):
        (yv, sv), (yt, st) = _draw(rng, 150, 1000), _draw(rng, 2000, 10)
        for conf in below:
            thr = threshold_for_recall(yv, sv, 0.85, confidence=conf).threshold
            below[conf] += metrics_at_threshold(yt, st, thr).recall < 0.85
    assert below[None] / trials > 0.3
    assert below[0.95] / trials < 0.1
