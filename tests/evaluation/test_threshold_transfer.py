"""benchmarks/threshold_transfer.py: split-half transfer of a validation-chosen recall threshold."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def _write_val(folder: Path, seed: int = 0) -> None:
    """A two-source validation output: 'big' with many positives, 'small' with 80 that score lower."""
    rng = np.random.default_rng(seed)
    y = np.r_[np.ones(600), np.zeros(600), np.ones(80), np.zeros(700)].astype(np.int64)
    src = np.array(["big"] * 1200 + ["small"] * 780)
    margin = np.where(y == 1, np.where(src == "big", 2.5, 1.5), -1.0) + rng.normal(0, 1, y.size)
    logits = np.stack([-margin / 2, margin / 2], axis=1).astype(np.float32)
    folder.mkdir(parents=True)
    np.savez(
        folder / "cross_source_logits.npz",
        logits=logits,
        labels=y,
        sources=src,
        temperature=np.float64(1.0),
        threshold=np.float64(0.5),
    )


def test_split_half_shows_the_bound_keeping_the_target(tmp_path: Path, load_benchmark) -> None:
    mod = load_benchmark("threshold_transfer")
    _write_val(tmp_path / "val")
    res = mod.main(
        ["--val", str(tmp_path / "val"), "--repeats", "120", "--out", str(tmp_path / "out" / "transfer")]
    )
    observed, bound = res["rules"]["observed"], res["rules"]["lower bound 95%"]
    assert res["positives"] == {"big": 600, "small": 80}
    # the small source decides the every-source threshold; chosen on 40 positives it often misses on the rest
    assert observed["sources"]["small"]["below_target"] > 0.25
    assert bound["sources"]["small"]["below_target"] < observed["sources"]["small"]["below_target"] / 2
    assert bound["mean_threshold"] < observed["mean_threshold"]
    # the guarantee costs specificity, and the table says how much
    assert bound["sources"]["small"]["mean_specificity"] < observed["sources"]["small"]["mean_specificity"]
    md = (tmp_path / "out" / "transfer.md").read_text()
    assert "| lower bound 95% | small |" in md and "No test photo is used" in md
    assert json.loads((tmp_path / "out" / "transfer.json").read_text())["repeats"] == 120


def test_halves_are_stratified_by_source_and_label(load_benchmark) -> None:
    mod = load_benchmark("threshold_transfer")
    y = np.r_[np.ones(10), np.zeros(30), np.ones(7), np.zeros(3)].astype(int)
    g = np.array(["a"] * 40 + ["b"] * 10)
    a = mod.halves(y, g, np.random.default_rng(0))
    assert a[(g == "a") & (y == 1)].sum() == 5 and a[(g == "a") & (y == 0)].sum() == 15
    assert a[(g == "b") & (y == 1)].sum() == 3 and a[(g == "b") & (y == 0)].sum() == 1
