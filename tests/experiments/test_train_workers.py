"""``medlens train --workers N``: sharding, gradient averaging (2 gloo processes) and a 2-worker Ray
Train run that matches a 1-worker run within noise on a small synthetic set."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from medlens.training.config import TrainConfig
from medlens.training.distributed import DataParallel
from medlens.training.prepare import PreparedData

from .conftest import make_folder


def test_shards_are_disjoint_equal_and_cover_the_split() -> None:
    data = PreparedData(
        sample_set=None,  # type: ignore[arg-type]
        manifest=None,  # type: ignore[arg-type]
        indices={"train": list(range(11))},
        images={"train": np.arange(11), "val": np.arange(3)},
        targets={"train": np.arange(11) % 2, "val": np.zeros(3)},
    )
    shards = [DataParallel(r, 3).shard(data) for r in range(3)]
    assert [len(s.images["train"]) for s in shards] == [3, 3, 3]
    assert sorted(np.concatenate([s.images["train"] for s in shards]).tolist()) == list(range(9))
    assert all(s.images["val"] is data.images["val"] for s in shards)
    config = TrainConfig(task="melanoma", dataset="imagefolder", data_root="x", out="y", batch_size=64)
    assert DataParallel(0, 3).loader_config(config).batch_size == 21
    assert config.batch_size == 64


def _worker(rank: int, port: int, out: str) -> None:
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=2)
    torch.manual_seed(rank)  # different initial weights: rank 0's must win
    model = torch.nn.Linear(3, 1)
    DataParallel(rank, 2).prepare_model(model)
    x = torch.full((1, 3), float(rank + 1))
    model(x).sum().backward()  # grad of weight = x: 1 on rank 0, 2 on rank 1 -> mean 1.5
    torch.save({"w": model.weight.detach(), "g": model.weight.grad}, f"{out}/rank{rank}.pt")
    dist.destroy_process_group()


def test_gradients_are_averaged_and_weights_broadcast(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mp.spawn(_worker, args=(port, str(tmp_path)), nprocs=2, join=True)
    r0, r1 = (torch.load(tmp_path / f"rank{r}.pt") for r in (0, 1))
    assert torch.equal(r0["w"], r1["w"])
    assert torch.allclose(r0["g"], torch.full((1, 3), 1.5)) and torch.allclose(r1["g"], r0["g"])


def _train(root: Path, out: Path, workers: int) -> dict:
    """A tiny run; no augmentation, whose draws differ with the sharding, so that only the data-parallel
    training itself separates the 1- and 2-worker runs."""
    cmd = [
        sys.executable, "-c", "from medlens.cli.main import app; app()", "train",
        "--task", "melanoma", "--dataset", "imagefolder", "--data-root", str(root), "--out", str(out),
        "--backbone", "resnet10t", "--pretrained", "none", "--input-size", "32", "--epochs", "4",
        "--batch-size", "16", "--lr", "3e-3", "--drop-rate", "0", "--preset", "none", "--cache-dir", "",
        "--no-progress",
        "--threads", "1", "--n-boot", "200", "--workers", str(workers),
    ]  # fmt: skip
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "MPLBACKEND": "Agg", "RAY_USAGE_STATS_ENABLED": "0"}
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return json.loads((out / "metrics.json").read_text())


@pytest.mark.slow
def test_two_ray_train_workers_match_one_worker_within_noise(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    root = make_folder(tmp_path / "images", n_per_class=60)
    one = _train(root, tmp_path / "one", 1)
    two = _train(root, tmp_path / "two", 2)
    assert two["run"]["workers"] == 2 and one["run"]["workers"] == 1
    assert two["run"]["n_test"] == one["run"]["n_test"] == 18  # same split, evaluated once (rank 0)
    a, b = one["test"]["target_auroc"]["value"], two["test"]["target_auroc"]["value"]
    assert min(a, b) >= 0.8, (a, b)  # both learned the dark blob
    for m in ("accuracy", "target_auroc"):  # 18 test images: a 95% CI is about +-0.2 wide
        a, b = one["test"][m]["value"], two["test"][m]["value"]
        assert abs(a - b) <= 0.2, (m, a, b)
    hist = json.loads((tmp_path / "two" / "history.json").read_text())
    assert len(hist) == 4 and hist[-1]["train_loss"] < hist[0]["train_loss"]
