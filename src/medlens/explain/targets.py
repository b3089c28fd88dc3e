"""Which layer to explain, per backbone family: ONE table.

Each family lists attribute paths to try in order; the first that exists on the model wins. Paths
were checked on ``timm.create_model(name, pretrained=False, num_classes=2)`` for resnet18,
tf_efficientnet_lite0 / efficientnet_b0, densenet121, convnext_atto / convnext_nano and
mobilenetv3_small_100 (timm 1.0). In timm's MobileNetV3 ``conv_head`` runs *after* global pooling
(1x1 spatial), so the last block is used instead.
"""

from __future__ import annotations

from torch import nn

TARGET_LAYERS: dict[str, tuple[str, ...]] = {
    "resnet": ("layer4.-1",),
    "efficientnet": ("bn2", "conv_head"),
    "densenet": ("features.norm5", "features.-1"),
    "convnext": ("stages.-1",),
    "mobilenetv3": ("blocks.-1",),
}

#: Substrings of a timm model name (or class name) -> family.
_FAMILY_KEYS: tuple[tuple[str, str], ...] = (
    ("mobilenetv3", "mobilenetv3"),
    ("efficientnet", "efficientnet"),
    ("densenet", "densenet"),
    ("convnext", "convnext"),
    ("resnet", "resnet"),
)


def backbone_family(name_or_model: str | nn.Module) -> str:
    """Family of a timm model name or module (``ValueError`` listing supported families if unknown)."""
    if isinstance(name_or_model, nn.Module):
        model = _inner(name_or_model)
        name = getattr(model, "default_cfg", {}).get("architecture") or type(model).__name__
    else:
        name = name_or_model
    key = name.lower().replace("_", "")
    for sub, fam in _FAMILY_KEYS:
        if sub.replace("_", "") in key:
            return fam
    raise ValueError(
        f"no CAM target layer known for {name!r}; supported families: {', '.join(TARGET_LAYERS)}"
    )


def _inner(model: nn.Module) -> nn.Module:
    """The timm backbone inside a wrapper (e.g. medlens ``MultiHeadClassifier.backbone``)."""
    inner = getattr(model, "backbone", None)
    return inner if isinstance(inner, nn.Module) else model


def _resolve(module: nn.Module, path: str) -> nn.Module | None:
    cur: nn.Module = module
    for part in path.split("."):
        if part.lstrip("-").isdigit():
            try:
                cur = cur[int(part)]  # type: ignore[index]
            except (TypeError, IndexError):
                return None
        else:
            nxt = getattr(cur, part, None)
            if not isinstance(nxt, nn.Module):
                return None
            cur = nxt
    return cur


def find_target_layers(model: nn.Module, family: str | None = None) -> list[nn.Module]:
    """Target layer(s) for CAM methods on ``model`` (family guessed from the model when not given)."""
    fam = family or backbone_family(model)
    if fam not in TARGET_LAYERS:
        raise ValueError(f"unknown backbone family {fam!r}; valid: {', '.join(TARGET_LAYERS)}")
    inner = _inner(model)
    for path in TARGET_LAYERS[fam]:
        layer = _resolve(inner, path)
        if layer is not None:
            return [layer]
    raise ValueError(f"{type(inner).__name__}: none of the {fam} target layers {TARGET_LAYERS[fam]} exist")
