"""One training epoch and prediction (with test-time augmentation); plain functions."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader
from tqdm.auto import tqdm

from medlens.serving.views import check_views, view_batches


def _autocast(device: torch.device) -> contextlib.AbstractContextManager:
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def _to(x: torch.Tensor, device: torch.device, channels_last: bool) -> torch.Tensor:
    x = x.to(device, non_blocking=True)
    return x.contiguous(memory_format=torch.channels_last) if channels_last else x


def train_one_epoch(
    model: nn.Module,
    loader: DataLoader,
    criterion: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None,
    device: torch.device,
    channels_last: bool = False,
    progress: bool = True,
    desc: str = "train",
) -> dict[str, float]:
    """Train for one pass over ``loader``; returns mean loss and lr at the end."""
    total, n = 0.0, 0
    bar = tqdm(loader, desc=desc, leave=False, disable=not progress, mininterval=2.0)
    for x, y in bar:
        x, y = _to(x, device, channels_last), y.to(device, non_blocking=True)
        with _autocast(device):
            logits = model(x)
        out = criterion(logits, y)
        optimizer.zero_grad(set_to_none=True)
        out["loss"].backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        total += float(out["loss"].detach()) * len(y)
        n += len(y)
        bar.set_postfix(loss=f"{total / n:.4f}", refresh=False)
    return {"train_loss": total / max(1, n), "lr": optimizer.param_groups[0]["lr"]}


@torch.no_grad()
def predict(
    model: nn.Module,
    loader: DataLoader,
    device: torch.device,
    tta: Sequence[str] = (),
    channels_last: bool = False,
    progress: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """(logits, targets) over ``loader``; with ``tta`` the logits are averaged over the test-time views
    (:mod:`medlens.serving.views`)."""
    check_views(tta)
    model.eval()
    outs, targets = [], []
    for x, y in tqdm(loader, desc="predict", leave=False, disable=not progress, mininterval=2.0):
        x = _to(x, device, channels_last)
        with _autocast(device):
            logits = torch.stack([model(v).float() for v in view_batches(x, tta)]).mean(0)
        outs.append(logits.cpu())
        targets.append(y)
    return torch.cat(outs).numpy(), torch.cat(targets).numpy()
