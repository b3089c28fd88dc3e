"""benchmarks/label_vs_referral.py on a real-photo bundle: its counts are the served predictions' counts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

from medlens.export import export_run
from medlens.serving.predictor import softmax
from medlens.serving.source_check import served_split

from .conftest import make_run


def test_counts_match_the_served_predictions(tmp_path: Path, shared_data: Path, load_benchmark) -> None:
    bundle = export_run(
        make_run(tmp_path, shared_data), tmp_path / "bundle", latency_runs=5, n_boot=50
    ).directory
    out = load_benchmark("label_vs_referral").main(
        ["--model", str(bundle), "--out", str(tmp_path / "lvr.md")]
    )
    served = served_split(bundle, "test")
    card = served.predictor.card
    proba = softmax(served.logits, card.temperature)
    referred = proba[:, 1] >= card.thresholds.threshold
    (row,) = out["rows"].values()  # one source: no "all" row
    assert row["photos"] == len(served.indices) and row["referred"] == int(referred.sum())
    assert row["referred_other_label"] == int((referred & (proba.argmax(1) == 0)).sum())
    assert (tmp_path / "lvr.json").is_file() and "Command: `python benchmarks/label_vs_referral.py" in (
        tmp_path / "lvr.md"
    ).read_text()
    assert np.isfinite(proba).all()
