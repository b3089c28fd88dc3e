"""Logit adjustment: the prior's bias and the choice of tau on validation data."""

from __future__ import annotations

import numpy as np
import pytest

from medlens.evaluation.logit_adjust import adjustment_bias, choose_tau, class_prior, tau_grid
from medlens.evaluation.metrics import balanced_accuracy


def test_class_prior_and_bias() -> None:
    prior = class_prior([0, 0, 0, 1, 2, 2], 3)
    np.testing.assert_allclose(prior, [0.5, 1 / 6, 1 / 3])
    np.testing.assert_allclose(adjustment_bias(prior, 1.0), -np.log(prior))
    np.testing.assert_allclose(adjustment_bias(prior, 0.0), 0.0)
    # tau > 0 raises the rare classes against the frequent one, tau < 0 the reverse
    b = adjustment_bias(prior, 0.5)
    assert b[1] > b[2] > b[0]
    assert (np.diff(adjustment_bias(prior, -0.5)[[1, 2, 0]]) > 0).all()
    with pytest.raises(ValueError, match="never occur"):
        class_prior([0, 0, 2], 3)
    with pytest.raises(ValueError, match="outside"):
        class_prior([0, 3], 3)
    with pytest.raises(ValueError, match="positive shares"):
        adjustment_bias([0.5, 0.6], 1.0)


def test_tau_grid_holds_zero_and_both_ends() -> None:
    grid = tau_grid(-1.0, 1.0, 0.05)
    assert len(grid) == 41 and grid[0] == -1.0 and grid[-1] == 1.0 and 0.0 in grid
    with pytest.raises(ValueError):
        tau_grid(1.0, -1.0, 0.1)


def _biased_model(rng: np.random.Generator, n: int = 3000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Three classes at 70/20/10 %, logits that carry the training prior on top of a weak signal."""
    prior = np.array([0.7, 0.2, 0.1])
    y = rng.choice(3, size=n, p=prior)
    z = rng.normal(0, 1.0, (n, 3))
    z[np.arange(n), y] += 1.5
    return y, z + np.log(prior), prior


def test_choose_tau_undoes_a_prior_the_logits_carry() -> None:
    y, z, prior = _biased_model(np.random.default_rng(0))
    choice = choose_tau(y, z, prior, tau_grid())
    assert choice.adjusted and 0.6 <= choice.tau <= 1.0
    table = {t: b for t, b, _ in choice.table}
    assert choice.best == max(table.values()) and choice.at_zero == table[0.0]
    assert choice.best > choice.at_zero + 0.05
    # the table's figure is the balanced accuracy of that decision
    pred = (z - choice.tau * np.log(prior)).argmax(1)
    assert balanced_accuracy(y, pred) == pytest.approx(choice.best)


def test_choose_tau_keeps_a_balanced_model_and_breaks_ties_towards_zero() -> None:
    rng = np.random.default_rng(1)
    y = np.repeat([0, 1, 2], 200)
    z = rng.normal(0, 1.0, (600, 3))
    z[np.arange(600), y] += 3.0
    prior = np.array([0.7, 0.2, 0.1])  # a prior the logits do not carry
    choice = choose_tau(y, z, prior, tau_grid())
    assert not choice.adjusted and choice.tau == 0.0
    # every tau gives the same decisions when the logits are far apart: the tie goes to tau = 0
    z2 = np.eye(3)[y] * 100.0
    tie = choose_tau(y, z2, prior, [-0.5, 0.0, 0.5], margin=0.0)
    assert tie.tau == 0.0 and not tie.adjusted and tie.best == tie.at_zero == 1.0
    with pytest.raises(ValueError, match="tau = 0"):
        choose_tau(y, z, prior, [0.1, 0.2])
    with pytest.raises(ValueError, match="n_classes"):
        choose_tau(y, z[:, :2], prior, [0.0])


def test_margin_decides_whether_a_small_gain_is_kept() -> None:
    y, z, prior = _biased_model(np.random.default_rng(2))
    free = choose_tau(y, z, prior, tau_grid(), margin=0.0)
    strict = choose_tau(y, z, prior, tau_grid(), margin=free.best - free.at_zero)
    assert free.adjusted and not strict.adjusted and strict.tau == 0.0
