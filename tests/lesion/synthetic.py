"""Synthetic lesion pictures with known answers (shape, edge, colours, size)."""

from __future__ import annotations

import cv2
import numpy as np

SKIN = (222, 184, 170)
LIGHT_BROWN = (190, 130, 85)


def canvas(rng: np.random.Generator, size: int = 300) -> np.ndarray:
    base = np.empty((size, size, 3), np.float32)
    base[:] = SKIN
    return base + rng.normal(0, 3, base.shape).astype(np.float32)


def paint(img: np.ndarray, mask: np.ndarray, rgb: tuple[int, int, int], edge_px: float = 0.0) -> np.ndarray:
    """Paint ``rgb`` where ``mask``; ``edge_px`` > 0 makes a linear ramp of that width outwards."""
    m = mask.astype(np.uint8)
    if edge_px > 0:
        d_out = cv2.distanceTransform(1 - m, cv2.DIST_L2, 5)
        alpha = np.clip(1.0 - d_out / edge_px, 0, 1)
    else:
        alpha = m.astype(np.float32)
    return img * (1 - alpha[..., None]) + np.array(rgb, np.float32) * alpha[..., None]


def finish(img: np.ndarray) -> np.ndarray:
    return np.clip(cv2.GaussianBlur(img, (0, 0), 0.8), 0, 255).astype(np.uint8)


def disc_mask(size: int = 300, r: float = 60.0, cx: float = 150, cy: float = 150) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size]
    return np.hypot(xx - cx, yy - cy) <= r


def irregular_mask(size: int = 300) -> np.ndarray:
    """Lopsided star-like blob: radius varies with angle, with one big lobe (no mirror symmetry)."""
    yy, xx = np.mgrid[0:size, 0:size]
    theta = np.arctan2(yy - 150, xx - 150)
    r = 55 * (
        1
        + 0.35 * np.sin(3 * theta + 0.4)
        + 0.2 * np.sin(7 * theta + 1.3)
        + 0.45 * np.exp(-((theta - 0.8) ** 2) / 0.15)
    )
    return np.hypot(xx - 150, yy - 150) <= r
