"""Tiny real runs on the DermNet subset: a teacher, MixUp/CutMix, and a distilled student with the
confidence curriculum (``--teacher``/``--curriculum`` through the CLI)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medlens.cli.main import app


def _dermnet(shared_data: Path) -> Path:
    root = shared_data / "dermnet_subset"
    if not root.is_dir():
        pytest.skip(f"{root} not found")
    return root


def _train_args(root: Path, max_train: int) -> list[str]:
    """A 1-epoch 32 px herpes-zoster run on ``max_train`` training photos (the tail is 6 run options)."""
    return [
        *("train", "--task", "herpes-zoster", "--dataset", "dermnet-zoster", "--data-root", str(root)),
        *("--split", "grouped-dedup", "--input-size", "32", "--epochs", "1", "--batch-size", "32"),
        *("--max-train-samples", str(max_train)),
        *("--no-progress", "--threads", "1", "--n-boot", "50", "--cache-dir", ""),
    ]


@pytest.mark.slow
def test_teacher_mix_and_distilled_student(shared_data: Path, tmp_path: Path) -> None:
    common = _train_args(_dermnet(shared_data), 96)
    runner = CliRunner()
    teacher = tmp_path / "teacher"
    res = runner.invoke(app, [*common, "--out", str(teacher), "--mix", "mixup-cutmix"])
    assert res.exit_code == 0, res.output
    student = tmp_path / "student"
    res = runner.invoke(
        app,
        [
            *common,
            "--out",
            str(student),
            "--teacher",
            str(teacher),
            "--teacher",
            str(teacher),
            "--curriculum",
            "confidence",
        ],
    )
    assert res.exit_code == 0, res.output
    cfg = json.loads((student / "config.json").read_text())
    assert cfg["teacher"] == [str(teacher), str(teacher)] and cfg["curriculum"] == "confidence"
    assert json.loads((student / "metrics.json").read_text())["test"]["accuracy"]["value"] >= 0
    res = runner.invoke(app, [*common, "--out", str(tmp_path / "bad"), "--curriculum", "confidence"])
    assert res.exit_code != 0 and "needs --teacher" in str(res.exception)
    other = [
        *common[:-6],
        "--seed",
        "1",
        "--no-progress",
        "--threads",
        "1",
        "--n-boot",
        "50",
        "--cache-dir",
        "",
    ]
    res = runner.invoke(app, [*other, "--out", str(tmp_path / "s2"), "--teacher", str(teacher)])
    assert res.exit_code != 0 and "another split" in str(res.exception)


@pytest.mark.slow
def test_student_distilled_from_an_exported_bundle(shared_data: Path, tmp_path: Path) -> None:
    """``--teacher BUNDLE``: soft targets from the served ONNX model (its preprocessing, flips and temperature),
    refused when the bundle's card records another split."""
    import numpy as np

    from medlens.data import create_dataset
    from medlens.serving import Predictor
    from medlens.training import kd
    from medlens.training.config import TrainConfig
    from medlens.training.prepare import make_manifest

    common = _train_args(_dermnet(shared_data), 64)
    runner = CliRunner()
    run = tmp_path / "teacher-run"
    assert runner.invoke(app, [*common, "--out", str(run), "--tta", "hflip"]).exit_code == 0
    bundle = tmp_path / "teacher-bundle"
    res = runner.invoke(app, ["export", str(run), "--out", str(bundle), "--latency-runs", "5"])
    assert res.exit_code == 0, res.output
    card = json.loads((bundle / "card.json").read_text())

    # the soft targets are the served model's logits over its temperature, on the student's photos
    cfg = TrainConfig.load(run / "config.json")
    sample_set = create_dataset(cfg.dataset, Path(cfg.data_root))
    fingerprint = make_manifest(cfg, sample_set).fingerprint
    assert card["data"]["fingerprint"] == fingerprint
    idx = list(range(5))
    served = Predictor.from_card(bundle).logits_batch([sample_set.samples[i].load_image() for i in idx])
    got = kd.teacher_logits([str(bundle)], fingerprint, idx, sample_set)
    assert got.shape == (1, 5, len(card["classes"]))
    np.testing.assert_allclose(got[0], served / card["temperature"], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="another split"):
        kd.teacher_logits([str(bundle)], "0" * 64, idx, sample_set)

    student = tmp_path / "student"
    res = runner.invoke(app, [*common, "--out", str(student), "--teacher", str(bundle)])
    assert res.exit_code == 0, res.output
    assert json.loads((student / "config.json").read_text())["teacher"] == [str(bundle)]
