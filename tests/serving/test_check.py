"""`medlens check`: a bundled model measured on a labelled folder, exactly as served."""

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from medlens.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
MELANOMA = ROOT / "models" / "melanoma"


@pytest.fixture
def small_folder(shared_data, tmp_path):
    src = shared_data / "melanoma_10000" / "train"
    for cls in ("benign", "malignant"):
        (tmp_path / cls).mkdir()
        for f in sorted((src / cls).glob("*.jpg"))[:10]:
            (tmp_path / cls / f.name).symlink_to(f)
    return tmp_path


def test_check_matches_direct_predictions(small_folder, tmp_path):
    out = tmp_path / "check.json"
    result = CliRunner().invoke(
        app,
        [
            "check",
            "--model",
            str(MELANOMA),
            "--dataset",
            "imagefolder",
            "--data-root",
            str(small_folder),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert report["n"] == 20 and report["model"] == "melanoma"
    acc = report["metrics"]["accuracy"]
    assert acc["ci_low"] <= acc["value"] <= acc["ci_high"]

    from medlens.data import create_dataset
    from medlens.serving import Predictor

    ds = create_dataset("imagefolder", small_folder)
    predictor = Predictor.from_card(MELANOMA)
    preds = predictor.predict_batch([s.load_image() for s in ds.samples])
    direct = np.mean([p.label == ds.classes[y] for p, y in zip(preds, ds.labels(), strict=True)])
    assert acc["value"] == pytest.approx(direct)
    assert report["operating_point"]["threshold"] == pytest.approx(predictor.card.thresholds.threshold)


def test_check_refuses_class_mismatch(small_folder):
    result = CliRunner().invoke(
        app,
        [
            "check",
            "--model",
            str(ROOT / "models" / "chest-xray"),
            "--dataset",
            "imagefolder",
            "--data-root",
            str(small_folder),
        ],
    )
    assert result.exit_code == 2
    assert "do not match" in result.output
