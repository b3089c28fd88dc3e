"""fit() mechanics on tiny synthetic tensors: LP-FT freezing, multi-head, early stopping, checkpoints."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset

from medlens.models import create_classifier, load_checkpoint
from medlens.tasks import Head, LabelSchema, Text
from medlens.training import FitOptions, FitParts, create_criterion, predict
from medlens.training.fit import fit
from medlens.training.monitor import validation_metrics
from medlens.training.optim import create_optimizer, create_scheduler
from medlens.training.sampling import balanced_sampler

BACKBONE = "mobilenetv3_small_050"  # tiny: these tests check mechanics, not accuracy


def _loaders(y: torch.Tensor, seed: int = 0) -> tuple[DataLoader, DataLoader, torch.Generator]:
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(len(y), 3, 32, 32, generator=g)
    ds = TensorDataset(x, y)
    return DataLoader(ds, batch_size=8, shuffle=True, generator=g), DataLoader(ds, batch_size=16), g


def _schema(heads: dict[str, int] | None) -> LabelSchema:
    if not heads:
        return LabelSchema.single(["0", "1"])
    return LabelSchema(tuple(Head(n, tuple(map(str, range(k))), Text(n, n)) for n, k in heads.items()))


def _fit(model, y, tmp_path: Path, **kw):
    train, val, g = _loaders(y)
    heads = kw.pop("head_sizes", None)
    schema = _schema(heads)
    crit = create_criterion("ce", schema)
    opt = create_optimizer(model, "adam", 1e-3)
    sched = create_scheduler(opt, "cosine", kw.get("epochs", 2), len(train), warmup_epochs=0.5)
    config = {"backbone": BACKBONE, "num_classes": 2, "heads": heads or {}}
    parts = FitParts(model, train, val, crit, opt, sched, g, torch.device("cpu"))
    return fit(parts, FitOptions(progress=False, schema=schema, **kw), tmp_path, config)


def test_linear_probe_freezes_backbone(tmp_path: Path) -> None:
    model = create_classifier(BACKBONE, 2)
    stem = model.conv_stem.weight.detach().clone()
    head = model.get_classifier().weight.detach().clone()
    y = torch.tensor([0, 1] * 16)
    _fit(model, y, tmp_path, epochs=1, lp_epochs=1, monitor="loss")
    assert torch.equal(model.conv_stem.weight, stem)
    assert not torch.equal(model.get_classifier().weight, head)
    assert all(p.requires_grad for p in model.parameters())  # unfrozen again after fit
    history = json.loads((tmp_path / "history.json").read_text())
    assert history[0]["phase"] == "lp"


def test_multihead_fit_and_checkpoint(tmp_path: Path) -> None:
    heads = {"a": 4, "b": 4, "c": 4}
    model = create_classifier(BACKBONE, 4, heads=heads)
    y = torch.randint(0, 4, (24, 3), generator=torch.Generator().manual_seed(1))
    result = _fit(model, y, tmp_path, epochs=2, head_sizes=heads, monitor="accuracy")
    assert len(result.history) == 2 and 0 <= result.history[-1]["val_accuracy"] <= 1
    loaded, config = load_checkpoint(tmp_path / "best.pt")
    assert config["heads"] == heads
    logits, targets = predict(loaded, _loaders(y)[1], torch.device("cpu"), tta=["hflip", "vflip"])
    assert logits.shape == (24, 12) and targets.shape == (24, 3)


def test_early_stopping(tmp_path: Path) -> None:
    model = create_classifier(BACKBONE, 2)
    # lr 0 and frozen BatchNorm running statistics -> the validation loss is the same every epoch,
    # so it never improves after the first one
    for module in model.modules():
        if isinstance(module, torch.nn.modules.batchnorm._BatchNorm):
            module.momentum = 0.0
    y = torch.tensor([0, 1] * 8)
    train, val, g = _loaders(y)
    crit = create_criterion("ce", _schema(None))
    opt = create_optimizer(model, "adam", 0.0)
    parts = FitParts(model, train, val, crit, opt, None, g, torch.device("cpu"))
    options = FitOptions(epochs=10, monitor="loss", patience=2, progress=False)
    result = fit(parts, options, tmp_path, {"backbone": BACKBONE, "num_classes": 2})
    assert result.stopped_early and len(result.history) == 3 and result.best_epoch == 0


def test_validation_metrics_and_sampler() -> None:
    logits = np.array([[2.0, 0.0], [0.0, 2.0], [1.0, 0.0], [0.0, 1.0]])
    m = validation_metrics(logits, np.array([0, 1, 0, 1]))
    assert m["accuracy"] == 1.0 and m["auroc"] == 1.0 and m["loss"] > 0
    labels = np.array([0] * 90 + [1] * 10)
    drawn = np.array(labels)[
        list(balanced_sampler(labels, torch.Generator().manual_seed(0), num_samples=2000))
    ]
    assert 0.4 < drawn.mean() < 0.6
