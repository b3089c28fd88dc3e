"""Kill ``medlens train`` after its first epoch checkpoint, resume, and check epochs continue."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch


def _cmd(npz: Path, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-c",
        "from medlens.cli.main import app; app()",
        "train",
        "--task",
        "chest-xray",
        "--dataset",
        "medmnist",
        "--data-root",
        str(npz),
        "--out",
        str(out),
        "--pretrained",
        "lite0-imagenet",
        "--input-size",
        "28",
        "--epochs",
        "3",
        "--batch-size",
        "32",
        "--max-train-samples",
        "192",
        "--preset",
        "none",
        "--cache-dir",
        "",
        "--no-progress",
        "--threads",
        "1",
        *extra,
    ]


@pytest.mark.slow
def test_resume_after_kill(shared_data: Path, tmp_path: Path) -> None:
    npz = shared_data / "pneumoniamnist" / "pneumoniamnist.npz"
    if not npz.is_file():
        pytest.skip(f"{npz} not found")
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(_cmd(npz, out), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    last = out / "last.pt"
    deadline = time.monotonic() + 240
    try:
        while not last.is_file():
            assert proc.poll() is None, "training ended before writing last.pt"
            assert time.monotonic() < deadline, "no last.pt after 240 s"
            time.sleep(0.2)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    killed = torch.load(last, map_location="cpu", weights_only=False)
    assert killed["epoch"] < 2, "the run finished before it could be killed"
    first_epochs = killed["history"]

    done = subprocess.run(_cmd(npz, out, "--resume"), env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    history = json.loads((out / "history.json").read_text())
    assert [row["epoch"] for row in history] == [0, 1, 2]
    # the epochs trained before the kill are kept as they were, not retrained
    for before, after in zip(first_epochs, history, strict=False):
        assert after["train_loss"] == pytest.approx(before["train_loss"])
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["run"]["resumed_from_epoch"] == killed["epoch"] + 1
    assert metrics["run"]["epochs_run"] == 3
