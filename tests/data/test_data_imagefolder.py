"""imagefolder adapter on a class-per-folder fixture (Kaggle melanoma / DermNet layout)."""

from __future__ import annotations

from pathlib import Path

import pytest
from data_fixtures import write_image

from medlens.data import DatasetFormatError, create_dataset


def _tree(root: Path) -> Path:
    for i in range(3):
        write_image(root / "benign" / f"melanoma_{i}.jpg", i)
    for i in range(3, 5):
        write_image(root / "malignant" / f"melanoma_{i}.jpg", i)
    write_image(root / "malignant" / "nested" / "melanoma_9.png", 9)
    (root / "benign" / "notes.txt").write_text("not an image")
    return root


def test_imagefolder_indexes_classes_and_groups(tmp_path: Path) -> None:
    ds = create_dataset("imagefolder", _tree(tmp_path / "train"))
    assert ds.classes == ["benign", "malignant"]
    assert ds.labels().tolist() == [0, 0, 0, 1, 1, 1]
    assert ds.samples[0].group_id == "melanoma_0"
    img = ds.samples[-1].load_image()
    assert img.shape == (40, 48, 3) and img.dtype.name == "uint8"


def test_imagefolder_classes_fix_order(tmp_path: Path) -> None:
    ds = create_dataset("imagefolder", _tree(tmp_path), classes=["malignant", "benign"])
    assert ds.classes == ["malignant", "benign"]
    assert sorted(ds.labels().tolist()) == [0, 0, 0, 1, 1, 1]
    assert ds.labels()[0] == 0 and "malignant" in ds.samples[0].source


def test_imagefolder_errors(tmp_path: Path) -> None:
    with pytest.raises(DatasetFormatError, match=r"folder not found"):
        create_dataset("imagefolder", tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetFormatError, match=r"no class folders"):
        create_dataset("imagefolder", tmp_path / "empty")
    (tmp_path / "e2" / "benign").mkdir(parents=True)
    with pytest.raises(DatasetFormatError, match=r"benign.*no images"):
        create_dataset("imagefolder", tmp_path / "e2")
    with pytest.raises(DatasetFormatError, match=r"class folder\(s\) not found: other"):
        create_dataset("imagefolder", _tree(tmp_path / "t"), classes=["benign", "other"])
