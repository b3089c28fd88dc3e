"""make_split / random_split / SplitManifest on synthetic grouped data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from medlens.data import DatasetFormatError, Sample, SampleSet
from medlens.data.splits import SplitManifest, make_split, random_split


def synthetic(n_groups: int = 600, seed: int = 0) -> SampleSet:
    """Groups of 1-5 images; 3 imbalanced classes (60/30/10 %), one label per group."""
    rng = np.random.default_rng(seed)
    samples = []
    for g in range(n_groups):
        label = int(rng.choice(3, p=[0.6, 0.3, 0.1]))
        for k in range(int(rng.integers(1, 6))):
            samples.append(Sample(source=f"img_{g}_{k}.jpg", labels={"label": label}, group_id=f"G{g}"))
    return SampleSet(name="synthetic", classes=["a", "b", "c"], samples=samples)


def test_no_group_crosses_splits() -> None:
    ds = synthetic()
    m = make_split(ds, seed=3)
    groups = ds.groups()
    sets = [set(groups[idx].tolist()) for idx in (m.train, m.val, m.test)]
    assert not (sets[0] & sets[1] or sets[0] & sets[2] or sets[1] & sets[2])
    assert sorted(m.train + m.val + m.test) == list(range(len(ds)))


def test_fractions_and_stratification_within_tolerance() -> None:
    ds = synthetic()
    m = make_split(ds, fractions=(0.7, 0.15, 0.15), seed=1)
    y = ds.labels()
    overall = np.bincount(y, minlength=3) / len(y)
    for idx, frac in ((m.train, 0.7), (m.val, 0.15), (m.test, 0.15)):
        assert abs(len(idx) / len(ds) - frac) < 0.02
        share = np.bincount(y[idx], minlength=3) / len(idx)
        assert np.abs(share - overall).max() < 0.03


def test_deterministic_by_seed() -> None:
    ds = synthetic()
    a, b, c = make_split(ds, seed=7), make_split(ds, seed=7), make_split(ds, seed=8)
    assert (a.train, a.val, a.test) == (b.train, b.val, b.test)
    assert a.fingerprint == b.fingerprint
    assert a.test != c.test and a.fingerprint != c.fingerprint


def test_random_split_leaks_groups_grouped_does_not() -> None:
    ds = synthetic()
    groups = ds.groups()
    r = random_split(ds, seed=0)
    assert r.method == "random-stratified"
    assert set(groups[r.train].tolist()) & set(groups[r.test].tolist())  # images of one group on both sides


def test_manifest_roundtrip_and_fingerprint(tmp_path: Path) -> None:
    ds = synthetic(50)
    m = make_split(ds, seed=2)
    path = m.save(tmp_path / "split.json")
    loaded = SplitManifest.load(path)
    assert loaded == m
    assert loaded.fingerprint == m.fingerprint == json.loads(path.read_text())["fingerprint"]
    assert loaded.dataset_fingerprint == ds.fingerprint()
    parts = loaded.subsets(ds)
    assert [len(parts[k]) for k in ("train", "val", "test")] == [len(m.train), len(m.val), len(m.test)]
    raw = json.loads(path.read_text())
    raw["test"] = raw["test"][:-1]
    path.write_text(json.dumps(raw))
    with pytest.raises(DatasetFormatError, match=r"fingerprint mismatch"):
        SplitManifest.load(path)


def test_manifest_rejects_other_dataset() -> None:
    m = make_split(synthetic(50), seed=0)
    with pytest.raises(DatasetFormatError, match=r"does not match"):
        m.check(synthetic(51))


def test_bad_fractions() -> None:
    with pytest.raises(ValueError, match=r"fractions"):
        make_split(synthetic(10), fractions=(0.5, 0.2, 0.2))


def test_zero_val_fraction() -> None:
    m = make_split(synthetic(100), fractions=(0.8, 0.0, 0.2))
    assert m.val == [] and m.train and m.test
