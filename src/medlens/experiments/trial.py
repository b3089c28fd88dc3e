"""One trial of an experiment = one ordinary run folder (``run_training``), run inside a Ray worker.

Done means the folder has ``metrics.json``. A trial that was killed mid-training resumes from its
``last.pt``; a trial that raised writes ``error.txt`` (and Ray Tune records the failure).
"""

from __future__ import annotations

import json
import time
import traceback
from pathlib import Path
from typing import Any

__all__ = ["is_done", "run_trial", "trial_summary"]


def is_done(run_dir: Path) -> bool:
    return (Path(run_dir) / "metrics.json").is_file()


def trial_summary(run_dir: Path) -> dict[str, float]:
    """Flat test metrics (point values) and train time of a finished run folder, for Tune's table."""
    metrics = json.loads((Path(run_dir) / "metrics.json").read_text())
    out = {f"test_{k}": float(v["value"]) for k, v in metrics.get("test", {}).items()}
    out["train_time_s"] = float(metrics.get("run", {}).get("train_time_s", float("nan")))
    return out


def run_trial(config: dict[str, Any]) -> dict[str, float]:
    """Train (or resume) the run folder ``config['out']`` and return its flat test metrics."""
    import torch

    from medlens.training.config import TrainConfig
    from medlens.training.run import run_training

    out = Path(config["out"])
    if is_done(out):
        return trial_summary(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "error.txt").unlink(missing_ok=True)
    train_config = TrainConfig(**config)
    torch.manual_seed(train_config.seed)  # entry point of this process: dropout etc. seeded here
    t0 = time.perf_counter()
    try:
        run_training(train_config, resume=(out / "last.pt").is_file())
    except BaseException:
        (out / "error.txt").write_text(traceback.format_exc())
        raise
    summary = trial_summary(out)
    summary["trial_wall_s"] = time.perf_counter() - t0
    return summary
