"""Pure image measurements used by the capture-quality gate (OpenCV + numpy, no torch)."""

from __future__ import annotations

import cv2
import numpy as np

#: Long side (pixels) every image is resized to before measuring, so scores do not depend on resolution.
NORM_SIDE = 256


def normalized_gray(image_rgb: np.ndarray, side: int = NORM_SIDE) -> np.ndarray:
    """Gray uint8 image resized (area interpolation) so its long side is ``side``."""
    gray = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2GRAY)
    h, w = gray.shape
    scale = side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return cv2.resize(gray, size, interpolation=interp)


def laplacian_variance(gray: np.ndarray) -> float:
    """Variance of the Laplacian: low values mean few edges, i.e. a blurry photo."""
    return float(cv2.Laplacian(gray, cv2.CV_64F, ksize=3).var())


def exposure_stats(gray: np.ndarray) -> dict[str, float]:
    """Mean brightness, contrast (std), and fractions of near-black / near-white pixels."""
    g = gray.astype(np.float64)
    return {
        "brightness": float(g.mean()),
        "contrast": float(g.std()),
        "p90": float(np.percentile(g, 90)),
        "p10": float(np.percentile(g, 10)),
        "dark_fraction": float((gray < 25).mean()),
        "bright_fraction": float((gray > 245).mean()),
    }


def skin_fraction(image_rgb: np.ndarray, side: int = NORM_SIDE) -> float:
    """Fraction of the lit (not near-black) pixels whose YCrCb colour falls in the classic skin range.

    Near-black pixels are left out so the dark vignette of dermoscopes does not count against skin.
    Lesions (brown) and pink/red skin fall inside Cr 133..185, Cb 70..150 (pink skin under dermoscope light reaches Cb ~145).
    """
    h, w = image_rgb.shape[:2]
    scale = side / max(h, w)
    small = cv2.resize(
        image_rgb, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA
    )
    ycrcb = cv2.cvtColor(small, cv2.COLOR_RGB2YCrCb).astype(np.int32)
    y, cr, cb = ycrcb[..., 0], ycrcb[..., 1], ycrcb[..., 2]
    lit = y > 30
    if not lit.any():
        return 0.0
    skin = (cr >= 133) & (cr <= 185) & (cb >= 70) & (cb <= 150) & lit
    return float(skin.sum() / lit.sum())
