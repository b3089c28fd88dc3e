"""The upload gate reads the limits a model's robustness curves set (issue 14, point 2)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from medlens.data.imageio import read_image_rgb
from medlens.quality import assess_quality
from medlens.quality.model_gate import ModelGate, gate_measure, model_view
from medlens.robustness.gate import derive_gate

PHOTO = "melanoma_10000/train/benign/melanoma_0.jpg"
HAM_PHOTO = "ham10000_lowres/images/ISIC_0027419.jpg"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def photo(shared_data: Path) -> np.ndarray:
    path = shared_data / PHOTO
    if not path.exists():
        pytest.skip(f"{path} not found")
    return read_image_rgb(path)


def _card(gate: dict, size: int = 96) -> SimpleNamespace:
    return SimpleNamespace(
        metrics={"robustness": {"quality_gate": gate}}, preprocessing=SimpleNamespace(input_size=size)
    )


def test_no_gate_in_card_means_fixed_constants() -> None:
    assert ModelGate.from_card(_card({})) is None
    assert ModelGate.from_card(SimpleNamespace(metrics={}, preprocessing=None)) is None
    # curves with no harmful severity give no threshold: nothing to read
    assert ModelGate.from_card(_card({"max_drop": 0.05, "min_blur": {"tolerated_severity": 5}})) is None


def test_card_rules_are_read() -> None:
    gate = ModelGate.from_card(
        _card({"max_drop": 0.05, "min_blur": {"threshold": 12.5, "corruption": "defocus_blur"}}, size=160)
    )
    assert gate is not None and gate.input_size == 160
    assert gate.fields == frozenset({"min_blur"})
    (rule,) = gate.rules
    assert rule.code == "blurry" and rule.refuses(12.0) and not rule.refuses(13.0)


def test_model_limit_replaces_the_constant(photo: np.ndarray) -> None:
    """A blur the fixed constant refuses passes when the model showed it tolerates it, and the reverse."""
    blurred = cv2.GaussianBlur(photo, (0, 0), 4)
    assert assess_quality(blurred).codes == ["blurry"]  # fixed constant: refused
    seen = gate_measure(model_view(blurred, 96), "laplacian_variance")
    lenient = ModelGate.from_card(_card({"min_blur": {"threshold": seen / 2}}))
    rep = assess_quality(blurred, model_gate=lenient)
    assert rep.ok, rep.codes
    assert rep.details["model_laplacian_variance"] == pytest.approx(seen)
    strict = ModelGate.from_card(_card({"min_blur": {"threshold": seen * 2}}))
    assert assess_quality(blurred, model_gate=strict).codes == ["blurry"]
    sharp = assess_quality(photo, model_gate=strict)
    assert sharp.ok, sharp.codes  # the sharp original is far above the model's limit


def test_contrast_and_brightness_rules(photo: np.ndarray) -> None:
    flat = (photo.astype(np.float32) * 0.15 + 110).astype(np.uint8)
    c = gate_measure(model_view(flat, 96), "contrast")
    gate = ModelGate.from_card(_card({"min_contrast": {"threshold": c + 1}, "max_p10": {"threshold": 250.0}}))
    assert "low_contrast" in assess_quality(flat, model_gate=gate).codes
    bright = np.clip(photo.astype(np.int16) + 20, 0, 255).astype(np.uint8)
    p10 = gate_measure(model_view(bright, 96), "p10")
    gate = ModelGate.from_card(_card({"max_p10": {"threshold": p10 - 1}}))
    assert "too_bright" in assess_quality(bright, model_gate=gate).codes
    assert (
        "too_bright"
        not in assess_quality(
            bright, model_gate=ModelGate.from_card(_card({"max_p10": {"threshold": p10 + 1}}))
        ).codes
    )


def test_derived_threshold_refuses_at_most_one_percent_of_clean_images(photo: np.ndarray) -> None:
    """With curves saying even severity 1 hurts, the threshold is capped by the clean images' 1st percentile."""
    rng = np.random.default_rng(0)
    base = model_view(photo, 96)
    images = [cv2.GaussianBlur(base, (0, 0), float(s)) if s > 0 else base for s in rng.uniform(0, 1.5, 120)]
    accs = {"defocus_blur": [0.5] * 5}
    g = derive_gate(0.95, accs, images, max_drop=0.05)
    row = g["min_blur"]
    assert row["tolerated_severity"] == 0
    assert row["clean_refused"] <= 0.01 + 1 / len(images)
    assert row["threshold"] <= row["from_curve"]
    clean = np.array([gate_measure(im, "laplacian_variance") for im in images])
    assert np.mean(clean < row["threshold"]) == pytest.approx(row["clean_refused"])


def test_upload_gate_uses_the_served_card(shared_data: Path) -> None:
    """The web service's quality check reads the card of the model the photo is screened with: an
    ordinary photo of the model's own source passes, the same photo blurred past its limit is refused."""
    from medlens.card import ModelCard
    from medlens.web.errors import AppError
    from medlens.web.services.cases import check_quality

    path = shared_data / HAM_PHOTO
    if not path.exists():
        pytest.skip(f"{path} not found")
    photo = read_image_rgb(path)
    card = ModelCard.load(REPO / "models" / "skin-lesion")
    gate = ModelGate.from_card(card)
    if gate is None or "min_blur" not in gate.fields:
        pytest.skip("models/skin-lesion has no derived blur limit")
    (rule,) = [r for r in gate.rules if r.field == "min_blur"]
    size = card.preprocessing.input_size  # the gate measures the photo as this model sees it
    sigma = 0.5
    while (
        gate_measure(model_view(cv2.GaussianBlur(photo, (0, 0), sigma), size), rule.measure) >= rule.threshold
    ):
        sigma *= 1.5
        assert sigma < 200, "could not blur the photo below the model's limit"
    with pytest.raises(AppError) as err:
        check_quality(cv2.GaussianBlur(photo, (0, 0), sigma), "dermoscopy", size, None, card)
    assert err.value.status == 422
    assert check_quality(photo, "dermoscopy", size, None, card) is not None
