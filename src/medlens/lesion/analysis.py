"""``analyze_lesion``: segmentation + ABCD features + TDS + overlay in one call (torch-free)."""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from medlens.lesion.colors import color_fractions, colors_present, rgb_to_lab
from medlens.lesion.geometry import (
    asymmetry,
    border_segments,
    compactness,
    max_feret_diameter,
    principal_axes,
)
from medlens.lesion.overlay import draw_overlay
from medlens.lesion.score import (
    ASSUMED_FIELD_OF_VIEW_MM,
    TDS_BANDS,
    diameter_score,
    tds_band,
    total_dermoscopy_score,
)
from medlens.lesion.segment import WORK_SIDE, segment_lesion
from medlens.tasks.spec import Text


@dataclass
class LesionAnalysis:
    """ABCD analysis of one photo. Feature fields are None when ``ok`` is False (see ``failure``)."""

    mask: np.ndarray
    confidence: float
    asymmetry: int | None
    border: int | None
    colors: list[str]
    diameter_px: float | None
    diameter_mm: float | None
    tds: float | None
    tds_band: str | None
    overlay: np.ndarray
    ok: bool
    failure: str | None
    asymmetry_ratios: tuple[float, float] | None = None
    compactness: float | None = None
    border_segments: list[bool] = field(default_factory=list)
    color_fractions: dict[str, float] = field(default_factory=dict)
    diameter_score: int | None = None
    diameter_basis: str | None = None  # "mm_per_pixel" or "assumed field of view"
    hair_fraction: float = 0.0
    segmentation: dict[str, float] = field(default_factory=dict)

    @property
    def tds_text(self) -> tuple[Text, Text] | None:
        """(label, advice) texts of the TDS band in English and Korean."""
        return TDS_BANDS.get(self.tds_band) if self.tds_band else None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict without arrays (mask and overlay are left out)."""
        texts = self.tds_text

        def r(x: float | None, n: int = 3) -> float | None:
            return None if x is None else round(float(x), n)

        return {
            "ok": self.ok,
            "failure": self.failure,
            "confidence": r(self.confidence),
            "asymmetry": self.asymmetry,
            "asymmetry_ratios": None
            if self.asymmetry_ratios is None
            else [r(x) for x in self.asymmetry_ratios],
            "border": self.border,
            "border_segments": self.border_segments,
            "compactness": r(self.compactness),
            "colors": self.colors,
            "color_fractions": {k: r(v) for k, v in self.color_fractions.items()},
            "diameter_px": r(self.diameter_px, 1),
            "diameter_mm": r(self.diameter_mm, 2),
            "diameter_score": self.diameter_score,
            "diameter_basis": self.diameter_basis,
            "tds": self.tds,
            "tds_band": self.tds_band,
            "tds_label": None if texts is None else {"en": texts[0].en, "ko": texts[0].ko},
            "tds_advice": None if texts is None else {"en": texts[1].en, "ko": texts[1].ko},
            "hair_fraction": r(self.hair_fraction),
            "segmentation": {k: r(v) for k, v in self.segmentation.items()},
        }


def _work(mask: np.ndarray, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mask and image at the 256 px working size (border/colour measures are tuned there)."""
    h, w = mask.shape
    scale = WORK_SIDE / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    m = cv2.resize(mask.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST).astype(bool)
    img = cv2.resize(image, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    return m, img


def analyze_lesion(image_rgb: np.ndarray, mm_per_pixel: float | None = None) -> LesionAnalysis:
    """Segment the lesion and compute ABCD features, the TDS, its band and an overlay.

    ``mm_per_pixel`` (of the input image) converts the diameter to mm; without it the D score assumes
    the photo spans ``ASSUMED_FIELD_OF_VIEW_MM`` (a typical dermoscope field) and ``diameter_mm`` is None.
    """
    if mm_per_pixel is not None and not mm_per_pixel > 0:
        raise ValueError(f"mm_per_pixel must be > 0, got {mm_per_pixel}")
    seg = segment_lesion(image_rgb)
    if not seg.ok:
        overlay = draw_overlay(image_rgb, seg.mask, None, [], f"segmentation failed: {seg.failure}", ok=False)
        return LesionAnalysis(
            mask=seg.mask,
            confidence=seg.confidence,
            asymmetry=None,
            border=None,
            colors=[],
            diameter_px=None,
            diameter_mm=None,
            tds=None,
            tds_band=None,
            overlay=overlay,
            ok=False,
            failure=seg.failure,
            hair_fraction=seg.hair_fraction,
            segmentation=seg.details,
        )
    mask = seg.mask
    a_score, a_ratios = asymmetry(mask)
    axes = principal_axes(mask)
    m_small, img_small = _work(mask, seg.clean_rgb)
    lum = rgb_to_lab(img_small)[..., 0]
    segs = border_segments(lum, m_small, principal_axes(m_small))
    tissue_small = (
        cv2.resize(seg.tissue.astype(np.uint8), m_small.shape[::-1], interpolation=cv2.INTER_NEAREST) > 0
    )
    near = cv2.dilate(m_small.astype(np.uint8), np.ones((31, 31), np.uint8)).astype(bool)
    skin = near & ~cv2.dilate(m_small.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool) & tissue_small
    fractions = color_fractions(img_small, m_small, skin)
    colors = colors_present(fractions)
    diam_px = max_feret_diameter(mask)
    if mm_per_pixel is not None:
        diam_mm: float | None = diam_px * mm_per_pixel
        d_score = diameter_score(diam_px * mm_per_pixel)
        basis = "mm_per_pixel"
    else:
        diam_mm = None
        d_score = diameter_score(diam_px / max(mask.shape) * ASSUMED_FIELD_OF_VIEW_MM)
        basis = f"assumed field of view {ASSUMED_FIELD_OF_VIEW_MM:g} mm"
    b_score = int(sum(segs))
    tds = total_dermoscopy_score(a_score, b_score, len(colors), d_score)
    band = tds_band(tds)
    caption = f"A{a_score} B{b_score} C{len(colors)} D{d_score} TDS {tds:.2f} ({band}) - screening only"
    overlay = draw_overlay(image_rgb, mask, axes, colors, caption)
    return LesionAnalysis(
        mask=mask,
        confidence=seg.confidence,
        asymmetry=a_score,
        border=b_score,
        colors=colors,
        diameter_px=diam_px,
        diameter_mm=diam_mm,
        tds=tds,
        tds_band=band,
        overlay=overlay,
        ok=True,
        failure=None,
        asymmetry_ratios=a_ratios,
        compactness=compactness(mask),
        border_segments=segs,
        color_fractions=fractions,
        diameter_score=d_score,
        diameter_basis=basis,
        hair_fraction=seg.hair_fraction,
        segmentation=seg.details,
    )
