"""Leakage audit finds planted exact duplicates, near duplicates and group overlap."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from data_fixtures import textured, write_image
from PIL import Image

from medlens.data import Sample, SampleSet
from medlens.data.dedup import hamming, near_duplicate_pairs, phash_image
from medlens.data.splits import SplitManifest, audit_leakage, make_split


def _set(root: Path, n: int = 30) -> SampleSet:
    samples = [
        Sample(source=str(write_image(root / f"img_{i}.jpg", i)), labels={"label": i % 2}, group_id=f"P{i}")
        for i in range(n)
    ]
    return SampleSet(name="fx", classes=["a", "b"], samples=samples)


def _manifest(ds: SampleSet, train: list[int], val: list[int], test: list[int]) -> SplitManifest:
    m = make_split(ds, seed=0)
    m.train, m.val, m.test = train, val, test
    return m


def test_clean_split_has_no_leakage(tmp_path: Path) -> None:
    ds = _set(tmp_path)
    report = audit_leakage(ds, make_split(ds, seed=0))
    assert report.ok, report.to_markdown()
    assert report.to_dict()["ok"] is True


def test_audit_finds_planted_duplicates_and_group_overlap(tmp_path: Path) -> None:
    ds = _set(tmp_path)
    src = Path(ds.samples[0].source)
    exact = shutil.copy(src, tmp_path / "copy_exact.jpg")
    resized = tmp_path / "copy_resized.png"
    Image.open(src).resize((96, 80), Image.Resampling.BICUBIC).save(resized)
    bright = tmp_path / "copy_bright.png"
    arr = np.asarray(Image.open(ds.samples[1].source)).astype(int)
    Image.fromarray(np.clip(arr + 12, 0, 255).astype(np.uint8)).save(bright)
    extra = [
        Sample(source=str(exact), labels={"label": 0}, group_id="X1"),
        Sample(source=str(resized), labels={"label": 0}, group_id="X2"),
        Sample(source=str(bright), labels={"label": 1}, group_id="X3"),
        Sample(source=str(write_image(tmp_path / "p5b.jpg", 99)), labels={"label": 1}, group_id="P5"),
    ]
    ds = SampleSet(name="fx", classes=ds.classes, samples=ds.samples + extra)
    n = len(ds)
    # originals 0, 1 and P5 (index 5) in train; the copies and P5's second image in test
    m = _manifest(ds, list(range(0, 20)), list(range(20, 30)), [n - 4, n - 3, n - 2, n - 1])
    report = audit_leakage(ds, m)
    assert not report.ok
    assert [g["group"] for g in report.group_overlap] == ["P5"]
    assert [(d["a"], d["b"]) for d in report.exact_duplicates] == [(0, n - 4)]
    near = {(d["a"], d["b"]) for d in report.near_duplicates}
    assert near == {(0, n - 3), (1, n - 2)}, report.to_markdown()
    md = report.to_markdown()
    assert "LEAKAGE" in md and "groups in more than one split: **1**" in md


def test_audit_without_near_check(tmp_path: Path) -> None:
    ds = _set(tmp_path, 10)
    report = audit_leakage(ds, make_split(ds, seed=0), near_duplicates=False)
    assert report.near_checked is False and "not checked" in report.to_markdown()


def test_phash_robust_and_discriminative() -> None:
    base = textured(0, (64, 64))
    h0 = phash_image(base)
    assert hamming(h0, phash_image(np.asarray(Image.fromarray(base).resize((128, 128))))) <= 4
    assert hamming(h0, phash_image(np.clip(base.astype(int) + 15, 0, 255).astype(np.uint8))) <= 4
    others = [hamming(h0, phash_image(textured(s, (64, 64)))) for s in range(1, 40)]
    assert min(others) > 6


def test_bucketed_pairs_match_brute_force() -> None:
    rng = np.random.default_rng(0)
    base = rng.integers(0, 2**63, size=40, dtype=np.uint64)
    flips = rng.integers(0, 64, size=(40, 4))
    near = [
        int(b) ^ sum(1 << int(f) for f in set(fl[: rng.integers(0, 5)]))
        for b, fl in zip(base, flips, strict=True)
    ]
    hashes = [int(x) for x in base] + near
    brute = sorted(
        (i, j, hamming(hashes[i], hashes[j]))
        for i in range(len(hashes))
        for j in range(i + 1, len(hashes))
        if hamming(hashes[i], hashes[j]) <= 5
    )
    assert near_duplicate_pairs(hashes, threshold=5) == brute
    assert len(brute) >= 40


def test_group_duplicates_keeps_copies_together(tmp_path: Path) -> None:
    from medlens.data.dupgroups import group_duplicates

    ds = _set(tmp_path, 20)
    src = Path(ds.samples[3].source)
    copy = shutil.copy(src, tmp_path / "copy.jpg")
    bright = tmp_path / "bright.png"
    Image.fromarray(
        np.clip(np.asarray(Image.open(ds.samples[7].source)).astype(int) + 10, 0, 255).astype(np.uint8)
    ).save(bright)
    extra = [
        Sample(source=str(copy), labels={"label": 1}, group_id="C1"),
        Sample(source=str(bright), labels={"label": 1}, group_id="C2"),
    ]
    ds = SampleSet(name="fx", classes=ds.classes, samples=ds.samples + extra)
    merged = group_duplicates(ds)
    g = merged.groups().tolist()
    assert g[20] == g[3] == "P3" and g[21] == g[7] == "P7"
    assert g[:20] == ds.groups().tolist()[:20]
    assert [s.source for s in merged.samples] == [s.source for s in ds.samples]
    for seed in range(5):
        report = audit_leakage(ds, make_split(merged, seed=seed))
        assert report.ok, report.to_markdown()
