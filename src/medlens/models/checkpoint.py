"""Save and reload a classifier with the config needed to rebuild it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from medlens.models.factory import create_classifier


class CheckpointError(ValueError):
    """A checkpoint file that cannot be used; the message names the file."""


def save_checkpoint(path: Path, model: nn.Module, config: dict[str, Any], **extra: Any) -> Path:
    """Write ``{"model": state_dict, "config": config, **extra}`` atomically (tmp file + rename)."""
    path = Path(path)
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save({"model": model.state_dict(), "config": config, **extra}, tmp)
    tmp.replace(path)
    return path


def model_from_config(config: dict[str, Any]) -> nn.Module:
    """Rebuild the (untrained) architecture described by a run config."""
    heads = config.get("heads") or None
    return create_classifier(
        config["backbone"],
        num_classes=int(config["num_classes"]),
        pretrained=False,
        drop_rate=float(config.get("drop_rate", 0.0)),
        heads=heads,
    )


def read_checkpoint(path: Path | str) -> Any:
    """The object saved at ``path`` (on the CPU); a missing or unreadable file -> CheckpointError."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{path}: checkpoint not found")
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:  # torch raises many types for corrupt files
        raise CheckpointError(f"{path}: cannot read checkpoint ({exc})") from exc


def read_state_dict(path: Path | str) -> dict[str, Any]:
    """A model state dict from a file: a bare state dict or a medlens checkpoint's ``model``."""
    state = read_checkpoint(path)
    if isinstance(state, dict) and "model" in state:
        state = state["model"]
    if not isinstance(state, dict):
        raise CheckpointError(f"{path}: not a state dict")
    return state


def load_checkpoint(path: Path | str) -> tuple[nn.Module, dict[str, Any]]:
    """(model in eval mode, config) from a ``best.pt``/``last.pt`` written by medlens training."""
    state = read_checkpoint(path)
    if not isinstance(state, dict) or "model" not in state or "config" not in state:
        raise CheckpointError(f"{path}: not a medlens checkpoint (needs 'model' and 'config')")
    config = state["config"]
    model = model_from_config(config)
    model.load_state_dict(state["model"])
    model.eval()
    return model, config
