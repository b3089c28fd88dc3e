"""Criteria objects: each returns {"loss", "output"}; focal(gamma=0) is CE; smoothing; weights; KD."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from medlens.tasks import Head, LabelSchema, Text
from medlens.tasks.schema import corn_probabilities
from medlens.training import (
    CrossEntropy,
    Distillation,
    FocalLoss,
    HeadsLoss,
    class_weights,
    create_criterion,
)
from medlens.training.criteria import corn_loss


def _schema(n: int) -> LabelSchema:
    return LabelSchema.single([str(i) for i in range(n)])


def _heads(**sizes: tuple[int, bool]) -> LabelSchema:
    return LabelSchema(
        tuple(
            Head(name, tuple(str(i) for i in range(k)), Text(name, name), ordinal=o)
            for name, (k, o) in sizes.items()
        )
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
    smooth = create_criterion("smooth", _schema(4))(logits, y)["loss"]
    assert torch.allclose(smooth, F.cross_entropy(logits, y, label_smoothing=0.1))
    # with a confident correct prediction, smoothing keeps the loss away from zero
    sure = torch.full((1, 4), -20.0)
    sure[0, 2] = 20.0
    assert CrossEntropy(label_smoothing=0.1)(sure, torch.tensor([2]))["loss"] > 0.5
    assert CrossEntropy()(sure, torch.tensor([2]))["loss"] < 1e-6


def test_class_weights_inverse_frequency() -> None:
    w = class_weights(torch.tensor([0, 0, 0, 1]), 3)
    assert w[2] == 0 and w[1] / w[0] == pytest.approx(3.0)
    crit = create_criterion("ce", _schema(3), train_labels=[0, 0, 0, 1], class_weighted=True)
    assert torch.allclose(crit.weight, w)


def test_multihead_ce_ignores_missing() -> None:
    schema = _heads(a=(4, False), b=(4, False))
    logits = torch.randn(3, 8)
    target = torch.tensor([[0, 1], [2, -1], [3, 3]])
    crit = create_criterion("ce", schema)
    assert isinstance(crit, HeadsLoss)
    loss = crit(logits, target)["loss"]
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
        create_criterion("nope", _schema(2))


def test_corn_loss_matches_its_definition() -> None:
    """CORN: task k asks "grade > k" of the samples with grade >= k; mean BCE over the pairs used."""
    g = torch.Generator().manual_seed(3)
    logits, y = torch.randn(6, 3, generator=g), torch.tensor([0, 1, 2, 3, 3, 1])
    terms = []
    for i in range(6):
        for k in range(3):
            if y[i] >= k:
                target = torch.tensor(float(y[i] > k))
                terms.append(F.binary_cross_entropy_with_logits(logits[i, k], target))
    assert torch.allclose(corn_loss(logits, y), torch.stack(terms).mean(), atol=1e-6)


def test_corn_training_learns_ordered_grades() -> None:
    """A linear CORN head fit on a 1-d feature recovers the grade order; probabilities stay valid."""
    g = torch.Generator().manual_seed(0)
    y = torch.randint(0, 4, (400,), generator=g)
    x = (y.float() + 0.3 * torch.randn(400, generator=g))[:, None]
    head = torch.nn.Linear(1, 3)
    opt = torch.optim.Adam(head.parameters(), lr=0.05)
    crit = create_criterion("ce", _heads(grade=(4, True)))
    for _ in range(300):
        opt.zero_grad()
        crit(head(x), y)["loss"].backward()
        opt.step()
    probs = corn_probabilities(head(x).detach().numpy())
    assert probs.shape == (400, 4) and abs(probs.sum(1) - 1).max() < 1e-6 and probs.min() >= 0
    acc = float((probs.argmax(1) == y.numpy()).mean())
    assert acc > 0.8
