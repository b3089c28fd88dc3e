"""Energy / max-softmax OOD scores and the threshold fit."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import logsumexp, softmax

from medlens.card import OODGate
from medlens.quality import energy_score, fit_ood_threshold, is_out_of_distribution, max_softmax


def test_energy_matches_scipy(rng: np.random.Generator) -> None:
    z = rng.normal(0, 3, (50, 4))
    np.testing.assert_allclose(energy_score(z), -logsumexp(z, axis=1))
    np.testing.assert_allclose(energy_score(z, T=2.0), -2.0 * logsumexp(z / 2.0, axis=1))
    assert isinstance(energy_score(z[0]), float)


def test_max_softmax_matches_scipy(rng: np.random.Generator) -> None:
    z = rng.normal(0, 3, (50, 4)) * 100  # large logits must not overflow
    np.testing.assert_allclose(max_softmax(z), softmax(z, axis=1).max(axis=1))


@pytest.mark.parametrize("method", ["energy", "max_softmax"])
def test_threshold_keeps_quantile_and_flags_flat_logits(rng: np.random.Generator, method: str) -> None:
    # In-distribution: one confident class. OOD: flat, small logits.
    val = rng.normal(0, 0.5, (2000, 3))
    val[np.arange(2000), rng.integers(0, 3, 2000)] += 8.0
    thr = fit_ood_threshold(val, quantile=0.95, method=method)
    gate = OODGate(method=method, threshold=thr, val_quantile=0.95)
    flagged = np.mean([is_out_of_distribution(v, gate) for v in val])
    assert flagged == pytest.approx(0.05, abs=0.01)
    assert is_out_of_distribution(np.array([0.1, 0.0, -0.1]), gate)
    assert not is_out_of_distribution(np.array([10.0, 0.0, 0.0]), gate)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="quantile"):
        fit_ood_threshold(np.zeros((3, 2)), quantile=1.5)
    with pytest.raises(ValueError, match="unknown OOD method"):
        fit_ood_threshold(np.zeros((3, 2)), method="mahalanobis")
    with pytest.raises(ValueError, match="one image"):
        is_out_of_distribution(np.zeros((2, 2)), OODGate(threshold=0.0))
