"""Criteria objects: each returns {"loss", "output"}; focal(gamma=0) is CE; smoothing; weights; KD."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from medlens.training import (
    CrossEntropy,
    Distillation,
    FocalLoss,
    MultiHeadCrossEntropy,
    class_weights,
    create_criterion,
)


@pytest.fixture
def batch() -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    return torch.randn(16, 4, generator=g), torch.randint(0, 4, (16,), generator=g)


def test_cross_entropy_matches_torch(batch: tuple[torch.Tensor, torch.Tensor]) -> None:
    logits, y = batch
    out = CrossEntropy()(logits, y)
    assert set(out) >= {"loss", "output"}
    assert torch.allclose(out["loss"], F.cross_entropy(logits, y))
    assert out["output"] is logits


def test_focal_gamma_zero_is_cross_entropy(batch: tuple[torch.Tensor, torch.Tensor]) -> None:
    logits, y = batch
    assert torch.allclose(FocalLoss(gamma=0.0)(logits, y)["loss"], F.cross_entropy(logits, y), atol=1e-6)


def test_focal_down_weights_easy_examples(batch: tuple[torch.Tensor, torch.Tensor]) -> None:
    logits, y = batch
    assert FocalLoss(gamma=2.0)(logits, y)["loss"] < FocalLoss(gamma=0.0)(logits, y)["loss"]
    alpha = torch.tensor([1.0, 0.0, 0.0, 0.0])
    only0 = FocalLoss(gamma=0.0, alpha=alpha)(logits, y)["loss"]
    manual = (F.cross_entropy(logits, y, reduction="none") * (y == 0)).mean()
    assert torch.allclose(only0, manual, atol=1e-6)


def test_label_smoothing(batch: tuple[torch.Tensor, torch.Tensor]) -> None:
    logits, y = batch
    smooth = create_criterion("smooth", 4)(logits, y)["loss"]
    assert torch.allclose(smooth, F.cross_entropy(logits, y, label_smoothing=0.1))
    # with a confident correct prediction, smoothing keeps the loss away from zero
    sure = torch.full((1, 4), -20.0)
    sure[0, 2] = 20.0
    assert CrossEntropy(label_smoothing=0.1)(sure, torch.tensor([2]))["loss"] > 0.5
    assert CrossEntropy()(sure, torch.tensor([2]))["loss"] < 1e-6


def test_class_weights_inverse_frequency() -> None:
    w = class_weights(torch.tensor([0, 0, 0, 1]), 3)
    assert w[2] == 0 and w[1] / w[0] == pytest.approx(3.0)
    crit = create_criterion("ce", 3, train_labels=[0, 0, 0, 1], class_weighted=True)
    assert torch.allclose(crit.weight, w)


def test_multihead_ce_ignores_missing() -> None:
    heads = {"a": 4, "b": 4}
    logits = torch.randn(3, 8)
    target = torch.tensor([[0, 1], [2, -1], [3, 3]])
    loss = MultiHeadCrossEntropy(heads)(logits, target)["loss"]
    expect = (
        F.cross_entropy(logits[:, :4], target[:, 0]) + F.cross_entropy(logits[[0, 2], 4:], target[[0, 2], 1])
    ) / 2
    assert torch.allclose(loss, expect)


def test_distillation(batch: tuple[torch.Tensor, torch.Tensor]) -> None:
    logits, y = batch
    kd = Distillation(CrossEntropy(), alpha=0.5, temperature=2.0)
    same = kd(logits, y, teacher_logits=logits)
    assert same["kd"] == pytest.approx(0.0, abs=1e-6)
    assert torch.allclose(same["loss"], 0.5 * F.cross_entropy(logits, y))
    other = kd(logits, y, teacher_logits=-logits)
    assert other["kd"] > 0
    assert torch.allclose(kd(logits, y)["loss"], F.cross_entropy(logits, y))


def test_unknown_loss_lists_names() -> None:
    with pytest.raises(ValueError, match="focal"):
        create_criterion("nope", 2)
