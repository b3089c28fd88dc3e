"""Curated backbone families (any timm model name also works with ``create_classifier``)."""

from __future__ import annotations

from dataclasses import dataclass

from medlens.registry import Registry


@dataclass(frozen=True)
class BackboneInfo:
    """A curated backbone: timm name, default normalisation and whether ImageNet weights exist here."""

    name: str
    family: str
    mean: tuple[float, float, float] = (0.485, 0.456, 0.406)
    std: tuple[float, float, float] = (0.229, 0.224, 0.225)
    pretrained: str | None = None  # name of locally available weights, if any


BACKBONES: Registry[BackboneInfo] = Registry("backbone")

for _info in (
    BackboneInfo("resnet18", "resnet"),
    BackboneInfo("resnet34", "resnet"),
    BackboneInfo("resnet50", "resnet"),
    BackboneInfo("tf_efficientnet_lite0", "efficientnet", (0.5, 0.5, 0.5), (0.5, 0.5, 0.5), "lite0-imagenet"),
    BackboneInfo("tf_efficientnet_lite1", "efficientnet", (0.5, 0.5, 0.5), (0.5, 0.5, 0.5), "lite1-imagenet"),
    BackboneInfo("tf_efficientnet_lite2", "efficientnet", (0.5, 0.5, 0.5), (0.5, 0.5, 0.5), "lite2-imagenet"),
    BackboneInfo("efficientnet_b0", "efficientnet"),
    BackboneInfo("densenet121", "densenet"),
    BackboneInfo("convnext_atto", "convnext"),
    BackboneInfo("convnext_nano", "convnext"),
    BackboneInfo("convnext_tiny", "convnext"),
    BackboneInfo("mobilenetv3_small_100", "mobilenetv3"),
    BackboneInfo("mobilenetv3_large_100", "mobilenetv3"),
):
    BACKBONES.register(_info.name, _info)


def list_backbones() -> list[str]:
    """Names of the curated backbones."""
    return BACKBONES.names()


def backbone_norm(name: str) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(mean, std) for a backbone: curated value, else timm's pretrained_cfg, else ImageNet."""
    if name in BACKBONES.names():
        info = BACKBONES.get(name)
        return info.mean, info.std
    try:
        import timm

        cfg = timm.models.get_pretrained_cfg(name)
        if cfg is not None:
            return tuple(cfg.mean), tuple(cfg.std)
    except Exception:  # unknown to timm: fall back to ImageNet statistics
        pass
    return (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
