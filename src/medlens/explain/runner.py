"""Load a model for explanation and explain one RGB image (torch side)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import nn

from medlens.explain.cam import create_cam
from medlens.explain.overlay import heatmap_overlay


@dataclass
class LoadedModel:
    """A model in eval mode plus what is needed to preprocess its input."""

    model: nn.Module
    backbone: str
    input_size: int
    mean: tuple[float, ...]
    std: tuple[float, ...]
    classes: list[str]


def load_model(
    spec: str, weights: Path | None = None, num_classes: int = 2, input_size: int | None = None
) -> LoadedModel:
    """``spec`` is a medlens training checkpoint (``best.pt``) or a timm backbone name.

    With a backbone name, ``weights`` may name a ``.pt`` state dict (or ``{"model": state_dict}``);
    without it the model is randomly initialised (useful only to test the pipeline).
    """
    from medlens.models.backbones import backbone_norm

    path = Path(spec)
    if path.suffix in {".pt", ".pth"} or path.is_file():
        from medlens.models.checkpoint import load_checkpoint

        model, config = load_checkpoint(path)
        backbone = str(config["backbone"])
        mean = tuple(config.get("mean") or backbone_norm(backbone)[0])
        std = tuple(config.get("std") or backbone_norm(backbone)[1])
        size = int(input_size or config.get("input_size", 224))
        classes = list(config.get("classes") or [str(i) for i in range(int(config.get("num_classes", 0)))])
        return LoadedModel(model.eval(), backbone, size, mean, std, classes)
    import timm

    if not timm.is_model(spec):
        raise ValueError(f"{spec!r} is neither a checkpoint file nor a timm model name")
    model = timm.create_model(spec, pretrained=False, num_classes=num_classes)
    if weights is not None:
        if not Path(weights).is_file():
            raise FileNotFoundError(f"{weights}: state dict file not found")
        from medlens.models.checkpoint import read_state_dict

        state = read_state_dict(weights)
        try:
            model.load_state_dict(state)
        except RuntimeError as exc:
            raise ValueError(
                f"{weights}: state dict does not fit {spec} with {num_classes} classes ({exc})"
            ) from exc
    mean, std = backbone_norm(spec)
    return LoadedModel(
        model.eval(), spec, int(input_size or 224), mean, std, [str(i) for i in range(num_classes)]
    )


def to_tensor(
    image_rgb: np.ndarray, size: int, mean: tuple[float, ...], std: tuple[float, ...]
) -> torch.Tensor:
    """RGB uint8 -> normalised (1, 3, size, size) float tensor (squash resize)."""
    img = cv2.resize(image_rgb, (size, size), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    norm = ((img - np.array(mean, np.float32)) / np.array(std, np.float32)).astype(np.float32)
    return torch.from_numpy(np.ascontiguousarray(norm.transpose(2, 0, 1))).unsqueeze(0)


@dataclass
class Explanation:
    heatmap: np.ndarray  # H x W float in [0, 1] at the image size
    overlay: np.ndarray  # RGB uint8
    target_class: int
    probabilities: np.ndarray


def explain_image(
    loaded: LoadedModel, image_rgb: np.ndarray, method: str = "gradcam", target_class: int | None = None
) -> Explanation:
    """Heatmap of ``method`` for ``target_class`` (default: the predicted class) at the image's size."""
    x = to_tensor(image_rgb, loaded.input_size, loaded.mean, loaded.std)
    with torch.no_grad():
        probs = torch.softmax(loaded.model(x), dim=1)[0].numpy()
    cls = int(probs.argmax()) if target_class is None else int(target_class)
    if not 0 <= cls < probs.size:
        raise ValueError(f"target class {cls} out of range for a model with {probs.size} outputs")
    with create_cam(method, loaded.model) as cam:
        heat = cam(x, target_class=cls)[0]
    h, w = image_rgb.shape[:2]
    heat = cv2.resize(heat, (w, h), interpolation=cv2.INTER_LINEAR)
    return Explanation(np.clip(heat, 0, 1), heatmap_overlay(image_rgb, heat), cls, probs)
