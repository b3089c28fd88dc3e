"""medmnist adapter: official splits, gray and RGB variants, malformed npz."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from medlens.data import DatasetFormatError, create_dataset
from medlens.data.splits import make_split


def _npz(path: Path, rgb: bool = False, size: int = 28, drop: str | None = None) -> Path:
    rng = np.random.default_rng(0)
    arrays = {}
    for split, n in (("train", 6), ("val", 2), ("test", 3)):
        shape = (n, size, size, 3) if rgb else (n, size, size)
        arrays[f"{split}_images"] = rng.integers(0, 256, shape, dtype=np.uint8)
        arrays[f"{split}_labels"] = (np.arange(n) % 3).reshape(n, 1).astype(np.uint8)
    if drop:
        arrays.pop(drop)
    np.savez(path, **arrays)
    return path


def test_medmnist_gray_official_splits(tmp_path: Path) -> None:
    path = _npz(tmp_path / "dermamnist.npz")
    ds = create_dataset("medmnist", path)
    assert len(ds) == 11 and ds.classes == ["0", "1", "2"]
    assert {k: len(v) for k, v in ds.predefined_splits.items()} == {"train": 6, "val": 2, "test": 3}
    s = ds.samples[ds.predefined_splits["val"][1]]
    assert s.source == "dermamnist.npz#val:1" and s.label == 1
    img = s.load_image()
    assert img.shape == (28, 28, 3) and img.dtype == np.uint8
    with np.load(path) as raw:
        assert np.array_equal(img[:, :, 0], raw["val_images"][1])
    m = make_split(ds)
    assert m.method == "predefined" and m.val == ds.predefined_splits["val"]


def test_medmnist_rgb_folder_and_classes(tmp_path: Path) -> None:
    _npz(tmp_path / "bloodmnist_64.npz", rgb=True, size=64)
    ds = create_dataset("medmnist", tmp_path, classes=["a", "b", "c"])
    assert ds.classes == ["a", "b", "c"]
    assert ds.samples[0].load_image().shape == (64, 64, 3)


def test_medmnist_errors(tmp_path: Path) -> None:
    with pytest.raises(DatasetFormatError, match=r"missing key.*val_labels"):
        create_dataset("medmnist", _npz(tmp_path / "x.npz", drop="val_labels"))
    bad = tmp_path / "bad" / "broken.npz"
    bad.parent.mkdir()
    bad.write_bytes(b"not a zip")
    with pytest.raises(DatasetFormatError, match=r"broken.npz: cannot read"):
        create_dataset("medmnist", bad)
    with pytest.raises(DatasetFormatError, match=r"out of range"):
        create_dataset("medmnist", _npz(tmp_path / "y.npz"), classes=["a", "b"])
    (tmp_path / "none").mkdir()
    with pytest.raises(DatasetFormatError, match=r"exactly one .npz"):
        create_dataset("medmnist", tmp_path / "none")
