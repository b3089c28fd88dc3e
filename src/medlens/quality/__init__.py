"""Capture-quality gate and out-of-distribution scores (torch-free)."""

from medlens.quality.assess import SKIN_PROFILES, QualityReport, QualityThresholds, assess_quality
from medlens.quality.issues import ISSUES, QualityIssue
from medlens.quality.ood import (
    energy_score,
    fit_ood_threshold,
    is_out_of_distribution,
    max_softmax,
    ood_score,
)

__all__ = [
    "ISSUES",
    "SKIN_PROFILES",
    "QualityIssue",
    "QualityReport",
    "QualityThresholds",
    "assess_quality",
    "energy_score",
    "fit_ood_threshold",
    "is_out_of_distribution",
    "max_softmax",
    "ood_score",
]
