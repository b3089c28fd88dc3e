"""ham10000 adapter on a fixture following HAM10000_metadata.csv + images/ISIC_*.jpg."""

from __future__ import annotations

from pathlib import Path

import pytest
from data_fixtures import write_csv, write_image

from medlens.data import DatasetFormatError, create_dataset

HEADER = ["lesion_id", "image_id", "dx", "dx_type", "age", "sex", "localization"]
ROWS = [
    ["HAM_0000118", "ISIC_0027419", "bkl", "histo", "80.0", "male", "scalp"],
    ["HAM_0000118", "ISIC_0025030", "bkl", "histo", "80.0", "male", "scalp"],
    ["HAM_0002730", "ISIC_0026769", "mel", "histo", "", "female", "back"],
    ["HAM_0001466", "ISIC_0031633", "nv", "follow_up", "75.0", "unknown", "unknown"],
]


def _ham(root: Path, rows=ROWS, header=HEADER) -> Path:
    for i, row in enumerate(rows):
        write_image(root / "images" / f"{row[1]}.jpg", i)
    write_csv(root / "HAM10000_metadata.csv", header, rows)
    return root


def test_ham10000_fixture(tmp_path: Path) -> None:
    ds = create_dataset("ham10000", _ham(tmp_path))
    assert ds.classes == ["akiec", "bcc", "bkl", "df", "mel", "nv", "vasc"]
    assert ds.labels().tolist() == [2, 2, 4, 5]
    assert ds.groups().tolist() == ["HAM_0000118", "HAM_0000118", "HAM_0002730", "HAM_0001466"]
    m0, m2, m3 = ds.samples[0].meta, ds.samples[2].meta, ds.samples[3].meta
    assert (m0.age, m0.sex, m0.site) == (80.0, "male", "scalp")
    assert (m2.age, m2.sex) == (None, "female")
    assert (m3.sex, m3.site, m3.extra["dx_type"]) == (None, None, "follow_up")


def test_ham10000_errors(tmp_path: Path) -> None:
    with pytest.raises(DatasetFormatError, match=r"missing column.*lesion_id"):
        create_dataset("ham10000", _ham(tmp_path / "a", [r[1:] for r in ROWS], HEADER[1:]))
    bad_dx = [*ROWS[:1], ["HAM_1", "ISIC_1", "zzz", "histo", "1", "male", "back"]]
    with pytest.raises(DatasetFormatError, match=r"line 3.*unknown class 'zzz'"):
        create_dataset("ham10000", _ham(tmp_path / "b", bad_dx))
    root = _ham(tmp_path / "c")
    (root / "images" / "ISIC_0026769.jpg").unlink()
    with pytest.raises(DatasetFormatError, match=r"line 4.*ISIC_0026769.*not found"):
        create_dataset("ham10000", root)
    (tmp_path / "d").mkdir()
    with pytest.raises(DatasetFormatError, match=r"HAM10000_metadata.csv: file not found"):
        create_dataset("ham10000", tmp_path / "d")
