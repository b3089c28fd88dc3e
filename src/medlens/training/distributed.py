"""Data-parallel training on Ray Train (``TorchTrainer``, gloo on CPU): ``medlens train --workers N``.

Each worker runs the ordinary :func:`~medlens.training.run.run_training` with a :class:`DataParallel`
hook: the training split is sharded across workers (rank ``r`` takes every N-th image from ``r``; at most N-1 images are left out so that every
worker runs the same number of steps), the
per-worker batch is ``batch_size // N`` so the global batch and the steps per epoch match one worker,
the initial weights are broadcast from rank 0 and every gradient is averaged over the workers
(all-reduce as soon as it is accumulated). Validation and test are not sharded: every rank sees the
same validation metrics, so model selection and early stopping agree. Only rank 0 writes the run
folder and evaluates; the others train in a scratch folder that is deleted afterwards.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch import nn

from medlens.data.transforms import stream_seed
from medlens.training.config import TrainConfig
from medlens.training.prepare import PreparedData

__all__ = ["DataParallel", "run_training_distributed"]

log = logging.getLogger(__name__)


@dataclasses.dataclass
class DataParallel:
    """What one worker of a data-parallel run changes in ``run_training``."""

    rank: int
    world_size: int

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def shard(self, data: PreparedData) -> PreparedData:
        """This worker's share of the training split (val/test untouched)."""
        images, targets = dict(data.images), dict(data.targets)
        n = len(data.targets["train"]) // self.world_size * self.world_size  # equal shards: equal steps
        images["train"] = data.images["train"][:n][self.rank :: self.world_size]
        targets["train"] = data.targets["train"][:n][self.rank :: self.world_size]
        return dataclasses.replace(data, images=images, targets=targets)

    def loader_config(self, config: TrainConfig) -> TrainConfig:
        """The config the loaders are built from: the per-worker batch size, and (ranks > 0) an augmentation
        seed of their own, so that the shards do not repeat rank 0's random draws image for image."""
        batch_size = max(1, config.batch_size // self.world_size)
        return dataclasses.replace(config, batch_size=batch_size, seed=stream_seed(config.seed, self.rank))

    def prepare_model(self, model: nn.Module) -> nn.Module:
        """Same initial weights on every worker; gradients averaged over workers after backward."""
        with torch.no_grad():
            for t in [*model.parameters(), *model.buffers()]:
                dist.broadcast(t.data, src=0)
        world = float(self.world_size)

        def average(p: torch.Tensor) -> None:
            if p.grad is not None:
                dist.all_reduce(p.grad, op=dist.ReduceOp.SUM)
                p.grad.div_(world)

        for p in model.parameters():
            p.register_post_accumulate_grad_hook(average)
        return model


def _worker(loop_config: dict[str, Any]) -> None:
    import ray.train

    from medlens.training.run import run_training

    ctx = ray.train.get_context()
    parallel = DataParallel(ctx.get_world_rank(), ctx.get_world_size())
    config = TrainConfig(**loop_config["config"])
    config.threads = config.threads or 1
    torch.manual_seed(config.seed)
    scratch = None
    if not parallel.is_main:
        scratch = tempfile.mkdtemp(prefix=f"medlens-rank{parallel.rank}-")
        config.out = scratch
    try:
        run_training(config, resume=bool(loop_config["resume"]) and parallel.is_main, parallel=parallel)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    ray.train.report({"rank": parallel.rank})


def run_training_distributed(config: TrainConfig, resume: bool = False, address: str | None = None) -> Path:
    """Train ``config`` on ``config.workers`` Ray Train workers (1 CPU each unless threads say more)."""
    from ray.train import RunConfig, ScalingConfig
    from ray.train.torch import TorchConfig, TorchTrainer

    from medlens.experiments.runner import init_ray

    if config.workers < 2:
        raise ValueError("run_training_distributed needs workers >= 2")
    out = Path(config.out).resolve()
    config.out = str(out)
    config.data_root = str(Path(config.data_root).resolve())
    if config.cache_dir:
        config.cache_dir = str(Path(config.cache_dir).resolve())
    threads = config.threads or 1
    init_ray(address, num_cpus=None if address else max(config.workers * threads, 1))
    trainer = TorchTrainer(
        _worker,
        train_loop_config={"config": config.to_dict(), "resume": resume},
        torch_config=TorchConfig(backend="gloo"),
        scaling_config=ScalingConfig(
            num_workers=config.workers, use_gpu=False, resources_per_worker={"CPU": threads}
        ),
        run_config=RunConfig(name="medlens-train", storage_path=str(out / "ray_train")),
    )
    result = trainer.fit()
    if result.error is not None:
        raise result.error
    return out
