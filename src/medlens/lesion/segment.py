"""Torch-free lesion segmentation for dermoscopy / close-up skin photos.

Pipeline (at a 256 px working size): hair removal (black-hat + inpaint) -> dermoscope vignette
(dark frame touching the border) excluded -> smoothed blue channel (lesions absorb blue most) ->
Otsu threshold over tissue pixels -> the largest component near the centre -> hole filling and
smoothing. A confidence in [0, 1] combines inside/outside colour contrast, border sharpness, the
lesion's share of the image and how much of its outline touches the image edge. Failures are
reported (``ok=False`` with a reason), never hidden.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
from scipy import ndimage as ndi

from medlens.lesion.hair import remove_hair

WORK_SIDE = 256
MIN_CONFIDENCE = 0.25


@dataclass
class Segmentation:
    """Result of :func:`segment_lesion`. ``mask`` is at the input image's size."""

    mask: np.ndarray
    confidence: float
    ok: bool
    failure: str | None
    clean_rgb: np.ndarray  # hair-removed image at input size
    hair_fraction: float
    tissue: np.ndarray  # pixels that are skin (not dermoscope vignette), at input size
    details: dict[str, float] = field(default_factory=dict)


def _resize(image: np.ndarray, side: int) -> tuple[np.ndarray, float]:
    h, w = image.shape[:2]
    scale = side / max(h, w)
    if abs(scale - 1.0) < 1e-6:
        return image.copy(), 1.0
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return cv2.resize(
        image, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=interp
    ), scale


