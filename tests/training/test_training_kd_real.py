"""Tiny real runs on the DermNet subset: a teacher, MixUp/CutMix, and a distilled student with the
confidence curriculum (``--teacher``/``--curriculum`` through the CLI)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medlens.cli.main import app


@pytest.mark.slow
def test_teacher_mix_and_distilled_student(shared_data: Path, tmp_path: Path) -> None:
    root = shared_data / "dermnet_subset"
    if not root.is_dir():
        pytest.skip(f"{root} not found")
    common = [
        "train",
        "--task",
        "herpes-zoster",
        "--dataset",
        "dermnet-zoster",
        "--data-root",
        str(root),
        "--split",
        "grouped-dedup",
        "--input-size",
        "32",
        "--epochs",
        "1",
        "--batch-size",
        "32",
        "--max-train-samples",
        "96",
        "--no-progress",
        "--threads",
        "1",
        "--n-boot",
        "50",
        "--cache-dir",
        "",
    ]
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
