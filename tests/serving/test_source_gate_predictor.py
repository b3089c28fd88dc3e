"""The source gate in the Predictor, on a shipped bundle and real images: dermoscopy photos are far from
every source the chest X-ray model learned from and carry the reason; its own kind of film is not."""

from __future__ import annotations

from pathlib import Path

import pytest

from medlens.card import ModelCard
from medlens.config import PROJECT_ROOT
from medlens.serving import Predictor

from .conftest import read

BUNDLE = PROJECT_ROOT / "models" / "chest-xray"


@pytest.fixture(scope="module")
def predictor() -> Predictor:
    if not (BUNDLE / "card.json").exists() or ModelCard.load(BUNDLE).source_gate is None:
        pytest.skip(f"{BUNDLE} is missing or has no source gate (medlens ood-fit)")
    return Predictor.from_card(BUNDLE, threads=1)


def test_far_images_are_flagged_with_nearest_source(predictor: Predictor, ham_images: list[Path]) -> None:
    preds = predictor.predict_batch([read(p) for p in ham_images])
    gate = predictor.card.source_gate
    assert gate is not None
    for p in preds:
        assert p.source_ood is True and p.nearest_source in gate.sources
        assert p.source_threshold == gate.threshold
        far_by_distance = p.source_distance is not None and p.source_distance > gate.threshold
        far_by_residual = p.source_residual is not None and p.source_residual > (
            gate.residual_threshold or 9e9
        )
        assert far_by_distance or far_by_residual
        d = p.to_dict()
        assert d["source_ood"] is True and d["nearest_source"] == p.nearest_source


def test_own_kind_of_film_is_not_flagged(predictor: Predictor, shared_data: Path) -> None:
    root = shared_data / "chest_xray_kermany224" / "test"
    files = sorted((root / "NORMAL").glob("*.jp*g"))[:3] + sorted((root / "PNEUMONIA").glob("*.jp*g"))[:3]
    if len(files) < 6:
        pytest.skip(f"Kermany test films not found under {root}")
    preds = predictor.predict_batch([read(p) for p in files])
    assert sum(bool(p.source_ood) for p in preds) <= 1  # ~3 % of in-source test films are flagged
    assert all(p.source_distance is not None and p.nearest_source for p in preds)


def test_a_card_without_the_gate_predicts_as_before(melanoma_bundle: Path, ham_images: list[Path]) -> None:
    p = Predictor.from_card(melanoma_bundle, threads=1).predict(read(ham_images[0]))
    assert p.source_ood is None and p.source_distance is None and p.to_dict()["source_ood"] is None
    assert p.ood is not None  # the energy gate still answers