def vignette_mask(image_rgb: np.ndarray, dark: int = 45, bright: int = 245) -> np.ndarray:
    """Frame around a dermoscope's round field: near-black (or pure white padding) connected to the border."""
    gray = cv2.cvtColor(image_rgb, cv2.COLOR_RGB2GRAY)
    gray = cv2.medianBlur(gray, 5)
    darkm = (gray < dark) | (gray > bright)
    labels, _ = ndi.label(darkm)
    border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    border = border[border > 0]
    vig = np.isin(labels, border)
    if vig.any():
        vig = cv2.dilate(vig.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    return vig


def _pick_component(cand: np.ndarray) -> np.ndarray | None:
    """Component with the largest area weighted by closeness to the image centre."""
    labels, n = ndi.label(cand)
    if n == 0:
        return None
    h, w = cand.shape
    idx = np.arange(1, n + 1)
    areas = ndi.sum(cand, labels, idx)
    cys, cxs = zip(*ndi.center_of_mass(cand, labels, idx), strict=True)
    d = np.hypot((np.array(cys) - h / 2) / (h / 2), (np.array(cxs) - w / 2) / (w / 2))
    frame = np.zeros_like(cand)
    frame[:3], frame[-3:], frame[:, :3], frame[:, -3:] = True, True, True, True
    touching = ndi.sum(frame, labels, idx) > 0
    score = areas * np.exp(-(d**2) / 0.5) * np.where(touching, 0.2, 1.0)
    best = int(idx[np.argmax(score)])
    return labels == best


def _frame_strip(tissue: np.ndarray) -> np.ndarray:
    """Thin strip along the image edge and the vignette boundary (shading artefacts live there)."""
    strip = np.zeros_like(tissue)
    strip[:2], strip[-2:], strip[:, :2], strip[:, -2:] = True, True, True, True
    return strip | cv2.dilate((~tissue).astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)


def _confidence(lab: np.ndarray, mask: np.ndarray, tissue: np.ndarray) -> dict[str, float]:
    inside = mask
    ring = cv2.dilate(mask.astype(np.uint8), np.ones((15, 15), np.uint8)).astype(bool) & ~mask & tissue
    outside = tissue & ~mask
    if not ring.any() or not outside.any():
        return {"contrast": 0.0, "sharpness": 0.0, "area_fraction": float(mask.mean()), "edge_touch": 1.0}
    delta_e = float(np.linalg.norm(lab[inside].mean(0) - lab[ring].mean(0)))
    lum = cv2.GaussianBlur(lab[..., 0], (0, 0), 1.0)
    grad = np.hypot(cv2.Sobel(lum, cv2.CV_32F, 1, 0), cv2.Sobel(lum, cv2.CV_32F, 0, 1)) / 8.0
    edge = mask ^ cv2.erode(mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    sharp = float(grad[edge].mean()) if edge.any() else 0.0
    frame = np.zeros_like(mask)
    frame[:2], frame[-2:], frame[:, :2], frame[:, -2:] = True, True, True, True
    frame |= cv2.dilate((~tissue).astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    touch = float((edge & frame).sum() / max(edge.sum(), 1))
    return {
        "contrast": delta_e,
        "sharpness": sharp,
        "area_fraction": float(mask.sum() / max(tissue.sum(), 1)),
        "edge_touch": touch,
    }


def _score(d: dict[str, float]) -> float:
    c = min(d["contrast"] / 25.0, 1.0)
    s = min(d["sharpness"] / 4.0, 1.0)
    a = d["area_fraction"]
    area_ok = 1.0 if 0.02 <= a <= 0.6 else (a / 0.02 if a < 0.02 else max(0.0, (0.95 - a) / 0.35))
    return float(np.clip((0.5 * c + 0.2 * s + 0.3 * area_ok) * (1.0 - 0.6 * d["edge_touch"]), 0.0, 1.0))


def segment_lesion(image_rgb: np.ndarray) -> Segmentation:
    """Segment the main pigmented lesion of an RGB uint8 photo. See module docstring."""
    if not isinstance(image_rgb, np.ndarray) or image_rgb.ndim != 3 or image_rgb.shape[2] != 3:
        raise ValueError(
            f"segment_lesion expects an RGB uint8 array (H, W, 3), got {getattr(image_rgb, 'shape', None)}"
        )
    if image_rgb.dtype != np.uint8:
        raise ValueError(f"segment_lesion expects dtype uint8, got {image_rgb.dtype}")
    H, W = image_rgb.shape[:2]
    small, _ = _resize(image_rgb, WORK_SIDE)
    clean, hairs = remove_hair(small)
    tissue = ~vignette_mask(clean)
    empty = np.zeros((H, W), bool)
    clean_full = (
        cv2.resize(clean, (W, H), interpolation=cv2.INTER_LINEAR) if clean.shape[:2] != (H, W) else clean
    )

    def fail(
        reason: str, details: dict[str, float] | None = None, mask: np.ndarray | None = None
    ) -> Segmentation:
        full_mask = empty if mask is None else mask
        return Segmentation(
            full_mask, 0.0, False, reason, clean_full, float(hairs.mean()), _up(tissue), details or {}
        )

    def _up(m: np.ndarray) -> np.ndarray:
        if m.shape == (H, W):
            return m
        return cv2.resize(m.astype(np.uint8), (W, H), interpolation=cv2.INTER_NEAREST).astype(bool)

    if tissue.mean() < 0.2:
        return fail("image is mostly dark (dermoscope frame or underexposed); no skin area to segment")
    blue = cv2.GaussianBlur(clean[..., 2], (0, 0), 2.0)
    vals = blue[tissue]
    if vals.max() - vals.min() < 10:
        return fail("no contrast in the image; cannot separate a lesion from the skin")
    thr, _ = cv2.threshold(vals.reshape(-1, 1), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    cand = (blue <= thr) & tissue
    cand = cv2.morphologyEx(cand.astype(np.uint8), cv2.MORPH_OPEN, np.ones((5, 5), np.uint8)).astype(bool)
    comp = _pick_component(cand & ~_frame_strip(tissue))
    if comp is None:
        return fail("no dark region found")
    comp = ndi.binary_fill_holes(comp)
    comp = cv2.morphologyEx(
        comp.astype(np.uint8), cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9))
    )
    comp = ndi.binary_fill_holes(comp.astype(bool)) & tissue
    lab = cv2.cvtColor(clean.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)
    details = _confidence(lab, comp, tissue)
    details["otsu_threshold"] = float(thr)
    conf = _score(details)
    details["confidence"] = conf
    full = _up(comp)
    if details["area_fraction"] < 0.003:
        return fail("lesion region too small (< 0.3 % of the skin area)", details, full)
    if details["area_fraction"] > 0.75:
        return fail(
            "no lesion boundary found: the dark region covers > 75 % of the skin (lesion larger than the photo?)",
            details,
            full,
        )
    if conf < MIN_CONFIDENCE:
        return fail(f"low segmentation confidence ({conf:.2f} < {MIN_CONFIDENCE})", details, full)
    return Segmentation(full, conf, True, None, clean_full, float(hairs.mean()), _up(tissue), details)
