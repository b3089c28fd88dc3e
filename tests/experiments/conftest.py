"""A tiny synthetic melanoma-like ImageFolder (dark blob = malignant) and a 3-trial experiment on it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image


def make_folder(root: Path, n_per_class: int = 40, size: int = 40, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    for label, cls in enumerate(("benign", "malignant")):
        (root / cls).mkdir(parents=True, exist_ok=True)
        for i in range(n_per_class):
            img = rng.integers(150, 230, size=(size, size, 3)).astype(np.float64)
            cy, cx = rng.integers(size // 4, 3 * size // 4, size=2)
            r = rng.integers(5, 10) + 4 * label
            blob = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
            img[blob] *= 0.35 if label else 0.8
            Image.fromarray(img.clip(0, 255).astype(np.uint8)).save(root / cls / f"{cls}_{i:03d}.png")
    return root


TINY_EXPERIMENT = """
name: tiny
task: melanoma
reference: none+none
base:
  dataset: imagefolder
  data_root: {root}
  backbone: mobilenetv3_small_050
  pretrained: none
  input_size: 32
  epochs: {epochs}
  batch_size: 16
  patience: 5
  n_boot: 200
  cache_dir: ''
grid:
  preset: [none, flip]
  sampler: [none, weighted]
published:
  label: "made-up figures for the test (no paper)"
  figures:
    none+none: {{accuracy: 0.9, f1: 0.8}}
"""


@pytest.fixture(scope="session")
def tiny_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_folder(tmp_path_factory.mktemp("tiny") / "images")


def write_experiment(path: Path, root: Path, epochs: int = 1) -> Path:
    path.write_text(TINY_EXPERIMENT.format(root=root, epochs=epochs))
    return path
