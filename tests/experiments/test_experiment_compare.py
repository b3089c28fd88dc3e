"""Paired bootstrap of a metric difference, the Pareto front, and the subset protocol."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from medlens.evaluation.metrics import accuracy
from medlens.experiments.compare import paired_difference
from medlens.experiments.plots import pareto_front, plot_pareto
from medlens.experiments.protocol import apply_protocol
from medlens.experiments.spec import ExperimentError
from medlens.experiments.table import TrialRow

from .conftest import make_folder


def _probs(y: np.ndarray, flip: np.ndarray) -> np.ndarray:
    pred = np.where(flip, 1 - y, y)
    return np.stack([1.0 - 0.8 * pred - 0.1, 0.8 * pred + 0.1], axis=1)


def test_paired_difference_of_a_better_model_is_positive_and_excludes_zero() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    good = _probs(y, rng.random(400) < 0.05)
    bad = _probs(y, rng.random(400) < 0.30)
    d = paired_difference((y, good, "f"), (y, bad, "f"), ("accuracy",), n_boot=300)["accuracy"]
    assert d["value"] == pytest.approx(accuracy(y, good.argmax(1)) - accuracy(y, bad.argmax(1)))
    assert 0 < d["ci_low"] < d["value"] < d["ci_high"]


def test_paired_difference_is_exactly_zero_for_the_same_predictions() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 200)
    p = _probs(y, rng.random(200) < 0.2)
    d = paired_difference((y, p, "f"), (y, p, "f"), ("accuracy", "auroc_macro"), n_boot=100)
    assert d["accuracy"] == {"value": 0.0, "ci_low": 0.0, "ci_high": 0.0}
    assert d["auroc_macro"]["ci_low"] == d["auroc_macro"]["ci_high"] == 0.0


def test_paired_difference_refuses_other_test_images() -> None:
    y = np.array([0, 1, 0, 1])
    p = _probs(y, np.zeros(4, bool))
    assert "skipped" in paired_difference((y, p, "a"), (y, p, "b"))
    assert "skipped" in paired_difference((y, p, "a"), (1 - y, p, "a"))


def test_pareto_front_keeps_the_undominated_points() -> None:
    pts = [(1.0, 0.80), (2.0, 0.90), (3.0, 0.85), (0.5, 0.70), (2.0, 0.88)]
    assert pareto_front(pts) == [3, 0, 1]


def test_subset_protocol_draws_the_counts_deterministically(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "src", n_per_class=10, size=16)
    base = {"dataset": "imagefolder", "data_root": str(root)}
    protocol = {"name": "subset", "counts": {"benign": 6, "malignant": 2}, "seed": 3}
    a = apply_protocol(protocol, base, tmp_path / "a")
    b = apply_protocol(protocol, base, tmp_path / "b")
    files_a = sorted(p.name for p in Path(a["data_root"]).rglob("*.png"))
    assert len(list((Path(a["data_root"]) / "benign").iterdir())) == 6
    assert len(list((Path(a["data_root"]) / "malignant").iterdir())) == 2
    assert files_a == sorted(p.name for p in Path(b["data_root"]).rglob("*.png"))
    with pytest.raises(ExperimentError, match="has 10 images, 11 asked"):
        apply_protocol({"name": "subset", "counts": {"benign": 11}}, base, tmp_path / "c")
    with pytest.raises(ExperimentError, match="unknown protocol"):
        apply_protocol({"name": "nope"}, base, tmp_path / "d")


def test_crowded_scatter_points_get_numbers_and_a_key() -> None:
    from matplotlib.figure import Figure

    from medlens.experiments.plots import _label_points

    few, many = Figure().subplots(), Figure().subplots()
    _label_points(few, ["a", "b"], [0.1, 0.2], [0.3, 0.4])
    assert [t.get_text() for t in few.texts] == ["a", "b"]  # few points: their names, no key
    names = [f"trial-{i}" for i in range(12)]
    _label_points(many, names, list(range(12)), list(range(12)))
    labels = [t.get_text() for t in many.texts]
    assert labels[:12] == [str(i) for i in range(1, 13)]  # numbers at the points
    key = labels[12].splitlines()
    assert len(key) == 12 and key[0].split() == ["1", "trial-0"] and key[-1].split() == ["12", "trial-11"]


def test_pareto_plot_needs_two_latencies(tmp_path: Path) -> None:
    def row(name: str, acc: float, ms: float) -> TrialRow:
        return TrialRow(name, "done", test={"accuracy": {"value": acc}}, profile={"latency_ms": ms})

    path = tmp_path / "pareto.png"
    assert plot_pareto([row("a", 0.9, 2.0), row("b", 0.92, 3.5)], "accuracy", path) == path
    assert path.stat().st_size > 1000
    # one architecture: one latency, no trade-off; the plot left from an earlier table is removed
    assert plot_pareto([row("a", 0.9, 2.0), row("b", 0.92, 2.0)], "accuracy", path) is None
    assert not path.exists()
