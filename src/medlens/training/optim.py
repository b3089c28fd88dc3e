"""Optimizers and per-step learning-rate schedules (warm-up + cosine, or StepLR in epochs)."""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.optim.lr_scheduler import LambdaLR

OPTIMIZERS = ("adam", "adamw")
SCHEDULERS = ("constant", "cosine", "step")


def create_optimizer(
    model: nn.Module, name: str = "adamw", lr: float = 1e-3, weight_decay: float = 1e-4
) -> torch.optim.Optimizer:
    """Adam or AdamW; no weight decay on biases and norm parameters."""
    decay: list[nn.Parameter] = []
    no_decay: list[nn.Parameter] = []
    for p in model.parameters():
        (no_decay if p.ndim <= 1 else decay).append(p)
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    if name == "adamw":
        return torch.optim.AdamW(groups, lr=lr)
    if name == "adam":
        return torch.optim.Adam(groups, lr=lr)
    raise ValueError(f"unknown optimizer {name!r}; valid names: adam, adamw")


def create_scheduler(
    optimizer: torch.optim.Optimizer,
    name: str,
    epochs: int,
    steps_per_epoch: int,
    warmup_epochs: float = 1.0,
    step_size: int = 7,
    gamma: float = 0.1,
    min_factor: float = 0.01,
) -> LambdaLR:
    """A scheduler stepped once per batch: ``cosine`` (linear warm-up then cosine) or ``step``."""
    total = max(1, epochs * steps_per_epoch)
    warm = int(warmup_epochs * steps_per_epoch)

    if name == "cosine":

        def factor(step: int) -> float:
            if step < warm:
                return (step + 1) / warm
            t = min(1.0, (step - warm) / max(1, total - warm))
            return min_factor + (1 - min_factor) * 0.5 * (1 + math.cos(math.pi * t))

    elif name == "step":

        def factor(step: int) -> float:
            return gamma ** (step // max(1, step_size * steps_per_epoch))

    elif name == "constant":

        def factor(step: int) -> float:
            return 1.0

    else:
        raise ValueError(f"unknown scheduler {name!r}; valid names: constant, cosine, step")
    return LambdaLR(optimizer, factor)
