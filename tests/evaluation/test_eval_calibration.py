"""Temperature scaling and reliability bins."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import softmax as scipy_softmax

from medlens.evaluation.calibration import fit_temperature, nll, reliability_bins, softmax
from medlens.evaluation.metrics import expected_calibration_error


def _calibrated_logits(rng: np.random.Generator, n: int, c: int) -> tuple[np.ndarray, np.ndarray]:
    """Logits whose softmax is the true label distribution (labels sampled from it)."""
    z = rng.normal(scale=2.0, size=(n, c))
    p = scipy_softmax(z, axis=1)
    y = (p.cumsum(axis=1) > rng.uniform(size=(n, 1))).argmax(axis=1)
    return z, y


def test_softmax_matches_scipy_and_is_stable(rng: np.random.Generator) -> None:
    z = rng.normal(size=(20, 5)) * 10
    np.testing.assert_allclose(softmax(z), scipy_softmax(z, axis=1))
    np.testing.assert_allclose(softmax(z, T=2.5), scipy_softmax(z / 2.5, axis=1))
    big = softmax(np.array([[1000.0, 0.0], [-1000.0, 0.0]]))
    assert np.all(np.isfinite(big)) and big[0, 0] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="temperature"):
        softmax(z, T=0.0)


@pytest.mark.parametrize("true_t", [0.5, 2.0, 3.0])
def test_fit_temperature_recovers_known_t(rng: np.random.Generator, true_t: float) -> None:
    z, y = _calibrated_logits(rng, 8000, 4)
    scaled = z * true_t  # over- (t > 1) or under-confident (t < 1) logits
    t = fit_temperature(scaled, y)
    assert t == pytest.approx(true_t, rel=0.1)
    assert nll(scaled, y, t) < nll(scaled, y, 1.0)
    ece_before = expected_calibration_error(y, softmax(scaled))
    ece_after = expected_calibration_error(y, softmax(scaled, t))
    assert ece_after < ece_before


def test_fit_temperature_bad_input() -> None:
    with pytest.raises(ValueError, match="rows"):
        fit_temperature(np.zeros((3, 2)), np.array([0, 1]))
    with pytest.raises(ValueError, match="out of range"):
        fit_temperature(np.zeros((2, 2)), np.array([0, 2]))
    with pytest.raises(ValueError, match="2-D"):
        fit_temperature(np.zeros(4), np.array([0, 1, 0, 1]))


def test_reliability_bins(rng: np.random.Generator) -> None:
    z, y = _calibrated_logits(rng, 3000, 3)
    p = softmax(z)
    bins = reliability_bins(y, p, n_bins=10)
    assert bins.edges.shape == (11,) and bins.counts.sum() == 3000
    assert bins.ece == pytest.approx(expected_calibration_error(y, p, n_bins=10))
    filled = bins.counts > 0
    assert np.all(
        (bins.confidence[filled] > bins.edges[:-1][filled])
        & (bins.confidence[filled] <= bins.edges[1:][filled])
    )
    assert np.all(np.isnan(bins.accuracy[~filled]))
    assert bins.ece < 0.05
