"""Fixtures: small random-init models exported to ONNX bundles, and real images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from medlens.card import DataInfo, ModelCard, OODGate, Preprocessing, Thresholds


def make_bundle(
    out_dir: Path,
    backbone: str = "resnet18",
    task: str = "melanoma",
    classes: tuple[str, ...] = ("benign", "malignant"),
    heads: dict[str, list[str]] | None = None,
    input_size: int = 64,
    temperature: float = 1.5,
    threshold: float | None = 0.3,
    ood: OODGate | None = None,
    seed: int = 0,
) -> ModelCard:
    """Random-init timm model -> model.onnx + cam_head.npz + card.json in ``out_dir``."""
    import torch

    from medlens.export import write_bundle
    from medlens.models import create_classifier

    torch.manual_seed(seed)
    model = create_classifier(
        backbone, num_classes=len(classes), heads={k: len(v) for k, v in heads.items()} if heads else None
    ).eval()
    card = ModelCard(
        name=out_dir.name,
        task=task,
        backbone=backbone,
        classes=list(classes),
        heads=heads or {},
        preprocessing=Preprocessing(
            input_size=input_size, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5), interpolation="area/bilinear"
        ),
        temperature=temperature,
        thresholds=Thresholds(target_class=classes[-1] if task == "melanoma" else None, threshold=threshold),
        ood=ood,
        data=DataInfo(dataset="random-init test model"),
    )
    return write_bundle(model, out_dir, card, latency_runs=5)


@pytest.fixture(scope="session")
def melanoma_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundles") / "melanoma-test"
    make_bundle(out, ood=OODGate(method="energy", threshold=-1.0))
    return out


@pytest.fixture(scope="session")
def melanoma_images(shared_data: Path) -> list[Path]:
    """A few real melanoma-dataset JPEGs (both classes)."""
    root = shared_data / "melanoma_10000" / "train"
    files = sorted((root / "malignant").glob("*.jpg"))[:3] + sorted((root / "benign").glob("*.jpg"))[:3]
    if len(files) < 6:
        pytest.skip(f"melanoma images not found under {root}")
    return files


@pytest.fixture(scope="session")
def ham_images(shared_data: Path) -> list[Path]:
    files = sorted((shared_data / "ham10000_lowres" / "images").glob("*.jpg"))[:3]
    if not files:
        pytest.skip("HAM10000 low-res images not found")
    return files


def read(path: Path) -> np.ndarray:
    from medlens.data.imageio import read_image_rgb

    return read_image_rgb(path)
