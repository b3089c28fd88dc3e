"""A short real training run on PneumoniaMNIST (official val/test) and the run folder it writes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from medlens.training import TrainConfig
from medlens.training.run import evaluate_run, run_training


@pytest.fixture(scope="module")
def run_dir(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    npz = shared_data / "pneumoniamnist" / "pneumoniamnist.npz"
    if not npz.is_file():
        pytest.skip(f"{npz} not found")
    out = tmp_path_factory.mktemp("run") / "pneumonia"
    config = TrainConfig(
        task="chest-xray",
        dataset="medmnist",
        data_root=str(npz),
        out=str(out),
        backbone="tf_efficientnet_lite0",
        pretrained="lite0-imagenet",
        input_size=32,
        epochs=2,
        batch_size=64,
        lr=2e-3,
        preset="xray",
        max_train_samples=768,
        tta=["hflip"],
        cache_dir=None,
        progress=False,
        n_boot=200,
        patience=5,
        command="pytest tests/training/test_training_real.py",
    )
    return run_training(config)


@pytest.mark.slow
def test_beats_chance_on_official_test(run_dir: Path) -> None:
    metrics = json.loads((run_dir / "metrics.json").read_text())
    test = metrics["test"]
    # chance: AUROC 0.5; majority-class accuracy on the official test split is 390/624 = 0.625
    assert test["auroc_macro"]["value"] >= 0.80
    assert test["accuracy"]["value"] >= 0.70
    assert test["auroc_macro"]["ci_low"] <= test["auroc_macro"]["value"] <= test["auroc_macro"]["ci_high"]
    assert metrics["run"]["n_test"] == 624 and metrics["run"]["n_val"] == 524


@pytest.mark.slow
def test_run_folder_contents(run_dir: Path) -> None:
    for name in (
        "config.json",
        "split.json",
        "leakage_audit.json",
        "best.pt",
        "last.pt",
        "history.json",
        "val_logits.npy",
        "val_labels.npy",
        "test_logits.npy",
        "test_labels.npy",
        "metrics.json",
        "report.md",
        "report.html",
        "confusion_matrix.png",
        "roc.png",
        "pr.png",
        "learning_curves.png",
        "reliability.png",
    ):
        assert (run_dir / name).is_file(), name
    metrics = json.loads((run_dir / "metrics.json").read_text())
    op = metrics["operating_point"]
    assert op["target_class"] == "pneumonia" and op["val_recall"] >= op["target_recall"]
    assert metrics["temperature"] > 0 and metrics["ood"]["method"] == "energy"
    assert np.load(run_dir / "test_logits.npy").shape == (624, 2)
    config = json.loads((run_dir / "config.json").read_text())
    assert config["mean"] == [0.5, 0.5, 0.5] and config["classes"] == ["normal", "pneumonia"]
    assert "pytest" in (run_dir / "report.md").read_text()


@pytest.mark.slow
def test_evaluate_reproduces_metrics(run_dir: Path) -> None:
    before = json.loads((run_dir / "metrics.json").read_text())
    after = evaluate_run(run_dir)
    for name in ("auroc_macro", "accuracy", "balanced_accuracy"):
        assert after["test"][name]["value"] == pytest.approx(before["test"][name]["value"], abs=1e-6)
    assert after["temperature"] == pytest.approx(before["temperature"], rel=1e-4)
