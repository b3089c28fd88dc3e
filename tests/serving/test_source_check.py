"""Cross-source check of a bundle: per-source rows, roles, and the served logits."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from medlens.cli.main import app
from medlens.data import Meta, Sample, SampleSet
from medlens.serving import Predictor
from medlens.serving.source_check import cross_source_check, role_of, split_indices
from medlens.serving.source_report import cross_source_markdown


def _image(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (40, 50, 3), dtype=np.uint8)


def _two_sources(n: int = 24) -> SampleSet:
    samples = []
    for i in range(n):
        src = "kaggle" if i < n // 2 else "ham"
        orig = ("malignant" if i % 2 else "benign") if src == "kaggle" else ("mel" if i % 2 else "nv")
        samples.append(
            Sample(
                source=f"mem://{i}",
                labels={"label": i % 2},
                group_id=str(i),
                meta=Meta(source=src, extra={"original_class": orig}),
                loader=lambda i=i: _image(i),
            )
        )
    idx = list(range(n))
    return SampleSet(
        "two", ["benign", "malignant"], samples, predefined_splits={"train": [], "val": [], "test": idx}
    )


def test_cross_source_check_measures_each_source_with_the_served_logits(melanoma_bundle: Path) -> None:
    predictor = Predictor.from_card(melanoma_bundle)
    ds = _two_sources()
    result, logits, idx = cross_source_check(predictor, ds, "test", train_sources=["kaggle"], n_boot=100)
    direct = predictor.logits_batch([s.load_image() for s in ds.samples])
    np.testing.assert_allclose(logits, direct, rtol=1e-5, atol=1e-5)
    assert idx == list(range(24))
    rows = result["by_source"]
    assert (rows["kaggle"]["role"], rows["ham"]["role"], rows["all"]["role"]) == (
        "in-source",
        "cross-source",
        "pooled",
    )
    assert rows["ham"]["n"] == 12 and set(rows["ham"]["per_class"]) == {"mel", "nv"}
    assert 0.0 <= rows["ham"]["ood_flagged"] <= 1.0
    text = cross_source_markdown(result)
    assert "| ham | cross-source | 12 |" in text and "| kaggle | nv |" not in text


def test_split_and_role_helpers() -> None:
    ds = _two_sources(4)
    assert split_indices(ds, "all") == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="no predefined 'holdout' split"):
        split_indices(ds, "holdout")
    assert role_of("covid-chestxray/Cho Ray", ["covid-chestxray"]) == "in-source"
    assert role_of("ham10000", ["melanoma_10000"]) == "cross-source"
    assert role_of("ham10000", None) == "unknown"


def test_cli_cross_source_errors_are_clean(melanoma_bundle: Path, tmp_path: Path) -> None:
    r = CliRunner().invoke(
        app,
        ["cross-source", "--model", str(melanoma_bundle), "--dataset", "nope", "--data-root", str(tmp_path)],
    )
    assert r.exit_code == 2 and "unknown dataset adapter 'nope'" in r.output
    r = CliRunner().invoke(app, ["cross-source", "--model", str(tmp_path), "--data-root", str(tmp_path)])
    assert r.exit_code == 2 and "error:" in r.output


@pytest.mark.slow
def test_cli_cross_source_on_real_ham(melanoma_bundle: Path, shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "xs"
    r = CliRunner().invoke(
        app,
        [
            "cross-source", "--model", str(melanoma_bundle), "--dataset", "melanoma-ham10000",
            "--data-root", str(shared_data), "--split", "test", "--train-sources", "melanoma_10000",
            "--out", str(out), "--n-boot", "100", "--threads", "1",
        ],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    result = json.loads((out / "cross_source.json").read_text())
    assert result["by_source"]["ham10000"]["role"] == "cross-source"
    assert result["by_source"]["ham10000"]["n"] == len(np.load(out / "cross_source_logits.npz")["labels"])
