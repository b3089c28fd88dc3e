"""Miniature but real training run folders (real melanoma JPEGs, random-init models) for export tests."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest


def make_run(
    base: Path, shared_data: Path, backbone: str = "resnet18", seed: int = 0, name: str = "run"
) -> Path:
    """``base/name``: 2 x 14 Kaggle melanoma photos in ``base/data`` (copied once), a 50/25/25 split
    (the same for every run under ``base``), a random-init ``backbone`` and the run's files."""
    torch = pytest.importorskip("torch")
    from medlens.data import create_dataset
    from medlens.data.splits import make_split
    from medlens.models import create_classifier, save_checkpoint

    data = base / "data"
    if not data.is_dir():
        src = shared_data / "melanoma_10000" / "train"
        for cls in ("benign", "malignant"):
            (data / cls).mkdir(parents=True)
            for f in sorted((src / cls).glob("*.jpg"))[:14]:
                shutil.copy(f, data / cls / f.name)
    run = base / name
    run.mkdir()
    sample_set = create_dataset("imagefolder", data)
    manifest = make_split(sample_set, (0.5, 0.25, 0.25), seed=0)
    manifest.save(run / "split.json")
    config = {
        "task": "melanoma",
        "dataset": "imagefolder",
        "data_root": str(data),
        "backbone": backbone,
        "input_size": 64,
        "mean": [0.485, 0.456, 0.406],
        "std": [0.229, 0.224, 0.225],
        "classes": ["benign", "malignant"],
        "heads": {},
        "num_classes": 2,
        "drop_rate": 0.0,
        "tta": ["hflip"],
        "target_recall": 0.9,
        "split": "grouped",
        "fractions": [0.5, 0.25, 0.25],
        "seed": 0,
        "grayscale": False,
        "interpolation": "area/bilinear",
        "resize": "squash",
        "command": f"medlens train --task melanoma --dataset imagefolder --data-root {data} --split grouped "
        f"--fractions 0.5 0.25 0.25 --seed 0 --backbone {backbone}",
    }
    torch.manual_seed(seed)
    save_checkpoint(run / "best.pt", create_classifier(backbone, 2).eval(), config)
    metrics = {
        "temperature": 1.0,
        "tta": ["hflip"],
        "ood": {"method": "energy", "threshold": 0.0},
        "test": {},
        "data": {"source": "Kaggle melanoma 10000 (test copy)", "license": "research use"},
        "run": {
            "split_fingerprint": manifest.fingerprint,
            "split_method": manifest.method,
            "n_train": len(manifest.train),
            "n_val": len(manifest.val),
            "n_test": len(manifest.test),
        },
    }
    (run / "metrics.json").write_text(json.dumps(metrics))
    return run
