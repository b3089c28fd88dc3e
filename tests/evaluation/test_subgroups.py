"""Subgroup metrics: per-group values against hand counts, CIs that hold the truth, the flagged gap,
too-few handling, and the report / card writers."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from medlens.evaluation.bootstrap import summary_resamples, summary_with_ci
from medlens.evaluation.subgroups import (
    UNKNOWN,
    age_band,
    age_bands,
    group_order,
    largest_gap,
    subgroup_metrics,
    subsample,
)

CLASSES = ["benign", "malignant"]


def _binary(y: np.ndarray, called: np.ndarray) -> np.ndarray:
    """Probabilities whose decision at threshold 0.5 is ``called`` (1 = target)."""
    s = np.where(called == 1, 0.8, 0.2)
    return np.stack([1 - s, s], axis=1)


@pytest.mark.parametrize(
    ("age", "band"),
    [(0, "<30"), (29.9, "<30"), (30, "30-44"), (44, "30-44"), (45, "45-59"), (59.5, "45-59"),
     (60, "60-74"), (74, "60-74"), (75, "75+"), (101, "75+"), (None, UNKNOWN), (float("nan"), UNKNOWN),
     (-1, UNKNOWN)],
)  # fmt: skip
def test_age_band_edges(age: float | None, band: str) -> None:
    assert age_band(age) == band


def test_group_order_puts_bands_in_age_order_and_unknown_last() -> None:
    assert group_order(["75+", UNKNOWN, "<30", "45-59"]) == ["<30", "45-59", "75+", UNKNOWN]
    assert group_order(["trunk", UNKNOWN, "back", "face"]) == ["back", "face", "trunk", UNKNOWN]
    assert list(age_bands([20, None, 80])) == ["<30", UNKNOWN, "75+"]


def test_known_small_input_per_group_values() -> None:
    # group a: 40 rows, 20 malignant all found, 20 benign all cleared; group b: 40 rows, 20 malignant of
    # which 10 found, 20 benign of which 15 cleared
    y = np.array([1] * 20 + [0] * 20 + [1] * 20 + [0] * 20)
    called = np.array([1] * 20 + [0] * 20 + [1] * 10 + [0] * 10 + [0] * 15 + [1] * 5)
    g = np.array(["a"] * 40 + ["b"] * 40, dtype=object)
    r = subgroup_metrics(y, _binary(y, called), g, CLASSES, "malignant", 0.5, min_n=30, n_boot=200)
    a, b = r["groups"]["a"], r["groups"]["b"]
    assert (a["n"], a["n_target"], b["n"], b["n_target"]) == (40, 20, 40, 20)
    assert a["metrics"]["target_sensitivity"]["value"] == 1.0
    assert b["metrics"]["target_sensitivity"]["value"] == 0.5
    assert b["metrics"]["target_specificity"]["value"] == 0.75
    assert b["metrics"]["accuracy"]["value"] == (10 + 15) / 40
    gap = r["gaps"]["target_sensitivity"]
    assert (gap["high"], gap["low"], gap["value"]) == ("a", "b", 0.5)
    assert gap["ci_low"] <= 0.5 <= gap["ci_high"]


def test_intervals_hold_the_truth_and_the_planted_gap_is_flagged() -> None:
    # true sensitivity 0.9 in "x", 0.6 in "y"; specificity 0.8 in both; AUROC not planted
    rng = np.random.default_rng(7)
    n = 1500
    g = rng.choice(["x", "y"], n).astype(object)
    y = (rng.random(n) < 0.4).astype(int)
    sens = np.where(g == "x", 0.9, 0.6)
    called = np.where(y == 1, rng.random(n) < sens, rng.random(n) < 0.2).astype(int)
    r = subgroup_metrics(y, _binary(y, called), g, CLASSES, "malignant", 0.5, n_boot=500, seed=1)
    for name, truth in (("x", 0.9), ("y", 0.6)):
        ci = r["groups"][name]["metrics"]["target_sensitivity"]
        assert ci["ci_low"] <= truth <= ci["ci_high"]
        spec = r["groups"][name]["metrics"]["target_specificity"]
        assert spec["ci_low"] <= 0.8 <= spec["ci_high"]
    gap = r["largest_gap"]
    assert gap["metric"] == "target_sensitivity" and (gap["high"], gap["low"]) == ("x", "y")
    assert gap["significant"] and gap["ci_low"] <= 0.3 <= gap["ci_high"]
    spec_gap = r["gaps"]["target_specificity"]
    assert spec_gap["ci_low"] <= 0.0 and not spec_gap["significant"]


def test_equal_groups_show_no_significant_gap() -> None:
    rng = np.random.default_rng(3)
    n = 900
    g = rng.choice(["f", "m"], n).astype(object)
    y = (rng.random(n) < 0.5).astype(int)
    called = np.where(y == 1, rng.random(n) < 0.8, rng.random(n) < 0.3).astype(int)
    r = subgroup_metrics(y, _binary(y, called), g, CLASSES, "malignant", 0.5, n_boot=400)
    assert r["largest_gap"] is not None and not any(v["significant"] for v in r["gaps"].values())


def test_too_few_rows_or_class_and_unknown_never_in_a_gap() -> None:
    y = np.array([1] * 15 + [0] * 25 + [1] * 5 + [0] * 35 + [0] * 10 + [1] * 50)
    called = y.copy()
    called[40:45] = 0  # group "few-pos" misses its five malignant
    g = np.array(["big"] * 40 + ["few-pos"] * 40 + ["tiny"] * 10 + [UNKNOWN] * 50, dtype=object)
    r = subgroup_metrics(
        y, _binary(y, called), g, CLASSES, "malignant", 0.5, min_n=30, min_class=10, n_boot=100
    )
    assert list(r["groups"]) == ["big", "few-pos", "tiny", UNKNOWN]
    tiny = r["groups"]["tiny"]
    assert tiny["too_few"] and tiny["metrics"] == {} and tiny["n"] == 10
    few = r["groups"]["few-pos"]
    assert not few["too_few"]
    assert few["metrics"]["target_sensitivity"] is None and few["metrics"]["target_auroc"] is None
    assert few["metrics"]["target_specificity"]["value"] == 1.0
    # "unknown" (perfect, 50 rows) is measured but no gap names it; sensitivity has one group left: no gap
    assert r["groups"][UNKNOWN]["metrics"]["target_sensitivity"]["value"] == 1.0
    assert "target_sensitivity" not in r["gaps"]
    assert all(UNKNOWN not in (v["high"], v["low"]) for v in r["gaps"].values())


def test_no_target_compares_balanced_accuracy() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 300)
    proba = rng.dirichlet([1, 1, 1], 300)
    proba[:150, :] = np.eye(3)[y[:150]] * 0.9 + 0.05  # group "good" is nearly perfect
    g = np.array(["good"] * 150 + ["poor"] * 150, dtype=object)
    r = subgroup_metrics(y, proba, g, ["a", "b", "c"], n_boot=200)
    assert set(r["groups"]["good"]["metrics"]) == {"accuracy", "balanced_accuracy"}
    gap = r["largest_gap"]
    assert gap["metric"] == "balanced_accuracy" and gap["high"] == "good" and gap["significant"]


def test_bad_input_raises() -> None:
    with pytest.raises(ValueError, match="lengths differ"):
        subgroup_metrics([0, 1], np.eye(2), ["a"], CLASSES)
    with pytest.raises(ValueError, match="no rows"):
        subgroup_metrics([], np.zeros((0, 2)), [], CLASSES)
    with pytest.raises(ValueError, match="min_n"):
        subgroup_metrics([0, 1], np.eye(2), ["a", "b"], CLASSES, min_n=0)


def test_largest_gap_prefers_an_interval_that_excludes_zero() -> None:
    noisy = {"metric": "target_auroc", "value": 0.4, "ci_low": -0.1, "ci_high": 0.7, "significant": False}
    real = {"metric": "target_specificity", "value": 0.2, "ci_low": 0.1, "ci_high": 0.3, "significant": True}
    assert largest_gap({"a": noisy, "b": real})["metric"] == "target_specificity"
    assert largest_gap({"a": noisy})["metric"] == "target_auroc"
    assert largest_gap({}) is None


def test_summary_resamples_give_summary_with_ci() -> None:
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 200)
    p = rng.dirichlet([1, 1], 200)
    ci = summary_with_ci(y, p, CLASSES, "malignant", 0.5, n_boot=150, seed=4)
    point, values = summary_resamples(y, p, CLASSES, "malignant", 0.5, n_boot=150, seed=4)
    for name in ("accuracy", "target_sensitivity", "target_auroc"):
        assert values[name].shape == (150,)
        assert ci[name]["value"] == point[name]
        lo, hi = np.percentile(values[name][np.isfinite(values[name])], [2.5, 97.5])
        assert math.isclose(ci[name]["ci_low"], lo) and math.isclose(ci[name]["ci_high"], hi)


def test_subsample_is_seeded_and_keeps_order() -> None:
    idx = list(range(100, 200))
    a, b = subsample(idx, 10, seed=5), subsample(idx, 10, seed=5)
    assert a == b and a == sorted(a) and len(set(a)) == 10 and set(a) <= set(idx)
    assert subsample(idx, None) == idx and subsample(idx, 500) == idx


# ------------------------------------------------------------------------------------- report and card
def _result() -> dict:
    from medlens.evaluation.subgroup_report import model_largest_gap

    rng = np.random.default_rng(7)
    n = 600
    y = (rng.random(n) < 0.4).astype(int)
    sex = rng.choice(["female", "male"], n).astype(object)
    age = rng.choice(["<30", "45-59", "75+"], n, p=[0.45, 0.5, 0.05]).astype(object)
    called = np.where(y == 1, rng.random(n) < np.where(sex == "female", 0.95, 0.6), rng.random(n) < 0.2)
    p = _binary(y, called.astype(int))
    attrs = {
        "sex": subgroup_metrics(y, p, sex, CLASSES, "malignant", 0.5, n_boot=100),
        "age": subgroup_metrics(y, p, age, CLASSES, "malignant", 0.5, n_boot=100),
    }
    return {
        "model": "toy", "task": "melanoma", "test_set": "card", "data": "toy rows", "role": "in-source",
        "n": n, "n_target": int(y.sum()), "target": "malignant", "threshold": 0.5, "min_n": 30,
        "min_class": 10, "n_boot": 100, "seed": 0, "attributes": attrs, "largest_gap": model_largest_gap(attrs),
    }  # fmt: skip


def test_report_files_and_flag(tmp_path: Path) -> None:
    from medlens.evaluation.subgroup_report import write_subgroup_report

    result = _result()
    flagged = result["largest_gap"]
    assert flagged["attribute"] == "sex" and flagged["metric"] == "target_sensitivity"
    assert (flagged["high"], flagged["low"]) == ("female", "male")
    md, html = write_subgroup_report(result, tmp_path, "medlens subgroups --model models/toy")
    text = md.read_text()
    assert "sex: sensitivity (target) female vs male" in text
    assert "**← flagged**" in text and "too few" in text  # the 75+ band has ~30 rows at most
    assert "medlens subgroups --model models/toy" in text
    assert (tmp_path / "subgroups.png").stat().st_size > 10_000
    assert "data:image/png;base64," in html.read_text()


def test_card_block_only_adds_metrics_subgroups(tmp_path: Path) -> None:
    from medlens.card import DataInfo, ModelCard, Preprocessing, load_card, sha256_file
    from medlens.evaluation.subgroup_report import card_block, write_card_block

    (tmp_path / "model.onnx").write_bytes(b"not really onnx")
    card = ModelCard(
        name="toy", task="melanoma", backbone="resnet18", classes=CLASSES,
        preprocessing=Preprocessing(input_size=64), data=DataInfo(dataset="toy"),
        weights_sha256=sha256_file(tmp_path / "model.onnx"), metrics={"test": {"accuracy": 0.5}},
    )  # fmt: skip
    card.save(tmp_path)
    before = json.loads((tmp_path / "card.json").read_text())
    result = _result()
    result["attributes"]["sex"]["groups"]["female"]["metrics"]["accuracy"]["ci_low"] = float("nan")
    block = card_block(result, "reports/subgroups-toy/report.md", "medlens subgroups --model x --card")
    assert block["attributes"]["sex"]["groups"]["female"]["metrics"]["accuracy"]["ci_low"] is None
    write_card_block(tmp_path, block)
    after = json.loads((tmp_path / "card.json").read_text())
    assert after["metrics"].pop("subgroups")["largest_gap"]["attribute"] == "sex"
    assert after == before
    assert load_card(tmp_path).metrics["subgroups"]["command"] == "medlens subgroups --model x --card"
