"""Adapters and splits on the real data in ../shared/data (skipped when it is absent)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from medlens.data import create_dataset
from medlens.data.splits import audit_leakage, make_split, random_split


def test_melanoma_10000_imagefolder(shared_data: Path) -> None:
    ds = create_dataset("imagefolder", shared_data / "melanoma_10000" / "train")
    assert ds.classes == ["benign", "malignant"]
    assert np.bincount(ds.labels()).tolist() == [5000, 4605]
    assert ds.samples[0].load_image().shape == (300, 300, 3)


def test_ham10000_counts_and_grouped_split(shared_data: Path) -> None:
    ds = create_dataset("ham10000", shared_data / "ham10000_lowres")
    assert len(ds) == 10015
    assert len(set(ds.groups().tolist())) == 7470
    counts = dict(zip(ds.classes, np.bincount(ds.labels()).tolist(), strict=True))
    assert counts == {"nv": 6705, "mel": 1113, "bkl": 1099, "bcc": 514, "akiec": 327, "vasc": 142, "df": 115}
    m = make_split(ds, seed=0)
    g = ds.groups()
    assert not set(g[m.train].tolist()) & set(g[m.test].tolist())
    assert not set(g[m.train].tolist()) & set(g[m.val].tolist())
    mel = ds.classes.index("mel")
    for idx in (m.train, m.val, m.test):
        assert abs(np.mean(ds.labels()[idx] == mel) - 1113 / 10015) < 0.01


@pytest.mark.slow
def test_ham10000_full_audit_grouped_vs_random(shared_data: Path) -> None:
    ds = create_dataset("ham10000", shared_data / "ham10000_lowres")
    grouped = audit_leakage(ds, make_split(ds, seed=0))  # no time limit here: timings are benchmarks' job
    leaky = audit_leakage(ds, random_split(ds, seed=0), near_duplicates=False)
    assert grouped.group_overlap == []
    assert len(leaky.group_overlap) > 500  # lesions with several photos straddle the random split


def test_pneumoniamnist_official_splits(shared_data: Path) -> None:
    ds = create_dataset("medmnist", shared_data / "pneumoniamnist" / "pneumoniamnist.npz")
    assert ds.classes == ["normal", "pneumonia"]
    assert {k: len(v) for k, v in ds.predefined_splits.items()} == {"train": 4707, "val": 524, "test": 624}
    y = ds.labels()
    assert np.bincount(y[ds.predefined_splits["test"]]).tolist() == [234, 390]
    assert np.bincount(y[ds.predefined_splits["train"]]).tolist() == [1213, 3494]
    m = make_split(ds)
    assert m.method == "predefined" and len(m.test) == 624


@pytest.mark.slow
def test_melanoma_10000_duplicates_need_dedup_grouping(shared_data: Path) -> None:
    """The Kaggle folder holds re-encoded copies; a per-image split leaks them, a dedup-grouped one does not."""
    from medlens.data.dupgroups import group_duplicates

    ds = create_dataset("imagefolder", shared_data / "melanoma_10000" / "train")
    plain = audit_leakage(ds, make_split(ds, seed=0))
    assert plain.exact_duplicates and plain.near_duplicates
    clean = audit_leakage(ds, make_split(group_duplicates(ds), seed=0))
    assert clean.ok, clean.to_markdown()
