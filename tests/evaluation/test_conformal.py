"""Split conformal prediction: scores, the (n+1) quantile, coverage on synthetic data, class-conditional
threshold, set sizes, Wilson interval."""

from __future__ import annotations

import math

import numpy as np
import pytest

from medlens.evaluation.conformal import (
    aps_class_scores,
    aps_scores,
    class_conditional_threshold,
    conformal_quantile,
    empirical_coverage,
    lac_scores,
    mean_set_size,
    prediction_sets,
    wilson_interval,
)


def synthetic(n: int, k: int, rng: np.random.Generator, sharp: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities from noisy logits and labels drawn *from those probabilities* (exchangeable data)."""
    logits = rng.normal(0, sharp, size=(n, k))
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    y = np.array([rng.choice(k, p=row) for row in p])
    return p, y


def test_aps_scores_by_hand() -> None:
    p = np.array([[0.5, 0.3, 0.2]])
    np.testing.assert_allclose(aps_class_scores(p), [[0.0, 0.5, 0.8]])  # mass strictly above
    np.testing.assert_allclose(aps_scores(p, np.array([1])), [0.5])
    np.testing.assert_allclose(lac_scores(p, np.array([2])), [0.8])
    tied = aps_class_scores(np.array([[0.4, 0.4, 0.2]]))  # ties share a score: both kept or neither
    assert tied[0, 0] == tied[0, 1] == 0.0 and tied[0, 2] == pytest.approx(0.8)


def test_quantile_uses_n_plus_one_correction() -> None:
    s = np.arange(1, 10) / 10  # 9 scores 0.1 .. 0.9
    # ceil(10 * 0.9) = 9 -> the 9th smallest; a plain 90 % quantile would give 0.82
    assert conformal_quantile(s, 0.1) == pytest.approx(0.9)
    assert conformal_quantile(s, 0.5) == pytest.approx(0.5)  # ceil(10 * 0.5) = 5
    assert math.isinf(conformal_quantile(s[:5], 0.1))  # ceil(6 * 0.9) = 6 > 5: no finite threshold
    with pytest.raises(ValueError):
        conformal_quantile(s, 1.0)


@pytest.mark.parametrize("method", ["aps", "lac"])
def test_marginal_coverage_on_synthetic_data(method: str) -> None:
    """Over 200 calibration/test draws the mean coverage lies in [1 - alpha, 1 - alpha + 1/(n+1)] (the
    split-conformal bound) within Monte-Carlo noise."""
    rng = np.random.default_rng(0)
    alpha, n_cal, coverages, sizes = 0.1, 500, [], []
    for _ in range(200):
        pc, yc = synthetic(n_cal, 5, rng)
        pt, yt = synthetic(500, 5, rng)
        scores = (aps_scores if method == "aps" else lac_scores)(pc, yc)
        sets = prediction_sets(pt, conformal_quantile(scores, alpha), method)
        coverages.append(empirical_coverage(sets, yt).value)
        sizes.append(mean_set_size(sets))
    mean = float(np.mean(coverages))
    upper = 1 - alpha + 1 / (n_cal + 1) + 0.005
    assert 1 - alpha - 0.005 <= mean <= upper
    assert 1 < np.mean(sizes) < 5  # informative: neither the arg-max alone nor every class


def test_sets_are_never_empty_and_grow_with_confidence_level() -> None:
    rng = np.random.default_rng(1)
    pc, yc = synthetic(400, 4, rng)
    pt, _ = synthetic(300, 4, rng)
    s = aps_scores(pc, yc)
    small = prediction_sets(pt, conformal_quantile(s, 0.3))
    large = prediction_sets(pt, conformal_quantile(s, 0.05))
    assert small.sum(1).min() >= 1
    assert (large | small).sum() == large.sum()  # lower alpha: a superset, class by class
    assert mean_set_size(large) > mean_set_size(small)
    assert prediction_sets(pt, math.inf).all()  # no finite threshold: every class kept


def test_class_conditional_threshold_covers_the_target_class() -> None:
    """The target class is hard (its probability is shrunk): the marginal threshold under-covers it,
    the class-conditional one restores >= 1 - alpha on target images."""
    rng = np.random.default_rng(2)
    alpha, target = 0.1, 0

    def hard_target(n: int) -> tuple[np.ndarray, np.ndarray]:
        p, _ = synthetic(n, 4, rng)
        y = np.array([rng.choice(4, p=row) for row in p])
        shrunk = p.copy()
        shrunk[:, target] *= 0.3  # the model under-rates the target class
        return shrunk / shrunk.sum(1, keepdims=True), y

    pc, yc = hard_target(4000)
    pt, yt = hard_target(4000)
    q = conformal_quantile(aps_scores(pc, yc), alpha)
    q_t, n_t = class_conditional_threshold(pc, yc, target, alpha)
    assert n_t == int((yc == target).sum())
    marginal = empirical_coverage(prediction_sets(pt, q), yt, only_class=target)
    conditional = prediction_sets(pt, q, target=target, target_qhat=q_t)
    assert marginal.ci_high < 1 - alpha  # the failure the class-conditional threshold fixes
    assert empirical_coverage(conditional, yt, only_class=target).value >= 1 - alpha - 0.02
    assert empirical_coverage(conditional, yt).value >= 1 - alpha - 0.02  # marginal still holds


def test_wilson_interval_and_coverage_record() -> None:
    lo, hi = wilson_interval(90, 100)
    assert lo == pytest.approx(0.8256, abs=1e-3) and hi == pytest.approx(0.9448, abs=1e-3)
    assert wilson_interval(10, 10)[1] == pytest.approx(1.0) and wilson_interval(0, 10)[0] == pytest.approx(
        0.0
    )
    sets = np.array([[True, False], [False, True], [True, True], [False, True]])
    cov = empirical_coverage(sets, np.array([0, 0, 1, 1]))
    assert (cov.value, cov.n) == (0.75, 4)
    assert empirical_coverage(sets, np.array([0, 0, 1, 1]), only_class=0).value == 0.5
