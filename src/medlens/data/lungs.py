"""Classical lung-field segmentation of a frontal chest X-ray (numpy + OpenCV, no model, no torch).

The lungs are the large dark regions inside the bright body outline. On a contrast-equalised, smoothed
grayscale image: Otsu's threshold gives the dark pixels; dark regions touching the image border are air
outside the body (or a black frame) and are dropped; the two largest remaining regions of a plausible
size are the lungs, closed and hole-filled. When that finds nothing plausible (a rotated, cropped or
non-chest image), :func:`lung_mask` returns ``None`` and callers fall back to the whole image.

Used as the ``lungcrop`` image op (:mod:`medlens.data.image_ops`): the X-ray is cropped to the lung
fields' bounding box, which removes the corner text, markers and borders that tell a hospital or a
dataset apart (the shortcut of COVID-19 X-ray models), and by the shortcut audit to measure how much of
a class-activation map falls on the lungs.
"""

from __future__ import annotations

import cv2
import numpy as np

WORK_SIDE = 256  # segmentation runs at this size; the mask is resized back
MIN_AREA = 0.02  # a lung region covers at least this share of the image …
MAX_TOTAL = 0.65  # … and both together at most this share
CROP_MARGIN = 0.06  # margin added around the lungs' box, as a share of the image side


def _gray(image: np.ndarray) -> np.ndarray:
    if image.ndim == 3:
        image = cv2.cvtColor(np.ascontiguousarray(image[:, :, :3]), cv2.COLOR_RGB2GRAY)
    return np.ascontiguousarray(image, dtype=np.uint8)


def lung_mask(image: np.ndarray) -> np.ndarray | None:
    """Boolean (H, W) mask of the lung fields of an RGB or grayscale uint8 X-ray, or None if not found."""
    gray = _gray(image)
    h, w = gray.shape
    small = cv2.resize(gray, (WORK_SIDE, WORK_SIDE), interpolation=cv2.INTER_AREA)
    small = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(small)
    small = cv2.GaussianBlur(small, (0, 0), 3)
    _, dark = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    dark = cv2.morphologyEx(dark, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7)))
    n, labels, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    side = WORK_SIDE
    regions: list[tuple[int, int]] = []
    for k in range(1, n):
        x, y, bw, bh, area = (int(v) for v in stats[k])
        touches = x <= 1 or y <= 1 or x + bw >= side - 1 or y + bh >= side - 1
        if not touches and area >= MIN_AREA * side * side:
            regions.append((area, k))
    regions.sort(reverse=True)
    keep = [k for _, k in regions[:2]]
    if not keep:
        return None
    mask = (np.isin(labels, keep) * 255).astype(np.uint8)
    if np.count_nonzero(mask) > MAX_TOTAL * side * side:
        return None
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (15, 15)))
    contours, _ = cv2.findContours(
        np.ascontiguousarray(closed, dtype=np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE
    )
    filled = np.zeros_like(mask)
    cv2.drawContours(filled, contours, -1, 255, thickness=cv2.FILLED)
    full = cv2.resize(filled, (w, h), interpolation=cv2.INTER_NEAREST)
    return full > 0


def lung_box(image: np.ndarray, margin: float = CROP_MARGIN) -> tuple[int, int, int, int] | None:
    """``(top, bottom, left, right)`` of the lung fields plus a margin, made symmetric about the vertical
    centre line, or None when not found."""
    mask = lung_mask(image)
    if mask is None:
        return None
    h, w = mask.shape
    rows, cols = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    my, mx = round(margin * h), round(margin * w)
    top, bottom = max(0, int(rows[0]) - my), min(h, int(rows[-1]) + 1 + my)
    left, right = max(0, int(cols[0]) - mx), min(w, int(cols[-1]) + 1 + mx)
    # the box and its mirror image: one lung is often merged into the outside air, and the chest is
    # roughly symmetric about the image's vertical centre line
    left, right = min(left, w - right), max(right, w - left)
    if bottom - top < h // 4 or right - left < w // 4:
        return None
    return top, bottom, left, right


def crop_to_lungs(image: np.ndarray) -> np.ndarray:
    """The image cropped to its lung fields and resized back to its own size (unchanged if not found)."""
    box = lung_box(image)
    if box is None:
        return image.copy()
    top, bottom, left, right = box
    h, w = image.shape[:2]
    crop = np.ascontiguousarray(image[top:bottom, left:right])
    return cv2.resize(crop, (w, h), interpolation=cv2.INTER_AREA)
