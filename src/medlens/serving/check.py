"""Independent check of a bundled model on a labelled dataset (torch-free).

Runs the served artifact exactly as the service does (``Predictor``: the card's preprocessing,
test-time views and calibration) over every image of a dataset and measures it, e.g. the melanoma
bundle on the official Kaggle test part that was kept aside from training.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from medlens.data.sample import SampleSet
from medlens.evaluation.bootstrap import summary_with_ci
from medlens.evaluation.operating import metrics_at_threshold
from medlens.serving.predictor import Predictor

log = logging.getLogger(__name__)


@dataclass
class CheckResult:
    model: str
    dataset: str
    n: int
    metrics: dict[str, dict[str, float]]  # name -> {value, ci_low, ci_high}
    operating_point: dict[str, float] | None  # at the card's threshold

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "dataset": self.dataset,
            "n": self.n,
            "metrics": self.metrics,
            "operating_point": self.operating_point,
        }


def check_bundle(
    predictor: Predictor,
    sample_set: SampleSet,
    batch_size: int = 32,
    n_boot: int = 1000,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> CheckResult:
    """Predict every sample and measure against its label (classes must match the card's)."""
    card = predictor.card
    if list(sample_set.classes) != list(card.classes):
        raise ValueError(
            f"dataset {sample_set.name!r} classes {sample_set.classes} do not match model "
            f"{card.name!r} classes {card.classes}"
        )
    probs: list[np.ndarray] = []
    n = len(sample_set)
    for start in range(0, n, batch_size):
        chunk = sample_set.samples[start : start + batch_size]
        preds = predictor.predict_batch([s.load_image() for s in chunk], batch_size=batch_size)
        probs.extend(np.array([p.probabilities[c] for c in card.classes]) for p in preds)
        if progress is not None:
            progress(min(start + batch_size, n), n)
    proba = np.stack(probs)
    y = sample_set.labels()
    target = card.thresholds.target_class
    threshold = card.thresholds.threshold
    metrics = summary_with_ci(
        y, proba, card.classes, target=target, threshold=threshold, n_boot=n_boot, seed=seed
    )
    point = None
    if target is not None and threshold is not None:
        t = card.classes.index(target)
        point = metrics_at_threshold((y == t).astype(int), proba[:, t], threshold).to_dict()
    return CheckResult(card.name, sample_set.name, n, metrics, point)
