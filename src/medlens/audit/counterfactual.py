"""Counterfactual sensitivity: edit *how* a photo looks, keep *what* it shows, measure the model.

Each edit changes an acquisition property only (a dark lens border, the zoom, a colour cast); a model
that reads the lesion should barely move. ``sensitivity`` reports the mean change in P(target) with a
95% bootstrap interval and the share of screening decisions that flip at the model's threshold.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import cv2
import numpy as np

from medlens.data.image_ops import circle_mask, shades_of_gray
from medlens.evaluation.bootstrap import bootstrap_ci

Edit = Callable[[np.ndarray], np.ndarray]


def add_lens_border(image: np.ndarray, radius: float = 0.95) -> np.ndarray:
    """Black outside a centred ellipse of ``radius`` x the half sides (a dermoscope's dark border)."""
    h, w = image.shape[:2]
    yy, xx = np.ogrid[:h, :w]
    inside = ((yy - (h - 1) / 2) / (radius * h / 2)) ** 2 + ((xx - (w - 1) / 2) / (radius * w / 2)) ** 2 <= 1
    out = image.copy()
    out[~inside] = 0
    return out


def centre_crop(image: np.ndarray, keep: float = 0.75) -> np.ndarray:
    """The central ``keep`` of each side: removes a lens border's corners and zooms in."""
    h, w = image.shape[:2]
    ch, cw = max(1, round(h * keep)), max(1, round(w * keep))
    y0, x0 = (h - ch) // 2, (w - cw) // 2
    return image[y0 : y0 + ch, x0 : x0 + cw].copy()


def zoom_out(image: np.ndarray, factor: float = 0.75) -> np.ndarray:
    """The photo shrunk to ``factor`` inside a reflected border of the same size (lesion looks smaller)."""
    h, w = image.shape[:2]
    py, px = round(h * (1 / factor - 1) / 2), round(w * (1 / factor - 1) / 2)
    return cv2.copyMakeBorder(image, py, py, px, px, cv2.BORDER_REFLECT_101)


def colour_cast(image: np.ndarray, gains: Sequence[float]) -> np.ndarray:
    """Multiply R, G, B by ``gains`` (a warm or cool cast)."""
    return np.clip(image.astype(np.float32) * np.asarray(gains, np.float32), 0, 255).astype(np.uint8)


def remove_lens_border(image: np.ndarray) -> np.ndarray:
    """Fill the dark corners outside the inscribed circle with the mean colour inside it."""
    mask = circle_mask(*image.shape[:2])
    out = image.copy()
    out[~mask] = image[mask].mean(axis=0).astype(np.uint8)
    return out


EDITS: dict[str, Edit] = {
    "add lens border": add_lens_border,
    "fill corners (remove border)": remove_lens_border,
    "zoom in (centre 75 %)": centre_crop,
    "zoom out (0.75x)": zoom_out,
    "warm cast (R x1.12, B x0.88)": lambda im: colour_cast(im, (1.12, 1.0, 0.88)),
    "cool cast (R x0.88, B x1.12)": lambda im: colour_cast(im, (0.88, 1.0, 1.12)),
    "Shades of Gray": shades_of_gray,
}


def sensitivity(
    p_orig: np.ndarray, p_edit: np.ndarray, threshold: float, n_boot: int = 1000, seed: int = 0
) -> dict[str, Any]:
    """Mean ΔP(target) = p_edit - p_orig with a bootstrap CI, and the share of decisions that flip."""
    d = np.asarray(p_edit, np.float64) - np.asarray(p_orig, np.float64)
    flips = ((p_edit >= threshold) != (p_orig >= threshold)).astype(np.float64)
    up = ((p_edit >= threshold) & (p_orig < threshold)).astype(np.float64)
    v, lo, hi = bootstrap_ci(np.mean, d, n_boot=n_boot, seed=seed)
    return {
        "n": int(d.size),
        "delta_p": {"value": v, "ci_low": lo, "ci_high": hi},
        "flipped": float(flips.mean()),
        "became_positive": float(up.mean()),
    }
