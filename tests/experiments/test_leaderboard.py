"""``medlens leaderboard``: bundled models beside referenced published figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medlens.cli.main import app
from medlens.experiments.leaderboard import leaderboard_markdown, leaderboard_rows, load_references

MODELS = Path(__file__).parents[2] / "models"


def test_every_reference_has_a_source_protocol_and_numbers() -> None:
    refs = load_references()
    assert {r["benchmark"] for r in refs} >= {"pneumoniamnist", "ham10000", "melanoma-kaggle"}
    for r in refs:
        assert r["source"] and r["protocol"] and r["metrics"]
        assert all(0 < v <= 1 for v in r["metrics"].values())
    medmnist = next(r for r in refs if r["who"] == "MedMNIST v2 ResNet-18 (28 px)")
    assert medmnist["metrics"] == {"accuracy": 0.854, "auroc": 0.944}


def test_cards_only_rows_quote_each_image_models_card(tmp_path: Path) -> None:
    rows = leaderboard_rows(MODELS, data_root=None)
    ours = {r.who.split()[1]: r for r in rows if r.ours and r.source.startswith("card (")}
    image_models = {
        p.parent.name
        for p in MODELS.glob("*/card.json")
        if json.loads(p.read_text()).get("kind") != "tabular"
    }
    assert {"chest-xray", "melanoma", "skin-lesion"} <= image_models
    assert set(ours) == image_models  # every image bundle, never the tabular model (no benchmark)
    for name, row in ours.items():
        card = json.loads((MODELS / name / "card.json").read_text())
        assert row.metrics["accuracy"] == card["metrics"]["test"]["accuracy"]
        assert row.source.startswith("card")
    assert any(r.who == "ISIC 2018 task 3 winner" for r in rows)
    table = leaderboard_markdown(rows)
    assert "| ham10000 | ISIC 2018 task 3 winner |  |  | 0.885 |" in table


def test_accuracy_at_threshold_only_for_binary_models() -> None:
    rows = {r.who.split()[1]: r for r in leaderboard_rows(MODELS, data_root=None) if r.ours}
    for name, row in rows.items():
        card = json.loads((MODELS / name / "card.json").read_text())
        if len(card["classes"]) == 2:
            # the served decision: accuracy at the validation-chosen threshold, not at arg-max
            assert row.metrics["accuracy_at_threshold"] == card["metrics"]["test"]["target_accuracy"]
        else:
            assert "accuracy_at_threshold" not in row.metrics  # target-vs-rest is not a 7-class accuracy
    header = leaderboard_markdown(list(rows.values())).splitlines()[0]
    assert "| accuracy | accuracy_at_threshold |" in header


def test_remeasured_pneumoniamnist_matches_the_card(shared_data: Path) -> None:
    rows = leaderboard_rows(MODELS, data_root=shared_data)
    row = next(r for r in rows if r.ours and r.benchmark == "pneumoniamnist")
    assert row.source.startswith("re-measured") and "n=624" in row.source
    card = json.loads((MODELS / "chest-xray" / "card.json").read_text())["metrics"]["test"]
    for key, card_key in (
        ("accuracy", "accuracy"),
        ("balanced_accuracy", "balanced_accuracy"),
        ("accuracy_at_threshold", "target_accuracy"),
    ):
        assert row.metrics[key]["value"] == pytest.approx(card[card_key]["value"], abs=1e-6)


def test_cli_refuses_a_missing_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["leaderboard", "--models", "nope-folder"], env={"COLUMNS": "300"})
    assert result.exit_code == 2 and "is not a folder" in result.output


def _card_with_source_rows(models: Path, task: str, source: str) -> None:
    row = {"data": "own photos test split", "role": "in-source", "n": 40, "n_target": 10, "source": source}
    row |= {
        k: {"value": v, "ci_low": v - 0.05, "ci_high": v + 0.01}
        for k, v in (("accuracy", 0.9), ("auroc", 0.95), ("sensitivity", 0.8), ("specificity", 0.7))
    }
    card = {
        "kind": "image",
        "name": task,
        "task": task,
        "backbone": "b",
        "preprocessing": {"input_size": 32},
        "data": {"dataset": "root (melanoma-sources)"},
        "metrics": {
            "test": {"accuracy": 0.5},
            "cross_source": {"threshold": 0.2, "rows": [row, row | {"role": "cross-source"}]},
        },
    }
    (models / task).mkdir(parents=True)
    (models / task / "card.json").write_text(json.dumps(card))


def test_a_multi_source_cards_source_row_stands_under_its_benchmark(tmp_path: Path) -> None:
    _card_with_source_rows(tmp_path, "melanoma", "melanoma_10000")
    rows = leaderboard_rows(tmp_path, data_root=None)
    part = [r for r in rows if r.ours and r.benchmark == "melanoma-kaggle"]
    assert len(part) == 1  # the in-source row only; the cross-source copy is not a benchmark figure
    assert (
        part[0].metrics["accuracy"]["value"] == 0.9 and part[0].metrics["target_sensitivity"]["value"] == 0.8
    )
    assert "threshold 0.200" in part[0].source
    refs = [r for r in rows if not r.ours]
    assert refs and {r.benchmark for r in refs} == {"melanoma-kaggle"}  # the seeds' figures stand beside it
    assert rows[0].benchmark == "melanoma-kaggle"  # benchmark rows first, the whole-card row ("-") after


def test_a_source_row_of_another_task_stands_under_no_benchmark(tmp_path: Path) -> None:
    _card_with_source_rows(tmp_path, "skin-lesion", "melanoma_10000")  # 7 classes: not the binary benchmark
    rows = leaderboard_rows(tmp_path, data_root=None)
    assert [r.benchmark for r in rows] == ["-"]
