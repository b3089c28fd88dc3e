"""aihub-scalp adapter: one JSON per image (image_file_name, value_1..value_6 grades 0-3)."""

from __future__ import annotations

from pathlib import Path

import pytest
from data_fixtures import write_image, write_json

from medlens.data import DatasetFormatError, create_dataset
from medlens.data.splits import make_split
from medlens.tasks import get_task

NAMES = ["0013_A2LEBJJDE00060O_1606550825417_3_TH", "0013_A2LEBJJDE00060O_1606550825418_4_LH",
         "0177_A2LEBJJDE00152B_1604650530904_6_BH", "0335_A2LEBJJDE00013X_1602916465540_6_BH"]  # fmt: skip
GRADES = [[1, 2, 0, 0, 3, 1], [0, 0, 0, 0, 0, 0], [3, 1, 2, 1, 0, 2], [2, 3, 1, 0, 1, 3]]


def _label(name: str, grades: list[int], as_str: bool = True) -> dict[str, object]:
    label: dict[str, object] = {"image_id": name, "image_file_name": f"{name}.jpg"}
    label.update({f"value_{i + 1}": str(g) if as_str else g for i, g in enumerate(grades)})
    return label


def _scalp(root: Path) -> Path:
    for i, (name, grades) in enumerate(zip(NAMES, GRADES, strict=True)):
        write_image(root / "Training" / "[원천]탈모" / f"{name}.jpg", i)
        write_json(root / "Training" / "[라벨]탈모" / f"{name}.json", _label(name, grades, as_str=i % 2 == 0))
    return root


def test_aihub_scalp_heads(tmp_path: Path) -> None:
    ds = create_dataset("aihub-scalp", _scalp(tmp_path))
    heads = [h.name for h in get_task("scalp").heads]
    assert list(ds.heads) == heads and ds.classes == ["0", "1", "2", "3"]
    assert len(ds) == 4
    for head_i, head in enumerate(heads):
        assert ds.labels(head).tolist() == [g[head_i] for g in GRADES]
    assert ds.labels().tolist() == [g[0] for g in GRADES]  # "label" = first head
    assert ds.groups().tolist() == ["0013", "0013", "0177", "0335"]
    assert ds.samples[2].meta.site == "BH"
    m = make_split(ds, fractions=(0.5, 0.25, 0.25), seed=0)
    g = ds.groups()
    assert not set(g[m.train].tolist()) & set(g[m.test].tolist())


def test_aihub_scalp_errors(tmp_path: Path) -> None:
    root = _scalp(tmp_path / "a")
    bad = root / "Training" / "[라벨]탈모" / f"{NAMES[0]}.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(DatasetFormatError, match=r"bad JSON"):
        create_dataset("aihub-scalp", root)
    root = _scalp(tmp_path / "b")
    label = _label(NAMES[1], GRADES[1])
    del label["value_6"]
    write_json(root / "Training" / "[라벨]탈모" / f"{NAMES[1]}.json", label)
    with pytest.raises(DatasetFormatError, match=r"missing key.*value_6"):
        create_dataset("aihub-scalp", root)
    root = _scalp(tmp_path / "c")
    write_json(root / "Training" / "[라벨]탈모" / f"{NAMES[2]}.json", _label(NAMES[2], [0, 0, 0, 0, 0, 4]))
    with pytest.raises(DatasetFormatError, match=r"value_6 must be a grade 0-3"):
        create_dataset("aihub-scalp", root)
    root = _scalp(tmp_path / "d")
    write_json(root / "Training" / "[라벨]탈모" / "orphan.json", _label("orphan", GRADES[0]))
    with pytest.raises(DatasetFormatError, match=r"orphan.json: image 'orphan.jpg' not found"):
        create_dataset("aihub-scalp", root)
    (tmp_path / "e").mkdir()
    with pytest.raises(DatasetFormatError, match=r"no JSON label files"):
        create_dataset("aihub-scalp", tmp_path / "e")
