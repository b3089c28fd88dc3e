"""The promotion rule on a paired bootstrap (reusing ``experiments.compare.paired_difference``), and the
candidate's training arguments built from its parent's card."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from medlens.experiments.compare import paired_difference
from medlens.retrain.compare import compare_probabilities, not_worse


def _probs(y: np.ndarray, correct: np.ndarray) -> np.ndarray:
    """Two-class probabilities right (0.8 on the true class) where ``correct``, wrong elsewhere."""
    p1 = np.where(correct, np.where(y == 1, 0.8, 0.2), np.where(y == 1, 0.2, 0.8))
    return np.stack([1 - p1, p1], axis=1)


@pytest.fixture
def y() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 2, 400)


def test_identical_models_are_not_worse_with_a_zero_interval(y: np.ndarray):
    p = _probs(y, np.random.default_rng(1).random(400) < 0.8)
    out = compare_probabilities(y, p, p, "fp", margin=0.0, n_boot=200)
    assert out["not_worse"] is True and out["n_test"] == 400 and out["margin"] == 0.0
    for d in out["difference"].values():
        assert d["value"] == d["ci_low"] == d["ci_high"] == 0.0
    assert out["metrics"]["accuracy"]["candidate"] == out["metrics"]["accuracy"]["current"]


def test_a_clearly_worse_candidate_is_refused_and_a_better_one_allowed(y: np.ndarray):
    rng = np.random.default_rng(2)
    good = _probs(y, rng.random(400) < 0.9)
    bad = _probs(y, rng.random(400) < 0.6)
    worse = compare_probabilities(y, bad, good, n_boot=300)
    assert worse["not_worse"] is False and worse["difference"]["accuracy"]["ci_high"] < 0
    better = compare_probabilities(y, good, bad, n_boot=300)
    assert better["not_worse"] is True and better["difference"]["accuracy"]["ci_low"] > 0
    # the interval is paired_difference's own (same resamples), not a second bootstrap
    ref = paired_difference((y, good, ""), (y, bad, ""), metrics=("accuracy", "auroc_macro"), n_boot=300)
    assert better["difference"] == ref


def test_margin_decides_a_small_loss(y: np.ndarray):
    rng = np.random.default_rng(3)
    correct = rng.random(400) < 0.85
    slightly = correct.copy()
    slightly[np.flatnonzero(correct)[:6]] = False  # 6 of 400 more errors: -1.5 points of accuracy
    a, b = _probs(y, slightly), _probs(y, correct)
    assert compare_probabilities(y, a, b, margin=0.0, n_boot=300)["not_worse"] is False
    assert compare_probabilities(y, a, b, margin=0.05, n_boot=300)["not_worse"] is True
    with pytest.raises(ValueError, match="margin"):
        compare_probabilities(y, a, b, margin=-0.1)


def test_undefined_or_skipped_intervals_never_promote():
    assert not_worse({"skipped": "different test split"}, 1.0) is False
    assert not_worse({}, 1.0) is False
    assert not_worse({"auroc_macro": {"value": 0.0, "ci_low": float("nan"), "ci_high": 0.0}}, 1.0) is False
    assert not_worse({"accuracy": {"value": 0.0, "ci_low": -0.01, "ci_high": 0.01}}, 0.02) is True


def _card(command: str, heads: dict | None = None):  # type: ignore[no-untyped-def]
    from medlens.card import DataInfo, ModelCard, Preprocessing

    return ModelCard(
        name="melanoma",
        task="melanoma",
        backbone="resnet18",
        classes=["benign", "malignant"],
        heads=heads or {},
        preprocessing=Preprocessing(input_size=32),
        data=DataInfo(dataset="x", fingerprint="f"),
        training_command=command,
    )


def test_candidate_args_rerun_the_parents_command_with_the_dataset(tmp_path: Path):
    from medlens.retrain.candidate import CandidateError, candidate_args
    from medlens.retrain.dataset import DatasetVersion

    data = tmp_path / "data"
    data.mkdir()
    ds = DatasetVersion("melanoma", 3, tmp_path / "ds" / "v3", {"classes": ["benign", "malignant"]})
    cmd = f"medlens train --task melanoma --dataset imagefolder --data-root {data} --out runs/a --epochs 4"
    args = candidate_args(_card(cmd + " && medlens export runs/a"), ds, tmp_path / "run", ["--epochs", "1"])
    assert args[:10] == [
        "--task",
        "melanoma",
        "--dataset",
        "imagefolder",
        "--data-root",
        str(data),
        "--out",
        "runs/a",
        "--epochs",
        "4",
    ]
    tail = args[10:]
    assert tail[tail.index("--extra-train") + 1] == str(ds.path)
    assert tail[tail.index("--out") + 1] == str(tmp_path / "run") and tail[-2:] == [
        "--epochs",
        "1",
    ]  # later wins
    with pytest.raises(CandidateError, match="heads"):
        candidate_args(_card(cmd, {"a": ["0", "1"]}), ds, tmp_path / "run")
    with pytest.raises(CandidateError, match="not a `medlens train`"):
        candidate_args(_card("python train.py"), ds, tmp_path / "run")
    other = DatasetVersion("melanoma", 1, tmp_path, {"classes": ["a", "b"]})
    with pytest.raises(CandidateError, match="classes"):
        candidate_args(_card(cmd), other, tmp_path / "run")


def test_config_from_args_later_options_win(tmp_path: Path):
    from medlens.cli.train import config_from_args

    data = tmp_path / "d"
    args = [
        "--task",
        "melanoma",
        "--dataset",
        "imagefolder",
        "--data-root",
        str(data),
        "--out",
        str(tmp_path / "r"),
    ]
    config = config_from_args([*args, "--epochs", "4", "--extra-train", "/ds/v1", "--epochs", "1"])
    assert config.epochs == 1 and config.extra_train == ["/ds/v1"] and config.task == "melanoma"
    assert config.command.startswith("medlens train --task melanoma")
