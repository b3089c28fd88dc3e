"""Deletion / insertion AUC on a toy model whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest

from medlens.explain.faithfulness import deletion_auc, deletion_curve, insertion_auc


def _toy_predict(batch: np.ndarray) -> np.ndarray:
    """Score = mean of the top-left 16x16 quadrant of a 32x32 image: only that region matters."""
    return batch[:, :16, :16].mean(axis=(1, 2, 3))


@pytest.fixture
def image() -> np.ndarray:
    return np.ones((32, 32, 3), np.float32)


def _heat(correct: bool) -> np.ndarray:
    h = np.zeros((32, 32))
    h[:16, :16] = 1.0
    h += np.linspace(0, 0.01, 32 * 32).reshape(32, 32)  # tie-break, keeps the order deterministic
    return h if correct else -h


def test_correct_heatmap_deletes_fast(image: np.ndarray) -> None:
    # The quadrant is 25 % of the pixels: the score falls linearly to 0 by fraction 0.25 -> AUC 0.125.
    assert deletion_auc(_toy_predict, image, _heat(True), steps=64) == pytest.approx(0.125, abs=0.01)
    # Inverted heatmap: score stays 1 until 75 % are gone, then falls -> AUC 0.875.
    assert deletion_auc(_toy_predict, image, _heat(False), steps=64) == pytest.approx(0.875, abs=0.01)


def test_insertion_mirrors_deletion(image: np.ndarray) -> None:
    assert insertion_auc(_toy_predict, image, _heat(True), steps=64) == pytest.approx(0.875, abs=0.01)
    assert insertion_auc(_toy_predict, image, _heat(False), steps=64) == pytest.approx(0.125, abs=0.01)


def test_curve_endpoints_and_errors(image: np.ndarray) -> None:
    x, y = deletion_curve(_toy_predict, image, _heat(True), steps=4)
    assert x[0] == 0 and x[-1] == 1 and y[0] == pytest.approx(1) and y[-1] == pytest.approx(0)
    with pytest.raises(ValueError, match="heatmap shape"):
        deletion_auc(_toy_predict, image, np.zeros((8, 8)))
    with pytest.raises(ValueError, match="steps"):
        deletion_auc(_toy_predict, image, _heat(True), steps=0)
