"""``--split-seed``: members of an ensemble trained with other seeds on one split. The split follows
``split_seed`` (default ``seed``) in training, in the card's split text and when a bundle's split is rebuilt
from its training command."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from PIL import Image

from medlens.card import DataInfo, ModelCard, Preprocessing, Thresholds
from medlens.data import create_dataset
from medlens.data.rebuild import facts_from_card
from medlens.export.card_builder import _split_seed
from medlens.training.config import TrainConfig
from medlens.training.prepare import make_manifest


def write_image(path: Path, seed: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.random.default_rng(seed).integers(0, 255, (24, 24, 3), dtype=np.uint8)).save(path)


def _config(root: Path, **kw: int | None) -> TrainConfig:
    return TrainConfig(task="melanoma", dataset="imagefolder", data_root=str(root), out="runs/x", **kw)  # type: ignore[arg-type]


def test_split_follows_split_seed_not_seed(tmp_path: Path) -> None:
    root = tmp_path / "set"
    for k in range(40):
        write_image(root / ("benign" if k % 2 else "malignant") / f"im{k:02d}.png", seed=k)
    ds = create_dataset("imagefolder", root)
    seed0 = make_manifest(_config(root, seed=0), ds)
    seed1 = make_manifest(_config(root, seed=1), ds)
    assert seed0.splits != seed1.splits  # control: another seed makes another split
    same = make_manifest(_config(root, seed=1, split_seed=0), ds)
    assert same.splits == seed0.splits and same.fingerprint == seed0.fingerprint
    assert _config(root, seed=1, split_seed=0).split_seed_used == 0
    assert _config(root, seed=3).split_seed_used == 3


def test_card_split_text_and_rebuild_use_the_split_seed(tmp_path: Path) -> None:
    assert _split_seed({"seed": 1, "split_seed": 0}) == 0
    assert _split_seed({"seed": 1, "split_seed": None}) == 1
    assert _split_seed({"seed": 2}) == 2  # runs from before the option
    weights = tmp_path / "b" / "model.onnx"
    weights.parent.mkdir()
    weights.write_bytes(b"x")
    command = "medlens train --task melanoma --dataset imagefolder --data-root {r} --seed 1 {extra}"
    for extra, expected in (("--split-seed 0", 0), ("", 1), ("--split-seed=4", 4)):
        card = ModelCard(
            name="b",
            task="melanoma",
            backbone="resnet18",
            classes=["benign", "malignant"],
            preprocessing=Preprocessing(input_size=64, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5)),
            thresholds=Thresholds(target_class="malignant", threshold=0.5),
            data=DataInfo(dataset="imagefolder"),
            weights_file="model.onnx",
            weights_sha256=hashlib.sha256(weights.read_bytes()).hexdigest(),
            training_command=command.format(r=tmp_path, extra=extra),
        )
        assert facts_from_card(card).seed == expected, extra
