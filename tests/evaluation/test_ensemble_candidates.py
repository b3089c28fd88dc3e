"""benchmarks/ensemble_candidates.py: candidate ensembles compared on validation outputs, as served."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest


def _write(folder: Path, logits: np.ndarray, temperature: float, order: np.ndarray) -> None:
    labels = np.array([1, 1, 0, 0, 1, 0])
    sources = np.array(["a", "a", "a", "b", "b", "b"])
    files = np.array([f"img{i}.jpg" for i in range(6)])
    folder.mkdir(parents=True)
    np.savez(
        folder / "cross_source_logits.npz",
        logits=logits[order].astype(np.float32),
        labels=labels[order],
        sources=sources[order],
        files=files[order],
        temperature=np.float64(temperature),
    )


def test_candidates_score_the_mean_of_calibrated_logits_per_source(tmp_path: Path, load_benchmark) -> None:
    mod = load_benchmark("ensemble_candidates")
    # member x is right on source a only, member y (temperature 2, rows stored in another order) on b only
    x = np.array([[0, 3], [0, 1], [1, 0], [0, 1], [1, 0], [0, 1]], float)
    y = np.array([[2, 0], [2, 0], [2, 0], [4, 0], [0, 4], [4, 0]], float)
    _write(tmp_path / "x", x, 1.0, np.arange(6))
    _write(tmp_path / "y", y, 2.0, np.array([5, 3, 1, 0, 2, 4]))
    out = tmp_path / "sel"
    mod.main(["--member", f"x={tmp_path / 'x'}", "--member", f"y={tmp_path / 'y'}", "--candidate", "xy=x,y",
              "--out", str(out)])  # fmt: skip
    rows = {r["name"]: r["by_source"] for r in json.loads(out.with_suffix(".json").read_text())}
    assert rows["x"]["a"]["right"] == 3 and rows["x"]["b"]["right"] == 0
    assert rows["y"]["a"]["right"] == 1 and rows["y"]["b"]["right"] == 3
    # (x + y / 2) / 2 by hand: a -> [.5, 1.5] right, [.5, .5] a tie, so class 0: wrong, [1, 0] right;
    # b -> [1, .5], [.5, 1], [1, .5]: all right
    assert rows["xy"]["a"] == {"n": 3, "right": 2, "accuracy": pytest.approx(2 / 3), "auroc": 1.0}
    assert rows["xy"]["b"]["right"] == 3 and rows["xy"]["b"]["accuracy"] == 1.0
    assert "| xy | x + y |" in out.with_suffix(".md").read_text()


def test_members_on_different_photos_are_refused(tmp_path: Path, load_benchmark) -> None:
    mod = load_benchmark("ensemble_candidates")
    a = mod.MemberOutputs(np.array(["p", "q"]), np.zeros((2, 2)), 1.0, np.array([0, 1]), np.array(["s", "s"]))
    b = mod.MemberOutputs(np.array(["p", "r"]), np.zeros((2, 2)), 1.0, np.array([0, 1]), np.array(["s", "s"]))
    with pytest.raises(ValueError, match="different photos"):
        mod.ensemble_logits([a, b])
