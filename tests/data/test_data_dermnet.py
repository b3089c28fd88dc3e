"""The DermNet herpes-zoster adapter, the task's classes and seed 004's augmentation presets."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from medlens.data import create_dataset
from medlens.data.adapters.dermnet import CLASSES, FOLDER_CLASS
from medlens.data.sample import DatasetFormatError
from medlens.data.transforms import create_transform
from medlens.tasks import get_task


def test_task_classes_are_the_adapter_classes() -> None:
    spec = get_task("herpes-zoster")
    assert spec.classes == CLASSES and spec.target == "herpes_zoster" and CLASSES[0] == "herpes_zoster"
    assert spec.urgent_window_hours == 72 and spec.urgent_text is not None
    assert len(CLASSES) == 13 and len(FOLDER_CLASS) == 15


def test_real_dermnet_subset_counts(shared_data: Path) -> None:
    root = shared_data / "dermnet_subset"
    if not root.is_dir():
        pytest.skip(f"{root} not found")
    ss = create_dataset("dermnet-zoster", root)
    counts = Counter(ss.classes[i] for i in ss.labels())
    assert len(ss) == 751 and counts["herpes_zoster"] == 39
    assert counts["pyoderma"] == 76 + 2 and counts["scabies_bites"] == 42 + 7


def test_missing_folder_is_a_format_error(tmp_path: Path) -> None:
    (tmp_path / "Herpes zoster").mkdir()
    with pytest.raises(DatasetFormatError, match="not found"):
        create_dataset("dermnet-zoster", tmp_path)


@pytest.mark.parametrize("preset", ["gaussian-noise", "cutout", "gridmask", "corruption", "zoster-heavy"])
def test_seed004_presets_change_images_reproducibly(preset: str) -> None:
    im = np.random.default_rng(0).integers(0, 255, (32, 32, 3), dtype=np.uint8)
    a = create_transform(preset, 32, (0.5,) * 3, (0.5,) * 3, train=True, seed=1)
    b = create_transform(preset, 32, (0.5,) * 3, (0.5,) * 3, train=True, seed=1)
    outs_a, outs_b = [a(im) for _ in range(8)], [b(im) for _ in range(8)]
    for x, y in zip(outs_a, outs_b, strict=True):
        np.testing.assert_array_equal(x, y)
    plain = create_transform("none", 32, (0.5,) * 3, (0.5,) * 3, train=True)(im)
    assert any(np.abs(x - plain).max() > 0.05 for x in outs_a)
