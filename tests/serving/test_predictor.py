"""Predictor behaviour on real images with a small exported model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from medlens.card import CardError, ModelCard, OODGate
from medlens.serving import Predictor, softmax
from medlens.serving.preprocessing import PreprocessError

from .conftest import make_bundle, read


@pytest.fixture(scope="module")
def predictor(melanoma_bundle: Path) -> Predictor:
    return Predictor.from_card(melanoma_bundle)


def test_calibrated_probabilities_and_risk(predictor: Predictor, melanoma_images: list[Path]) -> None:
    pred = predictor.predict(read(melanoma_images[0]))
    expected = softmax(np.asarray(pred.logits), predictor.card.temperature)
    assert list(pred.probabilities) == ["benign", "malignant"]
    assert np.allclose(list(pred.probabilities.values()), expected, atol=1e-6)
    assert pred.label == max(pred.probabilities, key=pred.probabilities.get)
    assert pred.target_class == "malignant" and pred.target_probability == pred.probabilities["malignant"]
    assert pred.screen_positive == (pred.target_probability >= 0.3)
    band = predictor.task.risk_for(pred.target_probability, 0.3)
    assert pred.risk_level == band.level
    energy = -np.log(np.exp(np.asarray(pred.logits)).sum())
    assert pred.energy == pytest.approx(energy, abs=1e-5)
    assert pred.ood == (pred.energy > -1.0)
    assert pred.model_ms > 0


def test_heatmap_and_overlay_at_image_size(predictor: Predictor, ham_images: list[Path]) -> None:
    img = read(ham_images[0])  # 200 x 150, not square
    pred = predictor.predict(img, cam=True)
    assert pred.heatmap.shape == img.shape[:2] and pred.heatmap.dtype == np.float32
    assert pred.heatmap.min() >= 0.0 and pred.heatmap.max() <= 1.0
    assert pred.overlay.shape == img.shape and pred.overlay.dtype == np.uint8
    assert pred.heatmap_class == "malignant"
    assert not np.array_equal(pred.overlay, img)


def test_batch_equals_single(predictor: Predictor, melanoma_images: list[Path]) -> None:
    images = [read(p) for p in melanoma_images]
    batch = predictor.predict_batch(images, batch_size=4)  # two chunks
    for img, b in zip(images, batch, strict=True):
        single = predictor.predict(img)
        assert np.allclose(b.logits, single.logits, atol=1e-4)
        assert b.label == single.label


def test_to_dict_is_json(predictor: Predictor, melanoma_images: list[Path]) -> None:
    d = predictor.predict(read(melanoma_images[0]), cam=True).to_dict(lang="ko")
    text = json.dumps(d, ensure_ascii=False)
    assert {"label", "probabilities", "risk", "energy", "ood"} <= set(d)
    assert d["risk_label"] in ("낮음", "중간", "높음")
    assert "heatmap" not in d and "overlay" not in d and len(text) < 5000  # arrays are left out


def test_bad_image_raises(predictor: Predictor) -> None:
    with pytest.raises(PreprocessError, match="RGB"):
        predictor.predict(np.zeros((5, 5, 7), np.uint8))


def test_multihead_card_gives_per_head_probabilities(tmp_path: Path, rng: np.random.Generator) -> None:
    heads = {"dryness": ["0", "1", "2", "3"], "oiliness": ["0", "1", "2", "3"]}
    make_bundle(
        tmp_path / "scalp",
        backbone="convnext_atto",
        task="scalp",
        classes=("0", "1", "2", "3"),
        heads=heads,
        threshold=None,
    )
    pred = Predictor.from_card(tmp_path / "scalp").predict(
        rng.integers(0, 255, (80, 60, 3), dtype=np.uint8), cam=True
    )
    assert set(pred.heads) == {"dryness", "oiliness"}
    for probs in pred.heads.values():
        assert sum(probs.values()) == pytest.approx(1.0, abs=1e-6)
    assert pred.probabilities == pred.heads["dryness"]
    assert len(pred.logits) == 8
    assert pred.heatmap is not None


def test_max_softmax_ood_gate(tmp_path: Path, rng: np.random.Generator) -> None:
    make_bundle(tmp_path / "msp", backbone="convnext_atto", ood=OODGate(method="max_softmax", threshold=1.01))
    pred = Predictor.from_card(tmp_path / "msp").predict(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8))
    assert pred.ood is True  # every max probability is below 1.01


def test_card_with_wrong_weights_hash_is_refused(melanoma_bundle: Path, tmp_path: Path) -> None:
    card = ModelCard.load(melanoma_bundle)
    (tmp_path / "model.onnx").write_bytes(card.weights_path.read_bytes() + b"\0")
    (tmp_path / "cam_head.npz").write_bytes((melanoma_bundle / "cam_head.npz").read_bytes())
    card.save(tmp_path / "card.json")
    with pytest.raises(CardError, match="does not match"):
        Predictor.from_card(tmp_path)


def test_missing_cam_file_is_refused(melanoma_bundle: Path, tmp_path: Path) -> None:
    card = ModelCard.load(melanoma_bundle)
    (tmp_path / "model.onnx").write_bytes(card.weights_path.read_bytes())
    card.save(tmp_path / "card.json")
    with pytest.raises(CardError, match="CAM head"):
        ModelCard.load(tmp_path)


def test_card_fields_filled(melanoma_bundle: Path) -> None:
    card = ModelCard.load(melanoma_bundle)
    assert card.params and card.macs and card.latency_ms and card.latency_hardware
    assert card.weights_bytes == card.weights_path.stat().st_size
    assert card.cam_file == "cam_head.npz"


def test_corrupt_cam_head_is_a_clear_error(tmp_path: Path) -> None:
    from medlens.serving.cam import CamError, CamHead

    bad = tmp_path / "cam_head.npz"
    np.savez(bad, kind=np.array("mlp_linear"), ln_eps=np.array(1e-6), fc_w=np.zeros((2, 3)), fc_b=np.zeros(2))
    with pytest.raises(CamError, match="needs pre_w"):
        CamHead.load(bad)


def test_summary_table_has_a_row_per_card(melanoma_bundle: Path) -> None:
    from medlens.serving.summary import card_details, fmt_ci, models_table

    card = ModelCard.load(melanoma_bundle)
    table = models_table([card, card]).splitlines()
    assert len(table) == 4 and card.name in table[2]
    assert fmt_ci({"value": 0.5, "ci_low": 0.4, "ci_high": 0.6}) == "0.500 (0.400–0.600)"
    assert "not a diagnosis" in card_details(card)
    assert "Timed at export, median of 5 calls" in card_details(card)  # the fixture's latency_runs
