"""DullRazor-style hair removal: black-hat morphology finds thin dark lines, inpainting fills them."""

from __future__ import annotations

import cv2
import numpy as np


def hair_mask(image_rgb: np.ndarray, kernel_size: int = 11, threshold: int = 12) -> np.ndarray:
    """Boolean mask of thin dark structures (hairs, ruler marks) via a black-hat on the gray image.

    ``kernel_size`` should exceed the hair width in pixels (11 px suits ~256 px images).
    """
    gray = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2GRAY)
    kernel = cv2.getStructuringElement(cv2.MORPH_CROSS, (kernel_size, kernel_size))
    blackhat = cv2.morphologyEx(gray, cv2.MORPH_BLACKHAT, kernel)
    blackhat = cv2.GaussianBlur(blackhat, (3, 3), 0)
    mask = (blackhat > threshold).astype(np.uint8)
    # Hairs are elongated: keep only components whose size suggests a line, not lesion texture dots.
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    keep = np.zeros(n, bool)
    for i in range(1, n):
        w, h, area = stats[i, cv2.CC_STAT_WIDTH], stats[i, cv2.CC_STAT_HEIGHT], stats[i, cv2.CC_STAT_AREA]
        keep[i] = max(w, h) >= 2 * kernel_size and area < 0.5 * w * h + 1
    mask = keep[labels].astype(np.uint8)
    return cv2.dilate(mask, np.ones((3, 3), np.uint8)).astype(bool)


def remove_hair(
    image_rgb: np.ndarray, kernel_size: int = 11, threshold: int = 12
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(clean_rgb, hair_mask)``: hairs are inpainted (Telea) from the surrounding skin."""
    mask = hair_mask(image_rgb, kernel_size, threshold)
    if not mask.any():
        return image_rgb.copy(), mask
    clean = cv2.inpaint(image_rgb, mask.astype(np.uint8), 5, cv2.INPAINT_TELEA)
    return clean, mask
