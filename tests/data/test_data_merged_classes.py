"""Adapters that merge a dataset's classes by a stated mapping (scalp-hair-14, ham10000-5)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from medlens.data.adapters.merged_classes import HAM5_MAP, SCALP_CLASSES, SCALP_MAP, remap
from medlens.data.registry import create_dataset
from medlens.data.sample import DatasetFormatError, Sample, SampleSet
from medlens.tasks import get_task


def _img(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((8, 8, 3), 120, np.uint8)).save(path)


def test_scalp_mapping_merges_and_drops_as_documented(tmp_path: Path) -> None:
    for folder in SCALP_MAP:
        _img(tmp_path / folder / "a.jpg")
    ds = create_dataset("scalp-hair-14", tmp_path)
    assert ds.classes == list(SCALP_CLASSES) == list(get_task("scalp-conditions").classes)
    counts = Counter(ds.classes[s.labels["label"]] for s in ds.samples)
    assert counts == {
        "alopecia_areata": 1,
        "acne_keloidalis": 1,
        "trichotillomania": 1,
        "scarring_alopecia": 7,
        "diffuse_hair_loss": 2,
    }
    sources = {s.meta.extra["source_class"] for s in ds.samples}
    assert "hirsutism" not in sources and "trichorrhexis-nodosa" not in sources
    assert len(set(ds.groups())) == len(ds)  # no patient ids: one group per photo


def test_scalp_unknown_folder_is_an_error(tmp_path: Path) -> None:
    _img(tmp_path / "alopecia-areata" / "a.jpg")
    _img(tmp_path / "psoriasis" / "b.jpg")
    with pytest.raises(DatasetFormatError, match="psoriasis"):
        create_dataset("scalp-hair-14", tmp_path)


def test_remap_refuses_an_unmapped_class() -> None:
    raw = SampleSet("x", ["a", "b"], [Sample("s.png", {"label": 1}, "g")])
    with pytest.raises(DatasetFormatError, match="no mapping for class"):
        remap(raw, {"a": "a"}, ("a",))


def test_ham5_mapping_puts_akiec_with_bcc_and_never_in_other_benign(tmp_path: Path) -> None:
    assert HAM5_MAP["akiec"] == "bcc" and HAM5_MAP["bkl"] == "seborrheic_keratosis"
    assert {k for k, v in HAM5_MAP.items() if v == "other_benign"} == {"df", "vasc"}
    rows = ["lesion_id,image_id,dx,dx_type,age,sex,localization"]
    for i, dx in enumerate(["akiec", "bcc", "bkl", "df", "mel", "nv", "vasc"]):
        _img(tmp_path / "images" / f"ISIC_{i}.jpg")
        rows.append(f"HAM_{i},ISIC_{i},{dx},histo,50,male,back")
    (tmp_path / "HAM10000_metadata.csv").write_text("\n".join(rows) + "\n")
    ds = create_dataset("ham10000-5", tmp_path)
    assert ds.classes == list(get_task("skin-lesion-5").classes)
    got = {s.meta.extra["source_class"]: ds.classes[s.labels["label"]] for s in ds.samples}
    assert got == HAM5_MAP


def test_real_scalp_set_counts(shared_data: Path) -> None:
    ds = create_dataset("scalp-hair-14", shared_data / "scalp_hair_14class")
    counts = Counter(ds.classes[s.labels["label"]] for s in ds.samples)
    assert len(ds) == 263 and min(counts.values()) >= 20
