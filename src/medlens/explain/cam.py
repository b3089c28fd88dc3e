"""Grad-CAM family over pytorch-grad-cam: a registry of methods and a hook-releasing context manager.

with create_cam("gradcam", model) as cam:
    heat = cam(batch, target_class=1)   # (N, H, W) float in [0, 1]
"""

from __future__ import annotations

from types import TracebackType

import numpy as np
import torch
from pytorch_grad_cam import EigenCAM, GradCAM, GradCAMPlusPlus, ScoreCAM
from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget
from torch import nn

from medlens.explain.targets import find_target_layers
from medlens.registry import Registry

CAM_METHODS: Registry[type] = Registry("CAM method")
CAM_METHODS.register("gradcam", GradCAM)
CAM_METHODS.register("gradcam++", GradCAMPlusPlus)
CAM_METHODS.register("scorecam", ScoreCAM)
CAM_METHODS.register("eigencam", EigenCAM)


def list_cam_methods() -> list[str]:
    return CAM_METHODS.names()


class CamExplainer:
    """A pytorch-grad-cam object bound to a model; use as a context manager so hooks are released."""

    def __init__(self, method: str, model: nn.Module, target_layers: list[nn.Module]) -> None:
        self.method = method
        self.model = model
        self.target_layers = target_layers
        self._cam = CAM_METHODS.get(method)(model=model, target_layers=target_layers)
        self._released = False

    def __call__(self, batch: torch.Tensor, target_class: int | list[int] | None = None) -> np.ndarray:
        """Heatmaps (N, H, W) in [0, 1] at the input size; ``None`` explains each image's top class."""
        if self._released:
            raise RuntimeError("CAM hooks were released; create a new explainer")
        targets = None
        if target_class is not None:
            classes = [target_class] * batch.shape[0] if isinstance(target_class, int) else list(target_class)
            targets = [ClassifierOutputTarget(int(c)) for c in classes]
        return np.asarray(self._cam(input_tensor=batch, targets=targets), dtype=np.float32)

    def release(self) -> None:
        """Remove the forward/backward hooks from the target layers."""
        if not self._released:
            self._cam.activations_and_grads.release()
            self._released = True

    def __enter__(self) -> CamExplainer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def create_cam(
    name: str, model: nn.Module, target_layers: list[nn.Module] | None = None, family: str | None = None
) -> CamExplainer:
    """CAM method ``name`` (see :func:`list_cam_methods`) on ``model``; target layers from the family table."""
    layers = target_layers if target_layers is not None else find_target_layers(model, family)
    return CamExplainer(name, model, layers)
