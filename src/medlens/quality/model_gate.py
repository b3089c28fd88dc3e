"""The quality gate a model earned: limits read from its card's robustness curves (numpy + OpenCV).

``medlens robustness`` measures how a model's accuracy falls as ImageNet-C corruptions get worse and
derives, for the gate measures that correspond to a corruption (blur, contrast, brightness), the value
past which the model is expected to lose more than ``max_drop`` accuracy
(:func:`medlens.robustness.gate.derive_gate`, stored in ``card.metrics.robustness.quality_gate``).
Those limits are measured on what the network sees: the photo squash-resized to the model's input
size (:func:`model_view`), then gray at a 256 px long side (:func:`gate_measure`). Serving measures an
upload the same way, so a limit means the same thing at derivation and at upload time. A card without
derived limits keeps the fixed constants of :class:`medlens.quality.assess.QualityThresholds`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from medlens.quality.measures import exposure_stats, laplacian_variance, normalized_gray

#: gate field -> (issue code when refused, measure name, refuse when the measure is ..., the ImageNet-C
#: corruption whose curve sets it); :mod:`medlens.robustness.gate` derives the thresholds from this table
MODEL_RULES: dict[str, tuple[str, str, str, str]] = {
    "min_blur": ("blurry", "laplacian_variance", "below", "defocus_blur"),
    "min_contrast": ("low_contrast", "contrast", "below", "contrast"),
    "max_p10": ("too_bright", "p10", "above", "brightness"),
}


def model_view(image: np.ndarray, size: int) -> np.ndarray:
    """RGB uint8 image squash-resized to ``size`` x ``size`` (area when shrinking), as the model sees it."""
    im = image if image.ndim == 3 else np.repeat(image[..., None], 3, axis=2)
    interp = cv2.INTER_AREA if size < min(im.shape[:2]) else cv2.INTER_LINEAR
    return cv2.resize(np.ascontiguousarray(im[..., :3]), (size, size), interpolation=interp)


def gate_measure(image_rgb: np.ndarray, name: str) -> float:
    """One gate measure of a (model-view) RGB image: ``laplacian_variance`` or an exposure statistic."""
    gray = normalized_gray(image_rgb)
    return laplacian_variance(gray) if name == "laplacian_variance" else float(exposure_stats(gray)[name])


@dataclass(frozen=True)
class ModelRule:
    field: str  # min_blur | min_contrast | max_p10
    code: str  # quality issue code raised when refused
    measure: str
    refuse: str  # below | above
    threshold: float
    corruption: str
    max_drop: float

    def refuses(self, value: float) -> bool:
        return value < self.threshold if self.refuse == "below" else value > self.threshold


@dataclass(frozen=True)
class ModelGate:
    """The card-derived limits of one model and the input size they are measured at."""

    input_size: int
    rules: tuple[ModelRule, ...]

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(r.field for r in self.rules)

    @classmethod
    def from_card(cls, card: Any) -> ModelGate | None:
        """The gate stored under ``card.metrics['robustness']['quality_gate']``; None when absent."""
        metrics = getattr(card, "metrics", None) or {}
        gate = (metrics.get("robustness") or {}).get("quality_gate") or {}
        size = getattr(getattr(card, "preprocessing", None), "input_size", None)
        if not gate or not isinstance(size, int):
            return None
        rules = []
        for field, (code, measure, refuse, _corruption) in MODEL_RULES.items():
            row = gate.get(field) or {}
            if row.get("threshold") is None:
                continue
            rules.append(
                ModelRule(
                    field,
                    code,
                    measure,
                    refuse,
                    float(row["threshold"]),
                    str(row.get("corruption", "")),
                    float(gate.get("max_drop", 0.05)),
                )
            )
        return cls(size, tuple(rules)) if rules else None

    def check(self, image_rgb: np.ndarray) -> tuple[list[str], dict[str, float]]:
        """Issue codes this model's limits raise for ``image_rgb``, and the measured values."""
        view = model_view(image_rgb, self.input_size)
        codes: list[str] = []
        values: dict[str, float] = {}
        for rule in self.rules:
            value = gate_measure(view, rule.measure)
            values[f"model_{rule.measure}"] = value
            if rule.refuses(value) and rule.code not in codes:
                codes.append(rule.code)
        return codes, values
