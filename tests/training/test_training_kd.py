"""KDE-CT pieces: ensemble soft targets, difficulty, curriculum, offline distillation, MixUp/CutMix."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from medlens.training.criteria import CrossEntropy
from medlens.training.kd import (
    DistillDataset,
    OfflineDistillation,
    competence,
    curriculum_subset,
    difficulty,
    ensemble_soft_logits,
)
from medlens.training.mixing import MixCollate


def test_ensemble_soft_logits_average_softened_probabilities() -> None:
    z = np.array([[[2.0, 0.0]], [[0.0, 2.0]], [[4.0, 0.0]]])  # 3 teachers, 1 sample, 2 classes
    t = 2.0
    soft = ensemble_soft_logits(z, t)
    expected = np.mean([np.exp(r / t) / np.exp(r / t).sum() for r in z[:, 0]], axis=0)
    np.testing.assert_allclose(torch.softmax(torch.tensor(soft) / t, -1).numpy()[0], expected, rtol=1e-5)


def test_difficulty_and_curriculum_keep_every_class() -> None:
    z = np.array([[[5.0, 0.0], [0.0, 0.0], [0.0, 5.0], [5.0, 0.0]]])
    labels = np.array([0, 0, 1, 1])
    h = difficulty(z, labels)
    assert h[0] < h[1] < h[3] and h[2] < h[3]
    assert curriculum_subset(h, labels, 0.5).tolist() == [0, 2]  # easiest of each class
    assert curriculum_subset(h, labels, 1.0).tolist() == [0, 1, 2, 3]
    assert competence(0, 10) == 0.5 and competence(5, 10) == 1.0 and 0.5 < competence(2, 10) < 1.0


def test_distill_dataset_targets_and_curriculum_epochs() -> None:
    base = torch.utils.data.TensorDataset(torch.zeros(4, 3, 2, 2), torch.tensor([0, 0, 1, 1]))
    soft = np.arange(8, dtype=np.float32).reshape(4, 2)
    ds = DistillDataset(base, soft, np.array([0, 0, 1, 1]), hardness=np.array([0.1, 0.9, 0.2, 0.8]), epochs=4)
    ds.set_epoch(0)
    assert len(ds) == 2
    _x, y = ds[1]
    assert y.tolist() == [1.0, 4.0, 5.0]  # [label, teacher logits] of sample 2
    ds.set_epoch(3)
    assert len(ds) == 4


def test_offline_distillation_matches_distillation_formula() -> None:
    torch.manual_seed(0)
    logits, teacher = torch.randn(5, 3), torch.randn(5, 3)
    labels = torch.tensor([0, 1, 2, 1, 0])
    crit = OfflineDistillation(CrossEntropy(), alpha=0.7, temperature=2.0)
    out = crit(logits, torch.cat([labels[:, None].float(), teacher], 1))
    kd = F.kl_div(F.log_softmax(logits / 2, 1), F.softmax(teacher / 2, 1), reduction="batchmean") * 4
    expected = 0.3 * F.cross_entropy(logits, labels) + 0.7 * kd
    assert float(out["loss"]) == pytest.approx(float(expected), rel=1e-5)
    plain = crit(logits, labels)  # validation: integer targets, base loss only
    assert float(plain["loss"]) == pytest.approx(float(F.cross_entropy(logits, labels)), rel=1e-6)


@pytest.mark.parametrize("mode", ["mixup", "cutmix", "mixup-cutmix"])
def test_mix_collate_soft_targets_sum_to_one(mode: str) -> None:
    g = torch.Generator().manual_seed(0)
    batch = [(torch.full((3, 8, 8), float(i)), torch.tensor(i % 3)) for i in range(6)]
    x, y = MixCollate(mode, 3, 0.4, g)(batch)
    assert x.shape == (6, 3, 8, 8) and y.shape == (6, 3)
    torch.testing.assert_close(y.sum(1), torch.ones(6))
    loss = CrossEntropy()(torch.randn(6, 3), y)["loss"]  # CE takes probability targets
    assert torch.isfinite(loss)
    with pytest.raises(ValueError, match="unknown mix"):
        MixCollate("blend", 3, 0.4, g)
