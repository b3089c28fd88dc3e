"""Artifact probes: cheap per-image measurements of *how* a photo was taken, not what it shows.

Each probe is a number per image (numpy, OpenCV and ``medlens.lesion``; no model): image size and
aspect, JPEG bytes per pixel, dark lens-border corners, colour statistics, purple/blue ink marks,
hair and the lesion's share of the skin area. ``medlens.audit.shortcuts`` asks how well they predict
the label within a source and the source from the image.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from medlens.data.sample import Sample
from medlens.lesion.segment import segment_lesion

# probes that describe the file rather than its pixels (left out of the "pixels only" source classifier)
FILE_PROBES = ("height", "width", "aspect", "bytes_per_pixel")
PROBES = (
    *FILE_PROBES,
    "corner_luminance",
    "dark_corners",
    "lens_border",
    "vignette_fraction",
    "luminance_mean",
    "luminance_std",
    "mean_r",
    "mean_g",
    "mean_b",
    "saturation_mean",
    "red_blue_ratio",
    "ink_fraction",
    "hair_fraction",
    "lesion_area_fraction",
)
DARK_CORNER = 40  # mean luminance (0-255) under which a corner patch counts as dark
WORK_SIDE = 256


def _small(image: np.ndarray, side: int = WORK_SIDE) -> np.ndarray:
    h, w = image.shape[:2]
    scale = side / max(h, w)
    if scale >= 1:
        return image
    return cv2.resize(
        image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA
    )


def corner_means(gray: np.ndarray, frac: float = 0.1) -> np.ndarray:
    """Mean luminance of the four corner squares (side ``frac`` of the shorter side)."""
    h, w = gray.shape
    c = max(2, round(frac * min(h, w)))
    patches = (gray[:c, :c], gray[:c, -c:], gray[-c:, :c], gray[-c:, -c:])
    return np.array([float(p.mean()) for p in patches])


def has_lens_border(image: np.ndarray) -> bool:
    """A dark dermoscope-lens border: at least two of the four corners darker than ``DARK_CORNER``."""
    gray = cv2.cvtColor(_small(image), cv2.COLOR_RGB2GRAY)
    return bool((corner_means(gray) < DARK_CORNER).sum() >= 2)


def lens_border_mask(samples: Sequence[Sample]) -> np.ndarray:
    """Per sample, whether its photo has a dark lens border (loads each image once)."""
    return np.array([has_lens_border(s.load_image()) for s in samples], dtype=bool)


def image_probes(image: np.ndarray, path: str | Path | None = None, segment: bool = True) -> dict[str, float]:
    """All probes of one RGB uint8 image (``path``: its file, for bytes per pixel)."""
    h, w = image.shape[:2]
    out: dict[str, float] = {"height": float(h), "width": float(w), "aspect": w / h}
    size = Path(path).stat().st_size if path is not None and Path(path).is_file() else None
    out["bytes_per_pixel"] = size / (h * w) if size else math.nan
    small = _small(image)
    gray = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    corners = corner_means(gray)
    out["corner_luminance"] = float(corners.mean())
    out["dark_corners"] = float((corners < DARK_CORNER).sum())
    out["lens_border"] = float((corners < DARK_CORNER).sum() >= 2)
    rgb = small.reshape(-1, 3).astype(np.float64)
    out["luminance_mean"] = float(gray.mean())
    out["luminance_std"] = float(gray.std())
    out["mean_r"], out["mean_g"], out["mean_b"] = (float(v) for v in rgb.mean(axis=0))
    hsv = cv2.cvtColor(small, cv2.COLOR_RGB2HSV)
    out["saturation_mean"] = float(hsv[..., 1].mean())
    out["red_blue_ratio"] = out["mean_r"] / max(out["mean_b"], 1.0)
    ink = (hsv[..., 0] >= 110) & (hsv[..., 0] <= 165) & (hsv[..., 1] > 90) & (hsv[..., 2] > 60)
    out["ink_fraction"] = float(ink.mean())
    if segment:
        seg = segment_lesion(small)
        tissue = float(seg.tissue.sum())
        out["vignette_fraction"] = 1.0 - float(seg.tissue.mean())
        out["hair_fraction"] = float(seg.hair_fraction)
        out["lesion_area_fraction"] = float(seg.mask.sum()) / tissue if seg.ok and tissue else math.nan
    else:
        out["vignette_fraction"] = out["hair_fraction"] = out["lesion_area_fraction"] = math.nan
    return out


def probe_matrix(rows: list[dict[str, float]]) -> np.ndarray:
    """(n, len(PROBES)) float array in ``PROBES`` order."""
    return np.array([[r.get(p, math.nan) for p in PROBES] for r in rows], dtype=np.float64)
