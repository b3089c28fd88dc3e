"""isic-csv adapter: ISIC 2019 one-hot ground truth and ISIC 2020 train.csv, detected by header."""

from __future__ import annotations

from pathlib import Path

import pytest
from data_fixtures import write_csv, write_image

from medlens.data import DatasetFormatError, create_dataset

H2019 = ["image", "MEL", "NV", "BCC", "AK", "BKL", "DF", "VASC", "SCC", "UNK"]
H2020 = [
    "image_name", "patient_id", "sex", "age_approx", "anatom_site_general_challenge",
    "diagnosis", "benign_malignant", "target",
]  # fmt: skip


def _isic2019(root: Path, rows: list[list[object]]) -> Path:
    for i, row in enumerate(rows):
        write_image(root / "ISIC_2019_Training_Input" / f"{row[0]}.jpg", i)
    return write_csv(root / "ISIC_2019_Training_GroundTruth.csv", H2019, rows)


def test_isic2019_one_hot(tmp_path: Path) -> None:
    rows = [
        ["ISIC_0000000", 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        ["ISIC_0000002", 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        ["ISIC_0000004", 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0],
    ]
    _isic2019(tmp_path, rows)
    ds = create_dataset("isic-csv", tmp_path)
    assert ds.classes == ["MEL", "NV", "BCC", "AK", "BKL", "DF", "VASC", "SCC"]  # unused UNK dropped
    assert ds.labels().tolist() == [1, 0, 7]
    assert ds.samples[0].group_id == "ISIC_0000000"
    assert ds.samples[0].load_image().shape == (40, 48, 3)


def test_isic2020_train_csv(tmp_path: Path) -> None:
    rows = [
        ["ISIC_2637011", "IP_7279968", "male", "45.0", "head/neck", "unknown", "benign", "0"],
        ["ISIC_0015719", "IP_3075186", "female", "45.0", "upper extremity", "unknown", "benign", "0"],
        ["ISIC_0149568", "IP_0962375", "female", "55.0", "upper extremity", "melanoma", "malignant", "1"],
        ["ISIC_0052212", "IP_7279968", "male", "50.0", "lower extremity", "nevus", "benign", "0"],
    ]
    for i, row in enumerate(rows):
        write_image(tmp_path / "jpeg" / "train" / f"{row[0]}.jpg", i)
    write_csv(tmp_path / "train.csv", H2020, rows)
    ds = create_dataset("isic-csv", tmp_path / "train.csv")
    assert ds.classes == ["benign", "malignant"]
    assert ds.labels().tolist() == [0, 0, 1, 0]
    assert ds.groups().tolist() == ["IP_7279968", "IP_3075186", "IP_0962375", "IP_7279968"]
    m = ds.samples[2].meta
    assert (m.age, m.sex, m.site, m.extra["diagnosis"]) == (55.0, "female", "upper extremity", "melanoma")


def test_isic_errors(tmp_path: Path) -> None:
    _isic2019(tmp_path / "a", [["ISIC_1", 1.0, 1.0, 0, 0, 0, 0, 0, 0, 0]])
    with pytest.raises(DatasetFormatError, match=r"line 2: expected exactly one 1.0"):
        create_dataset("isic-csv", tmp_path / "a")
    write_csv(tmp_path / "b" / "gt.csv", ["file", "klass"], [["x", "y"]])
    with pytest.raises(DatasetFormatError, match=r"gt.csv: unrecognised ISIC CSV header"):
        create_dataset("isic-csv", tmp_path / "b")
    write_csv(
        tmp_path / "c" / "train.csv",
        H2020,
        [["ISIC_9", "IP_1", "male", "40", "torso", "nevus", "benign", "0"]],
    )
    (tmp_path / "c" / "images").mkdir()
    with pytest.raises(DatasetFormatError, match=r"image 'ISIC_9' not found"):
        create_dataset("isic-csv", tmp_path / "c")
    write_csv(
        tmp_path / "d" / "train.csv",
        H2020,
        [["ISIC_9", "IP_1", "male", "40", "torso", "nevus", "benign", "2"]],
    )
    with pytest.raises(DatasetFormatError, match=r"target must be 0 or 1"):
        create_dataset("isic-csv", tmp_path / "d")
