"""``medlens subgroups`` on the tabular COVID-19 risk model: sex and age bands of its test cohort."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from medlens.cli.main import app
from medlens.config import PROJECT_ROOT
from medlens.tabular.subgroups import sex_names

MODEL = PROJECT_ROOT / "models" / "covid-death"


def test_sex_names_follow_the_clean_coding() -> None:
    assert list(sex_names(np.array([1.0, 0.0, 1.0]))) == ["female", "male", "female"]


def test_cli_on_synthetic_rows_with_the_real_model(tmp_path: Path, raw_small: pd.DataFrame) -> None:
    if not (MODEL / "card.json").exists():
        pytest.skip(f"{MODEL} is missing (the committed COVID-19 risk model)")
    model = Path(shutil.copytree(MODEL, tmp_path / "covid-death"))
    csv = tmp_path / "covid.csv"
    raw_small.to_csv(csv, index=False)
    out = tmp_path / "report"
    args = [
        "subgroups",
        "--model",
        str(model),
        "--data-root",
        str(csv),
        "--n-boot",
        "100",
        "--min-class",
        "5",
    ]
    r = CliRunner().invoke(app, [*args, "--out", str(out), "--card"])
    assert r.exit_code == 0, r.output
    res = json.loads((out / "subgroups.json").read_text())
    assert set(res["attributes"]) == {"sex", "age"} and res["target"] == "DEATH"
    assert set(res["attributes"]["sex"]["groups"]) == {"female", "male"}
    assert set(res["attributes"]["age"]["groups"]) <= {"<30", "30-44", "45-59", "60-74", "75+"}
    for attr in res["attributes"].values():
        assert sum(g["n"] for g in attr["groups"].values()) == res["n"]
    assert res["model_inputs"] == ["sex", "age"]  # both are features of covid-death: the report says so
    text = (out / "report.md").read_text()
    assert (out / "subgroups.png").exists() and "## Age band" in text and "input(s) of the model" in text
    block = json.loads((model / "card.json").read_text())["metrics"]["subgroups"]
    assert block["n"] == res["n"] and block["threshold"] == pytest.approx(res["threshold"], abs=1e-4)
