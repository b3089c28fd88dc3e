"""Images/s of the medlens training loop vs a bare timm forward/backward loop (same model, size, batch).

The medlens side includes everything an epoch does: uint8 cache -> augmentation preset -> normalise ->
DataLoader -> criterion object -> optimizer + per-step scheduler. The bare side feeds pre-made float
tensors straight into the model. Target: ratio >= 0.9.

    .venv/bin/python benchmarks/train_throughput.py --backbone tf_efficientnet_lite0 --size 64 --batch 64
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from medlens.data.transforms import create_transform
from medlens.models import backbone_norm, create_classifier
from medlens.tasks import LabelSchema
from medlens.training.criteria import create_criterion
from medlens.training.data import CachedImageDataset
from medlens.training.loop import train_one_epoch
from medlens.training.optim import create_optimizer, create_scheduler
from medlens.training.run import default_threads


def bare(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int, steps: int) -> float:
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    model.train()
    t0 = 0.0
    for i in range(steps + 1):
        if i == 1:  # first step is warm-up
            t0 = time.perf_counter()
        sl = slice((i * batch) % len(x), (i * batch) % len(x) + batch)
        loss = F.cross_entropy(model(x[sl]), y[sl])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return steps * batch / (time.perf_counter() - t0)


def medlens_loop(
    model: torch.nn.Module, images: np.ndarray, labels: np.ndarray, args: argparse.Namespace
) -> float:
    mean, std = backbone_norm(args.backbone)
    tf = create_transform(args.preset, args.size, mean, std, train=True, seed=0)
    ds = CachedImageDataset(images, labels, tf)
    g = torch.Generator().manual_seed(0)
    loader = DataLoader(ds, batch_size=args.batch, shuffle=True, generator=g, drop_last=True)
    crit = create_criterion("ce", LabelSchema.single(["0", "1"]))
    opt = create_optimizer(model, "adamw", 1e-4)
    sched = create_scheduler(opt, "cosine", 1, len(loader))
    model.train()
    warm = DataLoader(
        CachedImageDataset(images[: args.batch], labels[: args.batch], tf), batch_size=args.batch
    )
    train_one_epoch(model, warm, crit, opt, None, torch.device("cpu"), progress=False)
    t0 = time.perf_counter()
    train_one_epoch(model, loader, crit, opt, sched, torch.device("cpu"), progress=False)
    return len(loader) * args.batch / (time.perf_counter() - t0)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--backbone", default="tf_efficientnet_lite0")
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--steps", type=int, default=6)
    p.add_argument("--preset", default="F1")
    p.add_argument("--threads", type=int, default=None)
    args = p.parse_args()
    torch.set_num_threads(args.threads or default_threads())
    rng = np.random.default_rng(0)
    n = args.steps * args.batch
    images = rng.integers(0, 256, (n, args.size, args.size, 3), dtype=np.uint8)
    labels = rng.integers(0, 2, n)
    model = create_classifier(args.backbone, 2)
    x = torch.randn(n, 3, args.size, args.size)
    y = torch.as_tensor(labels)
    # interleave the two measurements so a change in machine load hits both
    ours, theirs = [], []
    for _ in range(2):
        theirs.append(bare(model, x, y, args.batch, args.steps))
        ours.append(medlens_loop(model, images, labels, args))
    a, b = max(ours), max(theirs)
    print(f"backbone {args.backbone}, {args.size} px, batch {args.batch}, threads {torch.get_num_threads()}")
    print(f"bare timm loop : {b:8.1f} img/s")
    print(f"medlens loop   : {a:8.1f} img/s (preset {args.preset}, DataLoader, criterion, scheduler)")
    print(f"ratio          : {a / b:8.3f} (target >= 0.9)")


if __name__ == "__main__":
    main()
