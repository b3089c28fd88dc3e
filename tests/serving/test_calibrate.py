"""Export-time calibration: temperature, the operating threshold (per source, optionally with a recall
lower bound) and the energy gate, from validation logits."""

from __future__ import annotations

import numpy as np

from medlens.card import DataInfo, ModelCard, Preprocessing
from medlens.serving.evaluate import calibrate
from medlens.serving.summary import card_details


def _val(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 1600)
    src = np.where(rng.uniform(size=y.size) < 0.5, "kaggle", "ham")
    shift = np.where(src == "ham", 1.0, 2.0)  # the sources' positives score differently
    margin = rng.normal(0, 1.2, y.size) + shift * (2 * y - 1)
    return np.stack([-margin / 2, margin / 2], axis=1), y, src


def test_recall_confidence_lowers_the_threshold_until_every_source_proves_the_target() -> None:
    logits, y, src = _val()
    classes = ["benign", "malignant"]
    t_plain, plain, _ = calibrate(logits, y, classes, "malignant", 0.85, val_sources=src)
    t_sure, sure, gate = calibrate(
        logits, y, classes, "malignant", 0.85, val_sources=src, recall_confidence=0.95
    )
    assert t_plain == t_sure  # the temperature does not depend on the rule
    assert plain.recall_confidence is None and sure.recall_confidence == 0.95
    assert plain.rule == sure.rule == "every-source"
    assert sure.threshold is not None and plain.threshold is not None
    assert sure.threshold < plain.threshold
    assert sure.val_recall_by_source is not None and plain.val_recall_by_source is not None
    assert min(sure.val_recall_by_source.values()) > min(plain.val_recall_by_source.values()) >= 0.85
    card = ModelCard(
        name="m",
        task="melanoma",
        backbone="b",
        classes=classes,
        preprocessing=Preprocessing(input_size=32),
        thresholds=sure,
        ood=gate,
        data=DataInfo(dataset="synthetic"),
    )
    text = card_details(card)
    assert "required of the recall's 95% lower bound" in text
    assert "in every source (ham " in text
