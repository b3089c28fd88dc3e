"""Pure image measurements used by the capture-quality gate (OpenCV + numpy, no torch)."""

from __future__ import annotations

import math

import cv2
import numpy as np

#: Long side (pixels) every image is resized to before measuring, so scores do not depend on resolution.
NORM_SIDE = 256


def resize_long_side(
    image: np.ndarray, side: int = NORM_SIDE, interpolation: int | None = None
) -> np.ndarray:
    """Image (RGB or gray) resized so its long side is ``side``: area when shrinking, cubic when enlarging,
    unless ``interpolation`` names another OpenCV flag."""
    h, w = image.shape[:2]
    scale = side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    if interpolation is None:
        interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return cv2.resize(image, size, interpolation=interpolation)


def normalized_gray(image_rgb: np.ndarray, side: int = NORM_SIDE) -> np.ndarray:
    """Gray uint8 image with its long side resized to ``side``.

    Gray first, then the resize: both are linear, so this equals resizing the colour image and converting
    it (to rounding), at a third of the resize cost.
    """
    return resize_long_side(cv2.cvtColor(image_rgb, cv2.COLOR_RGB2GRAY), side)


def laplacian_variance(gray: np.ndarray) -> float:
    """Variance of the Laplacian: low values mean few edges, i.e. a blurry photo."""
    return float(cv2.Laplacian(gray, cv2.CV_64F, ksize=3).var())


def exposure_stats(gray: np.ndarray) -> dict[str, float]:
    """Mean brightness, contrast (std), 10th/90th percentiles and fractions of near-black / near-white pixels.

    Computed from the 256-bin histogram of the uint8 image (one pass); the percentiles equal
    ``np.percentile``'s default (linear) method exactly.
    """
    hist = np.bincount(gray.ravel(), minlength=256).astype(np.float64)
    n = float(hist.sum())
    levels = np.arange(256, dtype=np.float64)
    mean = float(hist @ levels / n)
    cum = np.cumsum(hist)
    return {
        "brightness": mean,
        "contrast": math.sqrt(max(float(hist @ (levels - mean) ** 2) / n, 0.0)),
        "p90": _hist_percentile(cum, 90.0),
        "p10": _hist_percentile(cum, 10.0),
        "dark_fraction": float(cum[24] / n),
        "bright_fraction": float((n - cum[245]) / n),
    }


def _hist_percentile(cum: np.ndarray, q: float) -> float:
    """``np.percentile(values, q)`` (linear) from the cumulative histogram of uint8 values."""
    pos = q / 100.0 * (cum[-1] - 1)
    lo = int(np.floor(pos))
    v_lo = int(np.searchsorted(cum, lo, side="right"))
    v_hi = int(np.searchsorted(cum, lo + 1, side="right")) if pos > lo else v_lo
    return float(v_lo + (pos - lo) * (v_hi - v_lo))


def skin_fraction(image_rgb: np.ndarray, side: int = NORM_SIDE) -> float:
    """Fraction of the lit (not near-black) pixels whose YCrCb colour falls in the classic skin range.

    Near-black pixels are left out so the dark vignette of dermoscopes does not count against skin.
    Lesions (brown) and pink/red skin fall inside Cr 133..185, Cb 70..150 (pink skin under dermoscope light reaches Cb ~145).
    Counted on the image resized to a ``side`` long side by linear interpolation: a pixel count needs no
    anti-aliasing, and it is 8x cheaper than area.
    """
    small = resize_long_side(image_rgb, side, cv2.INTER_LINEAR)
    ycrcb = cv2.cvtColor(small, cv2.COLOR_RGB2YCrCb)
    lit = cv2.countNonZero(cv2.inRange(ycrcb, (31, 0, 0), (255, 255, 255)))  # Y > 30
    if lit == 0:
        return 0.0
    skin = cv2.countNonZero(cv2.inRange(ycrcb, (31, 133, 70), (255, 185, 150)))
    return float(skin / lit)


def chroma(image_rgb: np.ndarray, side: int = NORM_SIDE) -> float:
    """Mean per-pixel spread between the colour channels (max - min, 0..255): ~0 for a grayscale
    radiograph (even with a few coloured annotation marks), tens for a colour photo."""
    small = resize_long_side(image_rgb, side, cv2.INTER_AREA).astype(np.int16)
    return float((small.max(axis=2) - small.min(axis=2)).mean())
