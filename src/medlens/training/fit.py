"""``fit``: epochs with LP-FT, early stopping, best/last checkpoints and exact resume."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader

from medlens.models.checkpoint import read_checkpoint, save_checkpoint
from medlens.tasks.schema import LabelSchema
from medlens.training.loop import predict, train_one_epoch
from medlens.training.monitor import MONITORS, is_better, validation_metrics
from medlens.training.state import restore_rng_state, rng_state

log = logging.getLogger(__name__)


@dataclass
class FitResult:
    history: list[dict[str, float]]
    best_epoch: int
    best_value: float
    stopped_early: bool
    resumed_from: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def classifier_parameters(model: nn.Module) -> list[nn.Parameter]:
    """Parameters of the classification head(s) (timm ``get_classifier``)."""
    return list(model.get_classifier().parameters())  # type: ignore[operator]


def set_backbone_frozen(model: nn.Module, frozen: bool) -> None:
    """Freeze everything except the head (linear probe) or unfreeze all."""
    head = {id(p) for p in classifier_parameters(model)}
    for p in model.parameters():
        p.requires_grad = (not frozen) or id(p) in head


def _train_mode(model: nn.Module, linear_probe: bool) -> None:
    if linear_probe:  # frozen backbone: keep BatchNorm statistics fixed too
        model.eval()
        model.get_classifier().train()  # type: ignore[operator,union-attr]
        if hasattr(model, "drop"):
            model.drop.train()  # type: ignore[union-attr,operator]
    else:
        model.train()


@dataclass
class FitOptions:
    """How to train: epochs (the first ``lp_epochs`` with a frozen backbone), selection and stopping."""

    epochs: int
    monitor: str = "auroc"
    patience: int = 5
    lp_epochs: int = 0
    channels_last: bool = False
    progress: bool = True
    schema: LabelSchema | None = None  # validation metrics per head when not one plain head

    def __post_init__(self) -> None:
        if self.monitor not in MONITORS:
            raise ValueError(f"unknown monitor {self.monitor!r}; valid: {', '.join(MONITORS)}")


@dataclass
class FitParts:
    """What is trained, on what, and how: built by the caller (``training.run``) or a test."""

    model: nn.Module
    train_loader: DataLoader
    val_loader: DataLoader
    criterion: nn.Module
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler | None
    generator: torch.Generator
    device: torch.device


@dataclass
class _Progress:
    history: list[dict[str, Any]] = field(default_factory=list)
    best_value: float | None = None
    best_epoch: int = -1
    bad_epochs: int = 0
    start: int = 0
    resumed_from: int | None = None
    stopped: bool = False


def _restore(parts: FitParts, last: Path) -> _Progress:
    """Model, optimizer, scheduler, history and RNG states from ``last.pt``."""
    state = read_checkpoint(last)
    parts.model.load_state_dict(state["model"])
    parts.optimizer.load_state_dict(state["optimizer"])
    if parts.scheduler is not None and state.get("scheduler"):
        parts.scheduler.load_state_dict(state["scheduler"])
    restore_rng_state(state["rng"], parts.generator)
    log.info("resumed from %s after epoch %d", last, state["epoch"])
    return _Progress(
        state["history"],
        state["best_value"],
        state["best_epoch"],
        state["bad_epochs"],
        state["epoch"] + 1,
        state["epoch"],
        bool(state.get("stopped_early")),
    )


def _one_epoch(parts: FitParts, opts: FitOptions, epoch: int) -> tuple[dict[str, Any], dict[str, float]]:
    """Train one epoch and validate; returns the history row and the validation metrics."""
    t0 = time.perf_counter()
    linear_probe = epoch < opts.lp_epochs
    set_backbone_frozen(parts.model, linear_probe)
    _train_mode(parts.model, linear_probe)
    if hasattr(parts.train_loader.dataset, "set_epoch"):
        parts.train_loader.dataset.set_epoch(epoch)
    stats = train_one_epoch(
        parts.model,
        parts.train_loader,
        parts.criterion,
        parts.optimizer,
        parts.scheduler,
        parts.device,
        opts.channels_last,
        opts.progress,
        desc=f"epoch {epoch + 1}/{opts.epochs}" + (" (LP)" if linear_probe else ""),
    )
    logits, targets = predict(parts.model, parts.val_loader, parts.device, channels_last=opts.channels_last)
    val = validation_metrics(logits, targets, opts.schema)
    row: dict[str, Any] = {"epoch": epoch, **stats, **{f"val_{k}": v for k, v in val.items()}}
    row["epoch_time_s"] = time.perf_counter() - t0
    row["phase"] = "lp" if linear_probe else "ft"
    return row, val


def fit(
    parts: FitParts, opts: FitOptions, out_dir: Path, config: dict[str, Any], resume: bool = False
) -> FitResult:
    """Train ``opts.epochs`` epochs, selecting on ``opts.monitor`` (validation) with early stopping.

    Writes ``last.pt`` after every epoch (model, optimizer, scheduler, epoch, history, RNG states) and
    ``best.pt`` whenever the validation metric improves; ``resume`` continues from ``last.pt``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    last = out_dir / "last.pt"
    p = _Progress()
    if resume and last.is_file():
        p = _restore(parts, last)
        if p.stopped:
            return FitResult(p.history, p.best_epoch, float(p.best_value or "nan"), True, p.resumed_from)
    elif resume:
        log.warning("--resume given but %s does not exist: starting from scratch", last)
    for epoch in range(p.start, opts.epochs):
        row, val = _one_epoch(parts, opts, epoch)
        p.history.append(row)
        value = val[opts.monitor]
        if is_better(value, p.best_value, opts.monitor):
            p.best_value, p.best_epoch, p.bad_epochs = value, epoch, 0
            save_checkpoint(out_dir / "best.pt", parts.model, config, epoch=epoch, val=val)
        elif epoch >= opts.lp_epochs:
            p.bad_epochs += 1
        p.stopped = p.bad_epochs >= opts.patience and epoch + 1 < opts.epochs
        log.info(
            "epoch %d/%d%s train_loss %.4f val_%s %.4f (best %.4f @ %d) %.0fs",
            epoch + 1,
            opts.epochs,
            " LP" if row["phase"] == "lp" else "",
            row["train_loss"],
            opts.monitor,
            value,
            p.best_value if p.best_value is not None else float("nan"),
            p.best_epoch + 1,
            row["epoch_time_s"],
        )
        save_checkpoint(
            last,
            parts.model,
            config,
            optimizer=parts.optimizer.state_dict(),
            scheduler=parts.scheduler.state_dict() if parts.scheduler is not None else None,
            epoch=epoch,
            history=p.history,
            best_value=p.best_value,
            best_epoch=p.best_epoch,
            bad_epochs=p.bad_epochs,
            stopped_early=p.stopped,
            rng=rng_state(parts.generator),
        )
        (out_dir / "history.json").write_text(json.dumps(p.history, indent=1))
        if p.stopped:
            log.info("early stopping: no improvement of val_%s for %d epochs", opts.monitor, opts.patience)
            break
    set_backbone_frozen(parts.model, False)
    best = float(p.best_value if p.best_value is not None else "nan")
    return FitResult(p.history, p.best_epoch, best, p.stopped, p.resumed_from)
