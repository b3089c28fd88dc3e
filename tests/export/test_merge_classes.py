"""A coarser-class bundle: merged probabilities equal the sums of the fine calibrated probabilities."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from medlens.export.merge_classes import merge_bundle, merge_groups

FINE = ("a", "b", "c", "d")
MAPPING = {"a": "x", "b": "y", "c": "x", "d": "z"}


@pytest.fixture(scope="module")
def fine_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch

    from medlens.card import DataInfo, ModelCard, Preprocessing, Thresholds
    from medlens.export import write_bundle
    from medlens.models import create_classifier

    torch.manual_seed(0)
    model = create_classifier("resnet18", num_classes=4).eval()
    card = ModelCard(
        name="fine",
        task="melanoma",  # any registered task: the merged card names its own
        version="0.0.1",
        backbone="resnet18",
        classes=list(FINE),
        preprocessing=Preprocessing(input_size=32),
        temperature=1.7,
        thresholds=Thresholds(target_class="b", threshold=0.3),
        data=DataInfo(dataset="random-init test model"),
    )
    out = tmp_path_factory.mktemp("fine") / "fine"
    write_bundle(model, out, card, latency_runs=0)
    return out


def test_groups_must_cover_every_class() -> None:
    assert merge_groups(FINE, ("x", "y", "z"), MAPPING) == [[0, 2], [1], [3]]
    with pytest.raises(ValueError, match="no mapping"):
        merge_groups(FINE, ("x",), {"a": "x"})
    with pytest.raises(ValueError, match="get no fine class"):
        merge_groups(FINE, ("x", "y", "z", "w"), MAPPING)


def test_merged_probabilities_are_sums_of_the_fine_ones(fine_bundle: Path, tmp_path: Path) -> None:
    from medlens.card import ModelCard
    from medlens.serving import Predictor

    card = merge_bundle(fine_bundle, tmp_path / "coarse", "melanoma", ("x", "y", "z"), MAPPING)
    assert card["temperature"] == 1.0
    assert card["conformal"] is None  # fitted on the fine classes: the caller fits the merged model's
    assert card["thresholds"]["target_class"] == "y" and card["thresholds"]["threshold"] == 0.3
    ModelCard.load(tmp_path / "coarse")  # hashes match
    image = np.random.default_rng(0).integers(0, 255, (40, 40, 3), dtype=np.uint8)
    fine = Predictor.from_card(fine_bundle).predict(image).probabilities
    coarse = Predictor.from_card(tmp_path / "coarse").predict(image).probabilities
    assert list(coarse) == ["x", "y", "z"]
    assert coarse["x"] == pytest.approx(fine["a"] + fine["c"], abs=1e-5)
    assert coarse["y"] == pytest.approx(fine["b"], abs=1e-5)
    assert coarse["z"] == pytest.approx(fine["d"], abs=1e-5)


def test_a_merged_target_loses_its_threshold(fine_bundle: Path, tmp_path: Path) -> None:
    mapping = {"a": "x", "b": "x", "c": "y", "d": "y"}
    card = merge_bundle(fine_bundle, tmp_path / "c2", "melanoma", ("x", "y"), mapping)
    assert card["thresholds"] == {"target_class": "x", "threshold": None}


def test_the_source_gate_bank_travels_with_the_merged_bundle(fine_bundle: Path, tmp_path: Path) -> None:
    import json
    import shutil

    from medlens.card import ModelCard
    from medlens.config import PROJECT_ROOT

    real = PROJECT_ROOT / "models" / "scalp-conditions"  # any bundle with a fitted source gate
    gate = json.loads((real / "card.json").read_text())["source_gate"]
    src = tmp_path / "fine-gated"
    shutil.copytree(fine_bundle, src)
    shutil.copy2(real / gate["file"], src / gate["file"])
    card = json.loads((src / "card.json").read_text())
    (src / "card.json").write_text(json.dumps(card | {"source_gate": gate}))
    dst = tmp_path / "coarse"
    dst.mkdir()
    (dst / gate["file"]).write_bytes(b"an older model's bank")  # a previous build left its bank behind
    merge_bundle(src, dst, "melanoma", ("x", "y", "z"), MAPPING)
    loaded = ModelCard.load(dst)  # verifies the bank's sha256 against the card
    assert loaded.source_gate is not None
    assert (dst / gate["file"]).read_bytes() == (real / gate["file"]).read_bytes()
