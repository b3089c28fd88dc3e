"""create_classifier over every curated backbone, multi-head shapes, checkpoints."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from medlens.models import (
    CheckpointError,
    MultiHeadClassifier,
    create_classifier,
    list_backbones,
    load_checkpoint,
    save_checkpoint,
    split_logits,
)


def test_list_backbones_has_curated_families() -> None:
    names = list_backbones()
    for name in (
        "resnet18",
        "tf_efficientnet_lite0",
        "densenet121",
        "convnext_atto",
        "mobilenetv3_small_100",
    ):
        assert name in names


@pytest.mark.parametrize("backbone", list_backbones())
def test_factory_smoke(backbone: str) -> None:
    model = create_classifier(backbone, num_classes=3, drop_rate=0.1).eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        feats = model.forward_features(x)
        logits = model.forward_head(feats)
    assert feats.ndim == 4 and feats.shape[0] == 2
    assert logits.shape == (2, 3)
    assert model.get_classifier() is not None


def test_any_timm_name_works_and_unknown_fails() -> None:
    assert create_classifier("resnet10t", 2).eval()(torch.randn(1, 3, 32, 32)).shape == (1, 2)
    with pytest.raises(ValueError, match="not-a-model"):
        create_classifier("not-a-model", 2)


def test_multihead_shapes_and_split() -> None:
    heads = {f"symptom{i}": 4 for i in range(6)}
    model = create_classifier("mobilenetv3_small_100", num_classes=4, heads=heads).eval()
    assert isinstance(model, MultiHeadClassifier)
    with torch.no_grad():
        feats = model.forward_features(torch.randn(2, 3, 64, 64))
        logits = model.forward_head(feats)
        pooled = model.forward_head(feats, pre_logits=True)
    assert logits.shape == (2, 24)
    assert pooled.shape == (2, model.num_features)
    parts = split_logits(logits, heads)
    assert list(parts) == list(heads) and all(p.shape == (2, 4) for p in parts.values())


def test_checkpoint_roundtrip(tmp_path: Path) -> None:
    config = {"backbone": "resnet18", "num_classes": 2, "drop_rate": 0.0}
    model = create_classifier("resnet18", 2).eval()
    path = save_checkpoint(tmp_path / "best.pt", model, config)
    loaded, cfg = load_checkpoint(path)
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad():
        assert torch.allclose(model(x), loaded(x))
    assert cfg == config


def test_load_checkpoint_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match=r"missing\.pt"):
        load_checkpoint(tmp_path / "missing.pt")
    bad = tmp_path / "bad.pt"
    torch.save({"weights": 1}, bad)
    with pytest.raises(CheckpointError, match=r"bad\.pt"):
        load_checkpoint(bad)
