"""Shape features of a lesion mask: principal axes, asymmetry, border irregularity, diameter."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

#: Area mismatch after flipping across an axis (XOR / area) above which that axis counts as asymmetric.
#: A disc scores < 0.08 after segmentation; 0.2 was chosen on a development sample (seed 42) of the
#: Kaggle melanoma train folder, and benchmarks/abcd_melanoma.py reports on a disjoint sample.
ASYMMETRY_THRESHOLD = 0.2
#: Share of the luminance step across the border that must happen within a thin band (±3 px at
#: 256 px) for a border segment to count as an abrupt cut-off. On synthetic discs the ratio is 0.9
#: for a step edge, 0.74 for a 4 px linear ramp, 0.47 for 8 px, 0.32 for 12 px: 0.4 ≈ a transition
#: narrower than ~10 px (4 % of the field).
ABRUPT_RATIO = 0.4
MIN_STEP_L = 3.0  # L* units; smaller steps are no visible edge at all


@dataclass(frozen=True)
class Axes:
    """Centroid (x, y), unit direction of the major axis, and the std along each principal axis."""

    cx: float
    cy: float
    major: tuple[float, float]
    minor: tuple[float, float]
    sd_major: float
    sd_minor: float


def principal_axes(mask: np.ndarray) -> Axes:
    """Principal axes of a boolean mask from its second moments."""
    ys, xs = np.nonzero(mask)
    if len(xs) < 3:
        raise ValueError("principal_axes needs a mask with at least 3 pixels")
    cx, cy = xs.mean(), ys.mean()
    cov = np.cov(np.vstack([xs - cx, ys - cy]))
    evals, evecs = np.linalg.eigh(cov)  # ascending
    major, minor = evecs[:, 1], evecs[:, 0]
    return Axes(
        float(cx),
        float(cy),
        (float(major[0]), float(major[1])),
        (float(minor[0]), float(minor[1])),
        float(np.sqrt(max(evals[1], 0))),
        float(np.sqrt(max(evals[0], 0))),
    )


def _aligned(mask: np.ndarray, axes: Axes) -> np.ndarray:
    """Mask rotated so its major axis is horizontal and its centroid is at the canvas centre."""
    h, w = mask.shape
    side = int(np.ceil(np.hypot(h, w))) + 4
    angle = np.degrees(np.arctan2(axes.major[1], axes.major[0]))
    rot = cv2.getRotationMatrix2D((axes.cx, axes.cy), angle, 1.0)
    rot[0, 2] += side / 2 - axes.cx
    rot[1, 2] += side / 2 - axes.cy
    out = cv2.warpAffine(mask.astype(np.uint8) * 255, rot, (side, side), flags=cv2.INTER_NEAREST)
    return out > 127


def asymmetry(mask: np.ndarray, threshold: float = ASYMMETRY_THRESHOLD) -> tuple[int, tuple[float, float]]:
    """A score (0..2): number of principal axes across which the flipped shape mismatches by > ``threshold``.

    Returns ``(score, (ratio_major, ratio_minor))`` where ratio = XOR(mask, flipped) area / mask area.
    """
    axes = principal_axes(mask)
    al = _aligned(mask, axes)
    area = max(int(al.sum()), 1)
    across_major = float(np.logical_xor(al, al[::-1, :]).sum() / area)  # flip top/bottom over the major axis
    across_minor = float(np.logical_xor(al, al[:, ::-1]).sum() / area)
    score = int(across_major > threshold) + int(across_minor > threshold)
    return score, (across_major, across_minor)


def compactness(mask: np.ndarray) -> float:
    """Compactness index P² / (4πA): 1 for a disc, larger for ragged outlines."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return float("nan")
    c = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(c)
    return float(cv2.arcLength(c, True) ** 2 / (4 * np.pi * area)) if area > 0 else float("nan")


def border_segments(lum: np.ndarray, mask: np.ndarray, axes: Axes, ratio: float = ABRUPT_RATIO) -> list[bool]:
    """For 8 angular sectors (starting at the major axis) whether the pigment stops abruptly.

    ``lum`` is L* (0..100) at the mask's size. Per sector the L* step across the border is measured
    twice: between thin bands (1–3 px inside vs outside) and wide bands (1–10 px). An abrupt
    cut-off puts most of the step in the thin band.
    """
    m8 = mask.astype(np.uint8)
    d_in = cv2.distanceTransform(m8, cv2.DIST_L2, 3)
    d_out = cv2.distanceTransform(1 - m8, cv2.DIST_L2, 3)
    h, w = mask.shape
    yy, xx = np.mgrid[0:h, 0:w]
    ang = np.arctan2(yy - axes.cy, xx - axes.cx) - np.arctan2(axes.major[1], axes.major[0])
    sector = ((ang % (2 * np.pi)) / (np.pi / 4)).astype(int) % 8
    out = []
    for k in range(8):
        s = sector == k

        def band(dist: np.ndarray, lo: float, hi: float, s: np.ndarray = s) -> float:
            sel = s & (dist >= lo) & (dist <= hi)
            return float(lum[sel].mean()) if sel.any() else float("nan")

        thin = band(d_out, 1, 3) - band(d_in, 1, 3)
        wide = band(d_out, 1, 10) - band(d_in, 1, 10)
        full = band(d_out, 6, 12) - band(d_in, 6, 12)
        step = max(wide, full) if np.isfinite(full) else wide
        ok = np.isfinite(thin) and np.isfinite(step) and step > MIN_STEP_L and thin / step >= ratio
        out.append(bool(ok))
    return out


def max_feret_diameter(mask: np.ndarray) -> float:
    """Largest distance (pixels) between two points of the mask outline (convex hull)."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return 0.0
    hull = cv2.convexHull(np.vstack(contours)).reshape(-1, 2).astype(np.float64)
    if len(hull) < 2:
        return 1.0
    d = np.sqrt(((hull[:, None, :] - hull[None, :, :]) ** 2).sum(-1))
    return float(d.max()) + 1.0  # pixel centres -> outer extent
