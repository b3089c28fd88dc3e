"""sd198 adapter: official images/ + 8_2_split/, class folders only, and a path,label CSV."""

from __future__ import annotations

from pathlib import Path

import pytest
from data_fixtures import write_csv, write_image

from medlens.data import DatasetFormatError, create_dataset
from medlens.data.splits import make_split

CLASSES = ["Acne_Vulgaris", "Herpes_Zoster", "Psoriasis"]


def _images(root: Path) -> list[str]:
    rel = []
    for c, cls in enumerate(CLASSES):
        for k in range(3):
            name = f"{cls}/{cls.lower()}_{k}.jpg"
            write_image(root / "images" / name, 10 * c + k)
            rel.append(name)
    return rel


def test_sd198_official_split(tmp_path: Path) -> None:
    rel = _images(tmp_path)
    split = tmp_path / "8_2_split"
    split.mkdir()
    train = [r for r in rel if not r.endswith("_2.jpg")]
    val = [r for r in rel if r.endswith("_2.jpg")]
    (split / "train_0.txt").write_text("".join(f"{r} {CLASSES.index(r.split('/')[0])}\n" for r in train))
    (split / "val_0.txt").write_text("".join(f"{r} {CLASSES.index(r.split('/')[0])}\n" for r in val))
    ds = create_dataset("sd198", tmp_path, official_split=True)
    assert ds.classes == CLASSES and len(ds) == 9
    assert {k: len(v) for k, v in ds.predefined_splits.items()} == {"train": 6, "val": 0, "test": 3}
    assert make_split(ds).method == "predefined"
    assert create_dataset("sd198", tmp_path).predefined_splits is None
    (split / "val_0.txt").write_text(f"{val[0]} 2\n")  # Acne folder given index 2 (Psoriasis)
    with pytest.raises(DatasetFormatError, match=r"val_0.txt line 1: class index 2"):
        create_dataset("sd198", tmp_path)


def test_sd198_folders_and_csv(tmp_path: Path) -> None:
    rel = _images(tmp_path / "a")
    ds = create_dataset("sd198", tmp_path / "a")
    assert ds.classes == CLASSES and ds.labels().tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    write_csv(
        tmp_path / "a" / "labels.csv", ["path", "label"], [[f"images/{r}", r.split("/")[0]] for r in rel]
    )
    ds = create_dataset("sd198", tmp_path / "a")
    assert ds.classes == CLASSES and len(ds) == 9 and ds.samples[4].group_id == "herpes_zoster_1"
    write_csv(tmp_path / "a" / "bad.csv", ["path", "label"], [[f"images/{rel[0]}", "Unknown_Disease"]])
    with pytest.raises(DatasetFormatError, match=r"bad.csv line 2: unknown class 'Unknown_Disease'"):
        create_dataset("sd198", tmp_path / "a", csv="bad.csv", classes=CLASSES)
    (tmp_path / "b").mkdir()
    with pytest.raises(DatasetFormatError, match=r"not an SD-198 layout"):
        create_dataset("sd198", tmp_path / "b")
