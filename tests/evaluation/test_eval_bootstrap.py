"""Bootstrap confidence intervals."""

from __future__ import annotations

import math

import numpy as np
import pytest

from medlens.evaluation import metrics as m
from medlens.evaluation.bootstrap import MAIN_METRICS, TARGET_METRICS, bootstrap_ci, summary_with_ci


def _case(rng: np.random.Generator, n: int, c: int) -> tuple[np.ndarray, np.ndarray]:
    y = rng.integers(0, c, n)
    z = rng.normal(size=(n, c))
    z[np.arange(n), y] += 1.2
    p = np.exp(z)
    return y, p / p.sum(1, keepdims=True)


def test_ci_contains_point_and_narrows_with_n(rng: np.random.Generator) -> None:
    widths = []
    for n in (100, 2000):
        y, p = _case(rng, n, 3)
        point, lo, hi = bootstrap_ci(m.accuracy, y, p.argmax(1), n_boot=300, seed=1)
        assert point == m.accuracy(y, p.argmax(1))
        assert lo <= point <= hi
        widths.append(hi - lo)
    assert widths[1] < widths[0] / 2  # ~ 1/sqrt(n): 4.5x narrower expected


def test_ci_is_reproducible_and_seed_dependent(rng: np.random.Generator) -> None:
    y, p = _case(rng, 300, 2)
    a = bootstrap_ci(m.roc_auc, y, p[:, 1], n_boot=200, seed=3)
    b = bootstrap_ci(m.roc_auc, y, p[:, 1], n_boot=200, seed=3)
    c = bootstrap_ci(m.roc_auc, y, p[:, 1], n_boot=200, seed=4)
    assert a == b
    assert a[1:] != c[1:]
    assert bootstrap_ci(m.roc_auc, y, p[:, 1], n_boot=200, seed=np.random.default_rng(3)) == a


def test_undefined_resamples_are_skipped() -> None:
    y = np.array([0] * 29 + [1])  # one positive: many resamples have none -> AUROC nan
    s = np.linspace(0, 1, 30)
    point, lo, hi = bootstrap_ci(m.roc_auc, y, s, n_boot=200, seed=0)
    assert point == 1.0 and lo == hi == 1.0
    point, lo, hi = bootstrap_ci(m.roc_auc, np.zeros(10, int), s[:10], n_boot=50)
    assert math.isnan(point) and math.isnan(lo) and math.isnan(hi)


def test_bootstrap_rejects_mismatched_rows() -> None:
    with pytest.raises(ValueError, match="different numbers of rows"):
        bootstrap_ci(m.accuracy, np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="alpha"):
        bootstrap_ci(m.accuracy, np.zeros(3), np.zeros(3), alpha=1.5)


@pytest.mark.parametrize(("c", "ties"), [(2, False), (4, False), (3, True)])
def test_summary_with_ci_matches_generic_bootstrap(rng: np.random.Generator, c: int, ties: bool) -> None:
    """The vectorised resampling gives exactly the intervals of the generic loop (same resamples)."""
    y, p = _case(rng, 150, c)
    if ties:
        p = np.round(p, 1)  # many tied scores
    classes = [f"c{k}" for k in range(c)]
    out = summary_with_ci(y, p, classes, target=1, threshold=0.4, n_boot=120, seed=7)
    assert set(out) == set(MAIN_METRICS) | set(TARGET_METRICS)
    yhat = p.argmax(1)
    checks = {
        "accuracy": (m.accuracy, (y, yhat)),
        "balanced_accuracy": (m.balanced_accuracy, (y, yhat)),
        "f1_macro": (lambda a, b: m.precision_recall_f1(a, b, c)["f1_macro"], (y, yhat)),
        "kappa_quadratic": (lambda a, b: m.cohen_kappa(a, b, "quadratic", n_classes=c), (y, yhat)),
        "mcc": (m.mcc, (y, yhat)),
        "auroc_macro": (m.roc_auc, (y, p)),
        "ece": (m.expected_calibration_error, (y, p)),
        "brier": (m.brier_score_multiclass, (y, p)),
        "log_loss": (m.log_loss, (y, p)),
        "target_auroc": (m.roc_auc, ((y == 1).astype(int), p[:, 1])),
        "target_average_precision": (m.average_precision, ((y == 1).astype(int), p[:, 1])),
        "target_sensitivity": (
            lambda a, b: m.sensitivity_specificity(a, b)[0],
            ((y == 1).astype(int), (p[:, 1] >= 0.4).astype(int)),
        ),
    }
    for name, (fn, arrays) in checks.items():
        point, lo, hi = bootstrap_ci(fn, *arrays, n_boot=120, seed=7)
        got = out[name]
        assert got["value"] == pytest.approx(point), name
        assert got["ci_low"] == pytest.approx(lo), name
        assert got["ci_high"] == pytest.approx(hi), name
        if name != "ece":  # ECE is biased upwards under resampling: its interval may sit above the point
            assert got["ci_low"] <= got["value"] <= got["ci_high"], name


def test_summary_with_ci_on_a_large_split_gives_narrow_intervals(rng: np.random.Generator) -> None:
    """Its speed is measured by benchmarks/bootstrap_speed.py (a timing is not a unit test)."""
    y, p = _case(rng, 10_000, 7)
    out = summary_with_ci(y, p, list("abcdefg"), target="e", n_boot=1000, seed=0)
    assert out["auroc_macro"]["ci_high"] - out["auroc_macro"]["ci_low"] < 0.02
