"""Saved model + card, RiskModel serving API, batch CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from medlens.card import CardError
from medlens.tabular import RiskModel, TabularCard
from medlens.tabular.train import train_and_save


@pytest.fixture(scope="module")
def model_dir(covid_small, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("covid-death")
    train_and_save(
        covid_small, out, "death-positive", "all", "lgbm", "class_weight", n_boot=50, command="test"
    )
    return out


def test_card_contents(model_dir: Path) -> None:
    card = TabularCard.load(model_dir)
    assert card.data.license == "Mexican open government data"
    assert card.thresholds.val_recall >= 0.8 and card.thresholds.threshold is not None
    for k in ("recall", "precision", "specificity", "f1", "auroc", "auprc"):
        m = card.metrics[k]
        assert m["ci_low"] <= m["value"] <= m["ci_high"]
    assert card.metrics_dedup["n"]["value"] <= card.metrics["n"]["value"]
    assert card.training_command == "test" and "SEX" in card.encodings


def test_predict_one(model_dir: Path) -> None:
    rm = RiskModel.load(model_dir)
    old = rm.predict_one({"AGE": 85, "SEX": "male", "PNEUMONIA": "yes", "DIABETES": "yes"})
    young = rm.predict_one({"AGE": 20, "SEX": "female", "PREGNANT": "no"})
    assert 0 <= young.probability < old.probability <= 1
    assert old.at_risk == (old.probability >= rm.threshold) and old.threshold == rm.threshold
    assert old.top_factors and {f for f, _ in old.top_factors} <= set(rm.features)
    assert abs(old.top_factors[0][1]) >= abs(old.top_factors[-1][1])
    assert json.dumps(old.to_dict())


def test_predict_one_rejects_bad_input(model_dir: Path) -> None:
    rm = RiskModel.load(model_dir)
    with pytest.raises(ValueError, match="AGE: required"):
        rm.predict_one({"SEX": "male"})
    with pytest.raises(ValueError, match="SEX"):
        rm.predict_one({"AGE": 40, "SEX": "x"})
    with pytest.raises(ValueError, match=r"unknown field\(s\) \['ICU'\]"):
        rm.predict_one({"AGE": 40, "SEX": "male", "ICU": "yes"})
    with pytest.raises(ValueError, match="DIABETES: expected yes / no / unknown"):
        rm.predict_one({"AGE": 40, "SEX": "male", "DIABETES": "maybe"})


def test_feature_schema(model_dir: Path) -> None:
    fields = {f["name"]: f for f in RiskModel.load(model_dir).feature_schema()}
    assert fields["AGE"]["type"] == "integer" and fields["AGE"]["required"]
    assert fields["SEX"]["choices"] == ["female", "male"] and fields["SEX"]["label_ko"] == "성별"
    assert fields["DIABETES"]["choices"] == ["yes", "no", "unknown"]


def test_tampered_model_is_refused(model_dir: Path, tmp_path: Path) -> None:
    import shutil

    d = tmp_path / "m"
    shutil.copytree(model_dir, d)
    (d / "model.joblib").write_bytes(b"x" + (d / "model.joblib").read_bytes())
    with pytest.raises(CardError, match="does not match"):
        RiskModel.load(d)


def test_serving_import_is_torch_free(model_dir: Path) -> None:
    code = (
        "import sys; from medlens.tabular import RiskModel; "
        f"RiskModel.load({str(model_dir)!r}).predict_one({{'AGE': 50, 'SEX': 'male'}}); "
        "assert 'torch' not in sys.modules, 'torch imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_cli_predict_and_evaluate(model_dir: Path, csv_path: Path, tmp_path: Path, raw_small) -> None:
    from medlens.cli.main import app

    out = tmp_path / "scored.csv"
    r = CliRunner().invoke(
        app, ["tabular", "predict", "-i", str(csv_path), "-o", str(out), "--model", str(model_dir)]
    )
    assert r.exit_code == 0, r.output
    df = pd.read_csv(out)
    assert {"probability", "at_risk"} <= set(df.columns) and len(df) == 300
    assert ((df["probability"] >= RiskModel.load(model_dir).threshold) == df["at_risk"].astype(bool)).all()
    # only the feature columns are needed for scoring
    few = tmp_path / "few.csv"
    raw_small[
        [
            "AGE",
            "SEX",
            "PREGNANT",
            "PNEUMONIA",
            "DIABETES",
            "COPD",
            "ASTHMA",
            "INMSUPR",
            "HIPERTENSION",
            "OTHER_DISEASE",
            "CARDIOVASCULAR",
            "OBESITY",
            "RENAL_CHRONIC",
            "TOBACCO",
        ]
    ].iloc[:5].to_csv(few, index=False)
    r = CliRunner().invoke(
        app, ["tabular", "predict", "-i", str(few), "-o", str(out), "--model", str(model_dir)]
    )
    assert r.exit_code == 0, r.output
    bad = tmp_path / "bad.csv"
    raw_small[["AGE", "SEX"]].iloc[:5].to_csv(bad, index=False)
    r = CliRunner().invoke(
        app, ["tabular", "predict", "-i", str(bad), "-o", str(out), "--model", str(model_dir)]
    )
    assert r.exit_code == 2 and "missing column(s)" in r.output


def test_cli_train_on_small_csv(tmp_path: Path, raw_small) -> None:
    from medlens.cli.main import app

    src = tmp_path / "c.csv"
    raw_small.to_csv(src, index=False)
    out = tmp_path / "model"
    r = CliRunner().invoke(app, ["tabular", "train", "--data", str(src), "--out", str(out), "--model", "lr",
                                 "--target", "death-all", "--n-boot", "20"])  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "test: recall" in r.output and (out / "card.json").exists()
    r = CliRunner().invoke(
        app, ["tabular", "evaluate", "--data", str(src), "--model", str(out), "--n-boot", "20"]
    )
    assert r.exit_code == 0, r.output
    card = TabularCard.load(out)
    assert f"recall {card.metrics['recall']['value']:.3f}" in r.output  # evaluate reproduces the card
