"""The bundled models' ``conformal`` blocks: they yield prediction sets, and on the real test split the
sets hold the true class at >= 1 - alpha within noise (skipped, with the reason, when data is absent)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from medlens.card import ModelCard
from medlens.serving.conformal import prediction_set

MODELS = Path(__file__).resolve().parents[2] / "models"
IMAGE_BUNDLES = sorted(
    p.parent.name
    for p in MODELS.glob("*/card.json")
    if json.loads(p.read_text()).get("kind", "image") == "image"
)
# small test splits: recomputing them takes seconds
RECOMPUTE = [m for m in ("scalp-conditions", "herpes-zoster", "chest-xray") if m in IMAGE_BUNDLES]


@pytest.mark.parametrize("name", IMAGE_BUNDLES)
def test_every_bundle_has_a_conformal_block_that_yields_sets(name: str) -> None:
    card = ModelCard.load(MODELS / name)
    block = card.conformal
    assert block is not None, f"{name}: run `medlens conformal models/{name} --alpha 0.1`"
    assert block.method in ("aps", "lac") and 0 < block.alpha < 1
    assert block.target_class == card.thresholds.target_class
    # a confident result is a single class; a flat one keeps several (the model cannot tell them apart)
    k = len(card.classes)
    sharp = {c: (0.999 if i == 0 else 0.001 / (k - 1)) for i, c in enumerate(card.classes)}
    flat = {c: 1 / k for c in card.classes}
    assert prediction_set(sharp, block)[0] == card.classes[0]
    assert len(prediction_set(flat, block)) == k
    # recorded test coverage: >= 1 - alpha within noise (its 95 % CI reaches the target)
    cov = block.test["coverage"]
    assert cov["ci_low"] <= cov["value"] <= cov["ci_high"]
    assert cov["ci_high"] >= 1 - block.alpha, f"{name}: coverage {cov} below {1 - block.alpha}"
    assert 1 <= block.test["mean_set_size"] <= k


def test_predictor_reports_the_set(shared_data: Path) -> None:
    from medlens.data.imageio import read_image_rgb
    from medlens.serving import Predictor

    pred = Predictor.from_card(MODELS / "melanoma", threads=1)
    image = read_image_rgb(next((shared_data / "melanoma_10000" / "train" / "malignant").glob("*.jpg")))
    out = pred.predict(image).to_dict()
    assert out["prediction_set"] and out["prediction_set"][0] == out["label"]
    assert out["conformal_alpha"] == pred.card.conformal.alpha


@pytest.mark.parametrize("name", RECOMPUTE)
def test_coverage_on_the_real_test_split(name: str, shared_data: Path) -> None:
    """Rebuild the bundle's split from its card, refit on val and measure on test: the card's thresholds
    come back, and test coverage is >= 1 - alpha within noise (class-conditional for the target)."""
    from medlens.data.rebuild import facts_from_card
    from medlens.serving.conformal_bundle import conformal_for_bundle

    card = ModelCard.load(MODELS / name)
    facts = facts_from_card(card)
    if not facts.data_root.exists():
        pytest.skip(f"{name}: its data {facts.data_root} is not under {shared_data}")
    block = conformal_for_bundle(MODELS / name, alpha=card.conformal.alpha, write_card=False)
    assert block.qhat == pytest.approx(card.conformal.qhat)
    assert block.target_qhat == pytest.approx(card.conformal.target_qhat)
    assert block.n_calibration == card.data.n_val and block.test["n"] == card.data.n_test
    cov = block.test["coverage"]
    assert cov["ci_high"] >= 1 - block.alpha
    if "target_coverage" in block.test:
        assert block.test["target_coverage"]["ci_high"] >= 1 - block.target_alpha
    assert np.isclose(cov["value"], card.conformal.test["coverage"]["value"])


def test_cli_writes_a_report_and_leaves_the_card_with_no_card(shared_data: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from medlens.cli.main import app

    name = "scalp-conditions"
    before = (MODELS / name / "card.json").read_bytes()
    args = ["conformal", str(MODELS / name), "--alpha", "0.1", "--no-card", "--report-dir", str(tmp_path)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    report = (tmp_path / f"{name}.md").read_text()
    assert "Coverage:" in report and "Wilson" in report and "Mean set size" in report
    assert (MODELS / name / "card.json").read_bytes() == before
    bad = CliRunner().invoke(app, ["conformal", str(tmp_path / "nothing"), "--report-dir", str(tmp_path)])
    assert bad.exit_code == 2
