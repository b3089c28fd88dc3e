"""``medlens subgroups`` on an image bundle: groups from sample metadata, and the CLI on a small real
HAM10000 sample with the bundled skin-lesion model (skips without ../shared/data)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medlens.cli.main import app
from medlens.config import PROJECT_ROOT
from medlens.data.sample import Meta, Sample
from medlens.serving.subgroup_check import sample_groups

SKIN = PROJECT_ROOT / "models" / "skin-lesion"


def _sample(age: float | None, sex: str | None, site: str | None) -> Sample:
    return Sample("x.jpg", {"label": 0}, "g", Meta(age=age, sex=sex, site=site))


def test_sample_groups_from_meta_and_attributes_without_any_value_dropped() -> None:
    groups = sample_groups(
        [_sample(25, "female", None), _sample(80, None, None), _sample(None, "male", None)]
    )
    assert set(groups) == {"sex", "age"}  # no sample has a site
    assert list(groups["sex"]) == ["female", "unknown", "male"]
    assert list(groups["age"]) == ["<30", "75+", "unknown"]
    assert sample_groups([_sample(None, None, None)]) == {}


@pytest.fixture
def skin_copy(tmp_path: Path) -> Path:
    if not (SKIN / "card.json").exists():
        pytest.skip(f"{SKIN} is missing (the bundled skin-lesion model)")
    return Path(shutil.copytree(SKIN, tmp_path / "skin-lesion"))


def test_cli_on_a_real_ham10000_sample_writes_report_and_card(shared_data, skin_copy, tmp_path) -> None:
    from medlens.card import ModelCard
    from medlens.data.rebuild import facts_from_card

    root = facts_from_card(ModelCard.load(skin_copy)).data_root  # the split lists paths as trained
    if not (root / "HAM10000_metadata.csv").exists():
        pytest.skip(f"skin-lesion's data {root} is not under {shared_data}")
    before = json.loads((skin_copy / "card.json").read_text())
    before["metrics"].pop("subgroups", None)
    out = tmp_path / "report"
    args = ["subgroups", "--model", str(skin_copy), "--limit", "120", "--n-boot", "100", "--threads", "1"]
    result = CliRunner().invoke(app, [*args, "--out", str(out), "--card"])
    assert result.exit_code == 0, result.output
    assert "largest gap" in result.output
    for name in ("report.md", "report.html", "subgroups.png", "subgroups.json"):
        assert (out / name).stat().st_size > 500, name
    res = json.loads((out / "subgroups.json").read_text())
    assert res["n"] == 120 and res["role"] == "in-source" and res["target"] == "mel"
    assert set(res["attributes"]) == {"sex", "age", "site"}
    for attr in res["attributes"].values():
        assert sum(g["n"] for g in attr["groups"].values()) == 120
        for g in attr["groups"].values():
            assert g["too_few"] == (g["n"] < 30)
    assert "45-59" in res["attributes"]["age"]["groups"]
    text = (out / "report.md").read_text()
    assert "## Sex" in text and "## Body site" in text and "Re-run: `medlens subgroups" in text
    after = json.loads((skin_copy / "card.json").read_text())
    block = after["metrics"].pop("subgroups")
    assert after == before  # nothing else in the card changed
    assert block["n"] == 120 and block["report"] == f"{out}/report.md"
    # the command given, re-runnable (--threads left out), in the card and the report
    command = f"medlens subgroups --model {skin_copy} --limit 120 --n-boot 100 --out {out} --card"
    assert block["command"] == command and f"Re-run: `{command}`" in text
    assert set(block["attributes"]) == {"sex", "age", "site"}


def test_cli_refuses_bad_options_with_a_message(skin_copy, tmp_path) -> None:
    before = (skin_copy / "card.json").read_bytes()
    out = tmp_path / "out"
    args = ["subgroups", "--model", str(skin_copy), "--out", str(out), "--card"]
    r = CliRunner().invoke(app, [*args, "--test-set", "nope"])
    assert r.exit_code == 2 and "unknown test set 'nope'" in r.output and "ham10000-unseen" in r.output
    r = CliRunner().invoke(app, [*args, "--test-set", "ham10000-unseen"])
    assert r.exit_code == 2 and "benign/malignant" in r.output
    r = CliRunner().invoke(app, ["subgroups", "--model", str(tmp_path / "missing")])
    assert r.exit_code == 2 and "no such model card" in r.output
    assert (skin_copy / "card.json").read_bytes() == before and not out.exists()


def test_tabular_only_has_its_own_test_split(tmp_path) -> None:
    model = PROJECT_ROOT / "models" / "covid-death"
    if not (model / "card.json").exists():
        pytest.skip(f"{model} is missing")
    r = CliRunner().invoke(app, ["subgroups", "--model", str(model), "--test-set", "ham10000-unseen"])
    assert r.exit_code == 2 and "tabular models have only their own test split" in r.output
