"""In-source / cross-source metrics: per-source summaries, per-class rates, paired differences."""

from __future__ import annotations

import numpy as np
import pytest

from medlens.evaluation.bootstrap import summary_with_ci
from medlens.evaluation.cross_source import (
    cross_source_table,
    metrics_by_source,
    paired_difference,
    per_class_rates,
    specificity_at_recall,
)
from medlens.evaluation.metrics import roc_auc

CLASSES = ["benign", "malignant"]


def _data(rng: np.random.Generator, n: int = 300):
    y = rng.integers(0, 2, n)
    score = np.clip(0.35 * y + rng.normal(0.35, 0.2, n), 0, 1)
    proba = np.stack([1 - score, score], axis=1)
    src = np.where(np.arange(n) < n // 2, "a", "b")
    return y, proba, src


def test_metrics_by_source_equals_the_summary_of_each_subset(rng) -> None:
    y, proba, src = _data(rng)
    out = metrics_by_source(y, proba, src, CLASSES, "malignant", 0.5, n_boot=200)
    assert set(out) == {"a", "b", "all"}
    for name in ("a", "b"):
        m = src == name
        ref = summary_with_ci(y[m], proba[m], CLASSES, target="malignant", threshold=0.5, n_boot=200)
        assert out[name]["n"] == int(m.sum())
        assert out[name]["n_target"] == int(y[m].sum())
        assert out[name]["metrics"]["target_auroc"] == ref["target_auroc"]
    assert out["all"]["n"] == len(y)
    one = metrics_by_source(y, proba, ["a"] * len(y), CLASSES, "malignant", 0.5, n_boot=200)
    assert set(one) == {"a"}  # no pooled row when there is one source
    with pytest.raises(ValueError, match="lengths differ"):
        metrics_by_source(y, proba, src[:-1], CLASSES, "malignant", 0.5)


def test_per_class_rates_by_hand() -> None:
    orig = np.array(["mel", "mel", "mel", "nv", "nv", "nv", "nv", "bkl", "bkl"])
    y_bin = (orig == "mel").astype(int)
    score = np.array([0.9, 0.8, 0.3, 0.1, 0.2, 0.85, 0.4, 0.95, 0.5])
    out = per_class_rates(orig, y_bin, score, threshold=0.5, n_boot=200)
    assert out["mel"]["target"] and out["mel"]["called_target"]["value"] == pytest.approx(2 / 3)
    assert out["nv"]["called_target"]["value"] == pytest.approx(1 / 4)
    assert out["bkl"]["called_target"]["value"] == pytest.approx(1.0)
    m = (orig == "mel") | (orig == "nv")
    assert out["nv"]["auroc_vs_target"]["value"] == pytest.approx(roc_auc(y_bin[m], score[m]))
    assert "auroc_vs_target" not in out["mel"]


def test_specificity_at_recall_counts_the_chosen_negatives() -> None:
    y = np.array([1, 1, 1, 1, 0, 0, 0, 0])
    score = np.array([0.9, 0.8, 0.7, 0.2, 0.75, 0.3, 0.1, 0.05])
    r = specificity_at_recall(y, score, 0.75)
    assert r["threshold"] == pytest.approx(0.7) and r["recall"] == pytest.approx(0.75)
    assert r["specificity"] == pytest.approx(3 / 4)
    only_first = np.array([False, False, False, False, True, False, False, False])
    assert specificity_at_recall(y, score, 0.75, negatives=only_first)["specificity"] == 0.0


def test_paired_difference_is_zero_for_the_same_scores_and_positive_for_a_better_model(rng) -> None:
    y, proba, _ = _data(rng)
    same = paired_difference(y, proba[:, 1], proba[:, 1], n_boot=200)
    assert same == {"value": 0.0, "ci_low": 0.0, "ci_high": 0.0}
    better = np.where(y == 1, proba[:, 1] + 0.3, proba[:, 1])
    d = paired_difference(y, better, proba[:, 1], n_boot=200)
    assert d["value"] == pytest.approx(roc_auc(y, better) - roc_auc(y, proba[:, 1]))
    assert d["ci_low"] > 0


def test_cross_source_table_has_one_row_per_model_and_source(rng) -> None:
    y, proba, src = _data(rng)
    res = metrics_by_source(y, proba, src, CLASSES, "malignant", 0.5, n_boot=100)
    for name, role in (("a", "in-source"), ("b", "cross-source")):
        res[name]["role"] = role
    text = cross_source_table({"m1": {k: res[k] for k in ("a", "b")}})
    lines = text.splitlines()
    assert len(lines) == 4 and "| m1 | b | cross-source | 150 |" in lines[3]
