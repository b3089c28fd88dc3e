"""Lesion analysis (torch-free): segmentation, ABCD features, Total Dermoscopy Score, overlay."""

from medlens.lesion.analysis import LesionAnalysis, analyze_lesion
from medlens.lesion.colors import DERMOSCOPIC_COLORS
from medlens.lesion.score import TDS_BANDS, diameter_score, tds_band, total_dermoscopy_score
from medlens.lesion.segment import Segmentation, segment_lesion

__all__ = [
    "DERMOSCOPIC_COLORS",
    "TDS_BANDS",
    "LesionAnalysis",
    "Segmentation",
    "analyze_lesion",
    "diameter_score",
    "segment_lesion",
    "tds_band",
    "total_dermoscopy_score",
]
