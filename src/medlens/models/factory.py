"""``create_classifier``: any timm backbone with a fresh head (or several), optional local weights."""

from __future__ import annotations

import logging
from pathlib import Path

import timm
from torch import nn

from medlens.models.multihead import MultiHeadClassifier
from medlens.models.pretrained import LITE_WEIGHTS, PretrainedWeightsError, load_lite_imagenet

log = logging.getLogger(__name__)


def _timm_model(backbone: str, num_classes: int, drop_rate: float) -> nn.Module:
    if not timm.is_model(backbone):
        raise ValueError(
            f"unknown backbone {backbone!r}: not a timm model name (see medlens.models.list_backbones())"
        )
    return timm.create_model(backbone, pretrained=False, num_classes=num_classes, drop_rate=drop_rate)


def _load_pretrained(backbone: str, pretrained: str | Path) -> nn.Module:
    """A 1000-class (or checkpoint-shaped) timm model with weights loaded."""
    if str(pretrained) in LITE_WEIGHTS:
        fits = LITE_WEIGHTS[str(pretrained)][1]
        if backbone != fits:
            raise PretrainedWeightsError(f"{str(pretrained)!r} weights fit only {fits}, not {backbone!r}")
        model = timm.create_model(backbone, pretrained=False, num_classes=1000)
        return load_lite_imagenet(model, str(pretrained))
    path = Path(pretrained)
    if not path.is_file():
        raise PretrainedWeightsError(
            f"{path}: pretrained weights file not found (or use one of {', '.join(LITE_WEIGHTS)})"
        )
    from medlens.models.checkpoint import read_state_dict  # checkpoint imports this module

    state = read_state_dict(path)
    model = timm.create_model(backbone, pretrained=False)
    own = model.state_dict()
    # a checkpoint of another task (e.g. a run's best.pt) has a classifier of another shape: start that
    # layer fresh (create_classifier resets it anyway) and take everything else
    reshaped = [k for k, v in state.items() if k in own and own[k].shape != v.shape]
    state = {k: v for k, v in state.items() if k not in reshaped}
    missing, unexpected = model.load_state_dict(state, strict=False)
    log.info(
        "loaded %s (missing %d, unexpected %d keys; %d of another shape left fresh: %s)",
        path,
        len(missing),
        len(unexpected),
        len(reshaped),
        ", ".join(reshaped),
    )
    return model


def create_classifier(
    backbone: str,
    num_classes: int,
    pretrained: bool | str | Path = False,
    drop_rate: float = 0.0,
    heads: dict[str, int] | None = None,
) -> nn.Module:
    """A timm classifier; ``heads`` (name -> n classes) builds a :class:`MultiHeadClassifier`.

    ``pretrained`` is False, ``"lite0-imagenet"`` / ``"lite1-imagenet"`` / ``"lite2-imagenet"`` (local EfficientNet-Lite ImageNet weights) or a
    path to a state dict. ``True`` is rejected: nothing is downloaded at run time.
    """
    if pretrained is True:
        raise PretrainedWeightsError(
            f"pretrained=True would download weights; use one of {', '.join(LITE_WEIGHTS)} or a file path"
        )
    if pretrained:
        model = _load_pretrained(backbone, pretrained)
        if (
            heads or num_classes != model.num_classes
        ):  # keep the ImageNet head when 1000 classes are asked for
            model.reset_classifier(0 if heads else num_classes)  # type: ignore[operator]
        if hasattr(model, "drop_rate"):
            model.drop_rate = drop_rate  # type: ignore[assignment]
    else:
        model = _timm_model(backbone, 0 if heads else num_classes, drop_rate)
    if heads:
        return MultiHeadClassifier(model, heads, drop_rate)
    return model
