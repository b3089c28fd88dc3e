"""Train/val gap scoring (medlens.training.gap.head_scores) on hand-made CORN logits."""

from __future__ import annotations

import numpy as np
import pytest

from medlens.tasks import get_task
from medlens.training.config import TrainConfig
from medlens.training.gap import head_scores, to_markdown


def corn_logits(grades: np.ndarray) -> np.ndarray:
    """CORN logits (K-1 = 3 per head) that decode to ``grades`` (N x 6): P(y > k) high for k < grade."""
    n, h = grades.shape
    out = np.empty((n, h * 3))
    for j in range(h):
        for k in range(3):
            out[:, j * 3 + k] = np.where(grades[:, j] > k, 8.0, -8.0)
    return out


def test_perfect_and_off_by_one_predictions() -> None:
    config = TrainConfig(task="scalp", dataset="aihub-scalp", data_root=".", out=".")
    assert len(get_task("scalp").heads) == 6
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, (40, 6))
    perfect = head_scores(config, corn_logits(y), y)
    for scores in perfect.values():
        assert scores["kappa_quadratic"] == pytest.approx(1.0) and scores["grade_mae"] == 0.0
    shifted = np.clip(y + 1, 0, 3)
    off = head_scores(config, corn_logits(shifted), y)
    for j, scores in enumerate(off.values()):
        assert scores["grade_mae"] == pytest.approx(float(np.mean(shifted[:, j] != y[:, j])))
        assert scores["kappa_quadratic"] < 1.0
    missing = y.copy()
    missing[:10, 0] = -1  # unlabelled rows are skipped
    assert head_scores(config, corn_logits(y), missing)["fine_dandruff"]["n"] == 30


def test_markdown_table() -> None:
    result = {
        "train": {"h": {"n": 3, "kappa_quadratic": 0.9}},
        "val": {"h": {"n": 2, "kappa_quadratic": 0.6}},
        "gap": {"h": {"kappa_quadratic": 0.3}},
    }
    assert "| h | kappa_quadratic | 0.900 | 0.600 | +0.300 |" in to_markdown(result)
