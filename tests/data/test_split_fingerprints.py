"""Split fingerprints identify the data, not how its root was written: the same images under an absolute
or a relative root give one fingerprint; cards stamped with the older formula (paths as written) still
verify, and ``medlens data verify-split --restamp`` moves them to the portable one."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import pytest
from data_fixtures import write_image
from typer.testing import CliRunner

from medlens.card import DataInfo, ModelCard, Preprocessing, Thresholds
from medlens.cli.main import app
from medlens.data import create_dataset
from medlens.data.rebuild import SplitFacts, make_manifest, rebuild_split
from medlens.data.sample import portable_sources
from medlens.data.splits import SplitManifest

runner = CliRunner()


def _folder(root: Path) -> Path:
    for k in range(12):
        write_image(root / ("benign" if k % 2 else "malignant") / f"im{k:02d}.jpg", seed=k)
    return root


def _legacy(sample_set, manifest: SplitManifest) -> str:  # type: ignore[no-untyped-def]
    """The fingerprint a card exported before the portable formula carries."""
    return replace(manifest, dataset_fingerprint=sample_set.fingerprint(portable=False)).legacy_fingerprint


def test_portable_sources() -> None:
    assert portable_sources(["/d/ham/x/a.jpg", "/d/ham/y/b.jpg"]) == ["x/a.jpg", "y/b.jpg"]
    assert portable_sources(["../d/ham/x/a.jpg", "../d/ham/y/b.jpg"]) == ["x/a.jpg", "y/b.jpg"]
    assert portable_sources(["d/./ham/a.jpg", "d/ham/b.jpg"]) == ["a.jpg", "b.jpg"]
    # array-backed sources keep their key; a single file keeps its name
    assert portable_sources(["/m/p.npz#train:0", "/m/p.npz#test:3"]) == ["p.npz#train:0", "p.npz#test:3"]
    assert portable_sources(["/m/p.npz#train:0"]) == ["p.npz#train:0"]
    # nothing in common (absolute mixed with relative): kept whole
    assert portable_sources(["/a/x.jpg", "b/y.jpg"]) == ["/a/x.jpg", "b/y.jpg"]
    assert portable_sources([]) == []


def test_same_data_same_fingerprint_under_any_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _folder(tmp_path / "data" / "set")
    monkeypatch.chdir(tmp_path)
    absolute = create_dataset("imagefolder", root)
    relative = create_dataset("imagefolder", Path("data/set"))
    assert absolute.samples[0].source != relative.samples[0].source  # written differently
    assert absolute.fingerprint() == relative.fingerprint()
    a, r = make_manifest(absolute, "grouped"), make_manifest(relative, "grouped")
    assert a.fingerprint == r.fingerprint
    assert a.legacy_fingerprint != r.legacy_fingerprint  # the old formula told them apart
    r.check(absolute)  # a manifest made under one root checks against the set under the other
    # the content still counts: another label or another split changes the fingerprint
    other = create_dataset("imagefolder", root)
    other.samples[0] = replace(other.samples[0], labels={"label": 1 - other.samples[0].label})
    assert other.fingerprint() != absolute.fingerprint()
    assert make_manifest(absolute, "grouped", seed=1).fingerprint != a.fingerprint


def test_a_manifest_file_with_the_old_fingerprint_still_loads(tmp_path: Path) -> None:
    ds = create_dataset("imagefolder", _folder(tmp_path / "set"))
    old = replace(make_manifest(ds, "grouped"), dataset_fingerprint=ds.fingerprint(portable=False))
    path = tmp_path / "split.json"
    path.write_text(json.dumps(old.to_dict() | {"fingerprint": old.legacy_fingerprint}))
    assert SplitManifest.load(path).test == old.test


def _card(directory: Path, root: Path, fingerprint: str) -> Path:
    directory.mkdir(parents=True)
    weights = directory / "model.onnx"
    weights.write_bytes(b"weights are not read by verify-split")
    ModelCard(
        name=directory.name,
        task="melanoma",
        backbone="resnet18",
        classes=["benign", "malignant"],
        preprocessing=Preprocessing(input_size=64, mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5)),
        thresholds=Thresholds(target_class="malignant", threshold=0.5),
        data=DataInfo(dataset="imagefolder", fingerprint=fingerprint),
        weights_file="model.onnx",
        weights_sha256=hashlib.sha256(weights.read_bytes()).hexdigest(),
        training_command=f"medlens train --task melanoma --dataset imagefolder --data-root {root} --split grouped",
    ).save(directory)
    return directory / "card.json"


def test_verify_split_restamps_a_legacy_card(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _folder(tmp_path / "data" / "set").resolve()
    ds = create_dataset("imagefolder", root)
    manifest = make_manifest(ds, "grouped")
    card_file = _card(tmp_path / "bundle", root, _legacy(ds, manifest))
    before = json.loads(card_file.read_text())

    result = runner.invoke(app, ["data", "verify-split", str(card_file.parent)])
    assert result.exit_code == 0, result.output
    assert "old formula" in result.output
    assert rebuild_split(SplitFacts("imagefolder", root), before["data"]["fingerprint"]).legacy

    result = runner.invoke(app, ["data", "verify-split", str(card_file.parent), "--restamp"])
    assert result.exit_code == 0, result.output
    after = json.loads(card_file.read_text())
    assert after["data"]["fingerprint"] == manifest.fingerprint
    before["data"]["fingerprint"] = manifest.fingerprint
    assert after == before  # nothing else in the card changed

    # the re-stamped card verifies from a relative root too, which the old fingerprint could not
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["data", "verify-split", str(card_file.parent), "--data-root", "data/set"])
    assert result.exit_code == 0, result.output
    assert "verified by its fingerprint" in result.output


def test_verify_split_fails_on_another_split(tmp_path: Path) -> None:
    root = _folder(tmp_path / "set").resolve()
    card_file = _card(tmp_path / "bundle", root, "0" * 64)
    result = runner.invoke(app, ["data", "verify-split", str(card_file.parent)])
    assert result.exit_code == 1
    assert "NOT verified" in result.output
    result = runner.invoke(app, ["data", "verify-split", str(tmp_path / "missing")])
    assert result.exit_code == 1
    assert "error" in result.output
