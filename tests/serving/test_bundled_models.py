"""The models shipped in models/: complete cards, verified weights, and a real prediction each."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from medlens.card import CardError, ModelCard
from medlens.config import PROJECT_ROOT
from medlens.serving import Predictor

from .conftest import read


def _bundles() -> list[Path]:
    out = []
    for card in sorted((PROJECT_ROOT / "models").glob("*/card.json")):
        try:
            ModelCard.load(card, verify=False)
        except CardError:  # tabular cards have another schema
            continue
        out.append(card.parent)
    return out


BUNDLES = _bundles()


@pytest.mark.skipif(not BUNDLES, reason="no bundled image models under models/")
@pytest.mark.parametrize("bundle", BUNDLES, ids=[b.name for b in BUNDLES])
def test_bundled_card_is_complete_and_predicts(bundle: Path, melanoma_images: list[Path]) -> None:
    card = ModelCard.load(bundle)  # verifies model.onnx and cam_head.npz hashes
    assert card.classes and card.preprocessing.input_size > 0 and card.temperature > 0
    assert card.params and card.macs and card.latency_ms and card.weights_bytes
    assert card.data.fingerprint and card.data.source and card.data.license and card.data.n_test > 0
    # a single network is exported; an ensemble bundle is built from member bundles (medlens ensemble)
    assert card.training_command.startswith("medlens train")
    assert card.export_command.startswith(("medlens export", "medlens ensemble")), card.export_command
    if card.export_command.startswith("medlens ensemble"):
        assert card.backbone.startswith("ensemble(") and "--out" in card.export_command
    assert card.ood is not None and card.limitations and "not a diagnosis" in card.intended_use
    # every image bundle refers images far from its training sources (issue 12): block + bank file
    assert card.source_gate is not None and (bundle / card.source_gate.file).is_file()
    assert card.source_gate.test_false_flag_rate is not None
    test = card.metrics["test"]
    assert test["n_test"] == card.data.n_test
    for key in ("accuracy", "auroc_macro"):
        assert test[key]["ci_low"] <= test[key]["value"] <= test[key]["ci_high"]
    if card.thresholds.target_class:
        assert card.thresholds.threshold is not None and card.thresholds.val_recall is not None

    pred = Predictor.from_card(bundle).predict(read(melanoma_images[0]), cam=True)
    assert sum(pred.probabilities.values()) == pytest.approx(1.0, abs=1e-6)
    assert pred.risk is not None and pred.ood is not None
    assert pred.overlay is not None and pred.overlay.shape == (300, 300, 3) and pred.overlay.dtype == np.uint8
