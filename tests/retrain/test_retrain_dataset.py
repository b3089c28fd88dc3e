"""Versioned confirmed-case datasets: which verdicts count, versions, reuse when unchanged, nothing
half-written on failure, the ``confirmed-cases`` adapter, and the train split they extend."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from medlens.retrain.dataset import (
    ConfirmedCase,
    DatasetError,
    confirmed_label,
    load_version,
    write_dataset,
)

CLASSES = ("benign", "malignant")


def _png(seed: int) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(seed).integers(0, 255, (16, 16, 3), dtype=np.uint8)).save(
        buf, "PNG"
    )
    return buf.getvalue()


@pytest.fixture
def images() -> dict[str, bytes]:
    blobs = [_png(i) for i in range(4)]
    return {hashlib.sha256(b).hexdigest(): b for b in blobs}


def _cases(images: dict[str, bytes], labels: list[str]) -> list[ConfirmedCase]:
    return [
        ConfirmedCase(i + 1, sha, ".png", lab)
        for i, (sha, lab) in enumerate(zip(images, labels, strict=False))
    ]


def test_confirmed_label_follows_the_verdict():
    assert confirmed_label("benign", "benign", CLASSES) == "benign"  # agree: the model's label
    assert confirmed_label("benign", "malignant", CLASSES) == "malignant"  # corrected
    assert confirmed_label("benign", "cannot_assess", CLASSES) is None
    assert confirmed_label("benign", None, CLASSES) is None and confirmed_label("benign", "", CLASSES) is None
    assert confirmed_label("benign", "eczema", CLASSES) is None  # not a class of the task


def test_versions_manifest_and_reuse(tmp_path: Path, images: dict[str, bytes]):
    cases = _cases(images, ["benign", "malignant", "malignant"])
    v1 = write_dataset(tmp_path, "melanoma", "melanoma", CLASSES, cases, images.__getitem__)
    assert v1.version == 1 and v1.n_images == 3 and v1.path == tmp_path / "melanoma" / "v1"
    m = json.loads((v1.path / "manifest.json").read_text())
    assert (
        m["counts"] == {"benign": 1, "malignant": 2} and m["n_cases"] == 3 and m["created_at"].endswith("Z")
    )
    for f in m["files"]:
        data = (v1.path / f["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == f["sha256"] and f["file"].startswith(f["label"] + "/")
    # the same cases again: the same version, no copy
    assert write_dataset(tmp_path, "melanoma", "melanoma", CLASSES, cases, images.__getitem__).version == 1
    # one more case: a new version; the old one stays as it was
    more = _cases(images, ["benign", "malignant", "malignant", "benign"])
    v2 = write_dataset(tmp_path, "melanoma", "melanoma", CLASSES, more, images.__getitem__)
    assert v2.version == 2 and v2.n_images == 4 and load_version(tmp_path, "melanoma", 1).n_images == 3
    assert load_version(tmp_path, "melanoma").version == 2


def test_two_cases_of_one_image_share_its_file(tmp_path: Path, images: dict[str, bytes]):
    sha = next(iter(images))
    cases = [ConfirmedCase(1, sha, ".png", "benign"), ConfirmedCase(7, sha, ".png", "benign")]
    ds = write_dataset(tmp_path, "m", "melanoma", CLASSES, cases, images.__getitem__)
    assert ds.n_images == 1 and ds.manifest["files"][0]["case_ids"] == [1, 7]


def test_errors_leave_nothing_half_written(tmp_path: Path, images: dict[str, bytes]):
    with pytest.raises(DatasetError, match="no clinician-confirmed cases"):
        write_dataset(tmp_path, "m", "melanoma", CLASSES, [], images.__getitem__)
    with pytest.raises(DatasetError, match="not a class"):
        write_dataset(tmp_path, "m", "melanoma", CLASSES, _cases(images, ["eczema"]), images.__getitem__)
    sha = next(iter(images))
    with pytest.raises(DatasetError, match="does not match its sha256"):  # a stored file changed on disk
        write_dataset(tmp_path, "m", "melanoma", CLASSES, _cases(images, ["benign"]), lambda s: b"other")
    assert not (tmp_path / "m").exists() or list((tmp_path / "m").iterdir()) == []
    with pytest.raises(DatasetError, match="no confirmed-case dataset"):
        load_version(tmp_path, "m")
    assert sha in images


def test_adapter_and_extra_train_keep_the_original_split(tmp_path: Path, images: dict[str, bytes]):
    from medlens.data import SampleSet, create_dataset
    from medlens.data.sample import Sample
    from medlens.training.prepare import add_extra_train

    ds = write_dataset(
        tmp_path, "m", "melanoma", CLASSES, _cases(images, ["malignant", "benign"]), images.__getitem__
    )
    loaded = create_dataset("confirmed-cases", ds.path)
    assert loaded.classes == list(CLASSES) and sorted(s.label for s in loaded.samples) == [0, 1]
    assert loaded.samples[0].load_image().shape == (16, 16, 3)

    base = SampleSet(
        "orig", list(CLASSES), [Sample(f"/x/{i}.png", {"label": i % 2}, f"g{i}") for i in range(5)]
    )
    indices = {"train": [0, 1, 2], "val": [3], "test": [4]}
    merged = add_extra_train(base, indices, [str(ds.path)])
    assert len(merged) == 7 and indices == {"train": [0, 1, 2, 5, 6], "val": [3], "test": [4]}
    assert [s.source for s in merged.samples[:5]] == [s.source for s in base.samples]
