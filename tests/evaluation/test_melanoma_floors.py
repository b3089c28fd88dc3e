"""benchmarks/melanoma_floors.py: issue 12's floors and the card rows, from cross-source logit files."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from medlens.card import ModelCard

REPO = Path(__file__).resolve().parents[2]


def _npz(folder: Path, seed: int, threshold: float, ham_shift: float) -> None:
    """Logits of a two-class model: Kaggle photos well separated, HAM10000 melanomas scored lower."""
    rng = np.random.default_rng(seed)
    src = np.array(["melanoma_10000"] * 400 + ["ham10000"] * 400)
    y = rng.integers(0, 2, 800)
    orig = np.where(y == 1, "mel", np.where(rng.random(800) < 0.8, "nv", "bkl"))
    orig[:400] = np.where(y[:400] == 1, "malignant", "benign")
    margin = np.where(y == 1, 2.0, -2.0) - np.where((src == "ham10000") & (y == 1), ham_shift, 0.0)
    z = margin + rng.normal(0, 1.0, 800)
    folder.mkdir(parents=True)
    np.savez(
        folder / "cross_source_logits.npz",
        logits=np.stack([-z / 2, z / 2], axis=1),
        temperature=1.0,
        labels=y,
        sources=src,
        original=orig,
        threshold=threshold,
    )


def test_floors_and_card_rows(tmp_path: Path, load_benchmark) -> None:
    mod = load_benchmark("melanoma_floors")
    _npz(tmp_path / "val", 0, 0.5, 1.5)
    _npz(tmp_path / "test", 1, 0.5, 1.5)
    _npz(tmp_path / "k0", 2, 0.5, 3.0)
    res = mod.floors(mod._load(tmp_path / "val"), mod._load(tmp_path / "test"), 0.9, n_boot=200)
    kag = res["kaggle_accuracy"]
    assert kag["ci_low"] <= kag["value"] <= kag["ci_high"] and kag["value"] > 0.9
    # at 0.5 the shifted HAM10000 melanomas miss recall; the HAM-validation threshold restores it
    ham_val = next(k for k in res if k.startswith("ham-val"))
    assert res["card"]["melanoma_recall"]["value"] < res[ham_val]["melanoma_recall"]["value"]
    assert res[ham_val]["threshold"] < 0.5 and res[ham_val]["melanoma_recall"]["value"] >= 0.8

    bundle = tmp_path / "melanoma"
    shutil.copytree(REPO / "models" / "melanoma", bundle)
    mod.main(["--val", str(tmp_path / "val"), "--test", str(tmp_path / "test"), "--n-boot", "200",
              "--card", str(bundle), "--loso", f"Kaggle-only run on HAM10000={tmp_path / 'k0'}=ham10000"])  # fmt: skip
    block = ModelCard.load(bundle).metrics["cross_source"]
    assert [r["role"] for r in block["rows"]] == ["in-source", "in-source", "cross-source"]
    assert block["rows"][0]["data"].startswith("Kaggle") and block["rows"][2]["n"] == 400
    assert block["rows"][2]["auroc"]["value"] < block["rows"][1]["auroc"]["value"]  # larger shift
    # each row names its source (for the leaderboard) and carries the arg-max accuracy of its images
    assert [r["source"] for r in block["rows"]] == ["melanoma_10000", "ham10000", "ham10000"]
    assert block["rows"][0]["accuracy"]["value"] == pytest.approx(kag["value"], abs=1e-4)
    # a replaced bundle keeps the leave-one-source-out rows measured for the card before it
    saved = tmp_path / "old-card.json"
    shutil.copy(bundle / "card.json", saved)
    mod.main(["--val", str(tmp_path / "val"), "--test", str(tmp_path / "test"), "--n-boot", "200",
              "--card", str(bundle), "--loso-rows-from", str(saved)])  # fmt: skip
    kept = ModelCard.load(bundle).metrics["cross_source"]["rows"]
    assert [r["role"] for r in kept] == ["in-source", "in-source", "cross-source"] and kept[2] == block[
        "rows"
    ][2]
    with pytest.raises(SystemExit, match="no cross-source rows"):
        mod.kept_cross_source_rows({"metrics": {"cross_source": {"rows": kept[:2]}}})
    with pytest.raises(SystemExit, match="no 'nowhere' rows"):
        mod.card_rows(mod._load(tmp_path / "test"), [f"x={tmp_path / 'k0'}=nowhere"], 100)
