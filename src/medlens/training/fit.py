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

from medlens.models.checkpoint import save_checkpoint
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


def fit(
    model: nn.Module,
    train_loader: DataLoader,
    val_loader: DataLoader,
    criterion: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: torch.optim.lr_scheduler.LRScheduler | None,
    epochs: int,
    out_dir: Path,
    config: dict[str, Any],
    generator: torch.Generator,
    device: torch.device,
    monitor: str = "auroc",
    patience: int = 5,
    lp_epochs: int = 0,
    resume: bool = False,
    channels_last: bool = False,
    progress: bool = True,
    head_sizes: dict[str, int] | None = None,
) -> FitResult:
    """Train ``epochs`` epochs (the first ``lp_epochs`` with a frozen backbone), selecting on ``monitor``.

    Writes ``last.pt`` after every epoch (model, optimizer, scheduler, epoch, history, RNG states) and
    ``best.pt`` whenever the validation metric improves; ``resume`` continues from ``last.pt``.
    """
    if monitor not in MONITORS:
        raise ValueError(f"unknown monitor {monitor!r}; valid: {', '.join(MONITORS)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    history: list[dict[str, float]] = []
    best_value: float | None = None
    best_epoch, bad_epochs, start = -1, 0, 0
    resumed_from = None
    last = out_dir / "last.pt"
    if resume and last.is_file():
        state = torch.load(last, map_location="cpu", weights_only=False)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        if scheduler is not None and state.get("scheduler"):
            scheduler.load_state_dict(state["scheduler"])
        history, best_value, best_epoch = state["history"], state["best_value"], state["best_epoch"]
        bad_epochs, start = state["bad_epochs"], state["epoch"] + 1
        restore_rng_state(state["rng"], generator)
        resumed_from = state["epoch"]
        log.info("resumed from %s after epoch %d", last, state["epoch"])
        if state.get("stopped_early"):
            return FitResult(history, best_epoch, float(best_value), True, resumed_from)
    elif resume:
        log.warning("--resume given but %s does not exist: starting from scratch", last)

    stopped = False
    for epoch in range(start, epochs):
        t0 = time.perf_counter()
        linear_probe = epoch < lp_epochs
        set_backbone_frozen(model, linear_probe)
        _train_mode(model, linear_probe)
        for ds in (train_loader.dataset,):
            if hasattr(ds, "set_epoch"):
                ds.set_epoch(epoch)
        stats = train_one_epoch(
            model,
            train_loader,
            criterion,
            optimizer,
            scheduler,
            device,
            channels_last,
            progress,
            desc=f"epoch {epoch + 1}/{epochs}" + (" (LP)" if linear_probe else ""),
        )
        logits, targets = predict(model, val_loader, device, channels_last=channels_last)
        val = validation_metrics(logits, targets, head_sizes)
        row = {"epoch": epoch, **stats, **{f"val_{k}": v for k, v in val.items()}}
        row["epoch_time_s"] = time.perf_counter() - t0
        row["phase"] = "lp" if linear_probe else "ft"  # type: ignore[assignment]
        history.append(row)
        value = val[monitor]
        if is_better(value, best_value, monitor):
            best_value, best_epoch, bad_epochs = value, epoch, 0
            save_checkpoint(out_dir / "best.pt", model, config, epoch=epoch, val=val)
        elif epoch >= lp_epochs:
            bad_epochs += 1
        stopped = bad_epochs >= patience and epoch + 1 < epochs
        log.info(
            "epoch %d/%d%s train_loss %.4f val_%s %.4f (best %.4f @ %d) %.0fs",
            epoch + 1,
            epochs,
            " LP" if linear_probe else "",
            stats["train_loss"],
            monitor,
            value,
            best_value if best_value is not None else float("nan"),
            best_epoch + 1,
            row["epoch_time_s"],
        )
        save_checkpoint(
            last,
            model,
            config,
            optimizer=optimizer.state_dict(),
            scheduler=scheduler.state_dict() if scheduler is not None else None,
            epoch=epoch,
            history=history,
            best_value=best_value,
            best_epoch=best_epoch,
            bad_epochs=bad_epochs,
            stopped_early=stopped,
            rng=rng_state(generator),
        )
        (out_dir / "history.json").write_text(json.dumps(history, indent=1))
        if stopped:
            log.info("early stopping: no improvement of val_%s for %d epochs", monitor, patience)
            break
    set_backbone_frozen(model, False)
    return FitResult(
        history, best_epoch, float(best_value if best_value is not None else "nan"), stopped, resumed_from
    )
