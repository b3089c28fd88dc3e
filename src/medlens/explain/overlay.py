"""Heatmap overlay on an RGB image (OpenCV JET colormap)."""

from __future__ import annotations

import cv2
import numpy as np


def heatmap_overlay(image_rgb: np.ndarray, heatmap: np.ndarray, alpha: float = 0.45) -> np.ndarray:
    """Blend a [0, 1] heatmap (any size; resized to the image) onto an RGB uint8 image."""
    h, w = image_rgb.shape[:2]
    heat: np.ndarray = np.clip(np.asarray(heatmap, np.float32), 0, 1)
    if heat.shape != (h, w):
        heat = cv2.resize(heat, (w, h), interpolation=cv2.INTER_LINEAR)
    color = cv2.cvtColor(
        cv2.applyColorMap((heat * 255).astype(np.uint8), cv2.COLORMAP_JET), cv2.COLOR_BGR2RGB
    )
    return np.clip((1 - alpha) * image_rgb.astype(np.float32) + alpha * color, 0, 255).astype(np.uint8)
