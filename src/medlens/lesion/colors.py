"""The six dermoscopic colours (white, red, light brown, dark brown, blue-gray, black) in CIELAB.

Each lesion pixel is assigned to the nearest reference colour (CIE76 ΔE) when within
``MAX_DELTA_E``; a colour is present when it covers at least ``MIN_FRACTION`` of the lesion.
Dermoscopic *white* means lighter than the surrounding skin: when a skin mask is given, lesion
pixels with L* above the skin's median L* + ``WHITE_DELTA_L`` and chroma below ``WHITE_MAX_CHROMA``
are white, and the absolute white reference is not used.
References are typical sRGB values of these colours in dermoscopy images (after Seidenari et al.
and Celebi et al.'s colour sets), converted to L*a*b*.
"""

from __future__ import annotations

import cv2
import numpy as np

DERMOSCOPIC_COLORS: dict[str, tuple[int, int, int]] = {
    "white": (235, 230, 230),
    "red": (200, 60, 70),
    "light brown": (190, 130, 85),
    "dark brown": (110, 65, 45),
    "blue-gray": (115, 125, 150),
    "black": (35, 30, 32),
}
MAX_DELTA_E = 28.0
MIN_FRACTION = 0.05
WHITE_DELTA_L = 5.0
WHITE_MAX_CHROMA = 25.0


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """uint8 RGB (..., 3) -> float32 L*a*b* (L 0..100)."""
    arr = np.asarray(rgb, dtype=np.uint8)
    flat = arr.reshape(-1, 1, 3).astype(np.float32) / 255.0
    return cv2.cvtColor(flat, cv2.COLOR_RGB2LAB).reshape(arr.shape).astype(np.float32)


REFERENCE_LAB = rgb_to_lab(np.array(list(DERMOSCOPIC_COLORS.values()), np.uint8))


def color_fractions(
    image_rgb: np.ndarray, mask: np.ndarray, skin_mask: np.ndarray | None = None
) -> dict[str, float]:
    """Share of lesion pixels assigned to each dermoscopic colour (unassigned pixels count in no colour).

    ``skin_mask`` (surrounding normal skin) makes "white" relative to the skin; see the module docstring.
    """
    pix = rgb_to_lab(image_rgb[mask])
    if len(pix) == 0:
        return dict.fromkeys(DERMOSCOPIC_COLORS, 0.0)
    names = list(DERMOSCOPIC_COLORS)
    refs = REFERENCE_LAB
    white = np.zeros(len(pix), bool)
    if skin_mask is not None and skin_mask.any():
        skin_l = float(np.median(rgb_to_lab(image_rgb[skin_mask])[:, 0]))
        chroma = np.hypot(pix[:, 1], pix[:, 2])
        white = (pix[:, 0] > skin_l + WHITE_DELTA_L) & (chroma < WHITE_MAX_CHROMA)
        refs = REFERENCE_LAB.copy()
        refs[names.index("white")] = np.inf  # white only through the relative rule
    d = np.linalg.norm(pix[:, None, :] - refs[None, :, :], axis=-1)
    nearest = d.argmin(1)
    close = (d[np.arange(len(pix)), nearest] <= MAX_DELTA_E) & ~white
    counts = np.bincount(nearest[close], minlength=len(names)).astype(float)
    counts[names.index("white")] += white.sum()
    return {name: float(c / len(pix)) for name, c in zip(names, counts, strict=True)}


def colors_present(fractions: dict[str, float], min_fraction: float = MIN_FRACTION) -> list[str]:
    """Colours covering at least ``min_fraction`` of the lesion; at least the dominant one."""
    present = [name for name, f in fractions.items() if f >= min_fraction]
    if not present:
        present = [max(fractions, key=lambda k: fractions[k])]
    return present
