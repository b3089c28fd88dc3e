"""``medlens robustness`` on the bundled chest-xray model and real Kermany test X-rays (its own test split)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from typer.testing import CliRunner

from medlens.cli.main import app

ROOT = Path(__file__).resolve().parents[2]


def test_robustness_cli_report_card_and_self_reference(shared_data: Path, tmp_path: Path) -> None:
    model = tmp_path / "chest"
    shutil.copytree(ROOT / "models" / "chest-xray", model)
    # as the training command wrote it (relative): the split manifest's sha256 covers the image paths
    kermany = os.path.relpath(shared_data / "chest_xray_kermany224")
    out = tmp_path / "rep"
    args = [
        "robustness",
        str(model),
        "--dataset",
        "kermany224",
        "--data-root",
        str(kermany),
        "--n",
        "24",
        "--corruption",
        "gaussian_noise",
        "--corruption",
        "contrast",
        "--out",
        str(out),
        "--reference",
        str(model),
    ]  # the model as its own reference: every CE is exactly 1
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    data = json.loads((out / "robustness.json").read_text())
    assert set(data["errors"]) == {"gaussian_noise", "contrast"}
    assert all(len(v) == 5 for v in data["errors"].values())
    assert data["mce"] == 1.0 and "24 of 624 test images" in data["sample"]
    assert (out / "accuracy_vs_severity.png").stat().st_size > 10_000
    assert "mCE" in (out / "report.md").read_text()
    card = json.loads((model / "card.json").read_text())
    assert card["metrics"]["robustness"]["accuracy"]["contrast"] == [
        round(1 - e, 4) for e in data["errors"]["contrast"]
    ]
    assert card["metrics"]["robustness"]["quality_gate"]["min_contrast"]["corruption"] == "contrast"
    gate_args = [
        "robustness",
        str(model),
        "--dataset",
        "kermany224",
        "--data-root",
        str(kermany),
        "--gate-only",
        "--gate-max-drop",
        "1.0",
        "--out",
        str(out),
    ]
    res = CliRunner().invoke(app, gate_args)
    assert res.exit_code == 0, res.output
    gate = json.loads((model / "card.json").read_text())["metrics"]["robustness"]["quality_gate"]
    assert (
        gate["max_drop"] == 1.0 and gate["min_contrast"]["tolerated_severity"] == 5
    )  # nothing drops 100 points


def test_robustness_cli_refuses_wrong_split_and_unknown_corruption(shared_data: Path, tmp_path: Path) -> None:
    npz = shared_data / "pneumoniamnist" / "pneumoniamnist.npz"
    res = CliRunner().invoke(
        app,
        [
            "robustness",
            str(ROOT / "models" / "chest-xray"),
            "--dataset",
            "medmnist",
            "--data-root",
            str(npz),
            "--corruption",
            "rain",
        ],
    )
    assert res.exit_code == 2 and "unknown corruption" in res.output
    res = CliRunner().invoke(
        app,
        [
            "robustness",
            str(ROOT / "models" / "melanoma"),
            "--dataset",
            "medmnist",
            "--data-root",
            str(npz),
            "--n",
            "4",
            "--no-card",
            "--out",
            str(tmp_path),
        ],
    )
    assert res.exit_code == 2 and "error:" in res.output
