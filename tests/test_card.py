import json

import pytest

from medlens.card import CardError, DataInfo, ModelCard, Preprocessing, sha256_file


def _card(tmp_path, payload=b"onnx-bytes"):
    (tmp_path / "model.onnx").write_bytes(payload)
    card = ModelCard(
        name="m",
        task="melanoma",
        backbone="tf_efficientnet_lite0",
        classes=["benign", "malignant"],
        preprocessing=Preprocessing(input_size=96),
        data=DataInfo(dataset="melanoma_10000"),
        weights_sha256=sha256_file(tmp_path / "model.onnx"),
    )
    card.save(tmp_path / "card.json")
    return card


def test_roundtrip_and_verify(tmp_path):
    card = _card(tmp_path)
    loaded = ModelCard.load(tmp_path)  # a directory means <dir>/card.json
    assert loaded.model_dump() == card.model_dump()
    assert loaded.weights_path == tmp_path / "model.onnx"
    assert "not a diagnosis" in loaded.intended_use


def test_hash_mismatch_refused(tmp_path):
    _card(tmp_path)
    (tmp_path / "model.onnx").write_bytes(b"tampered")
    with pytest.raises(CardError, match="does not match"):
        ModelCard.load(tmp_path / "card.json")
    # without verification it still loads (inspection tools)
    assert ModelCard.load(tmp_path / "card.json", verify=False).name == "m"


def test_missing_and_invalid_cards(tmp_path):
    with pytest.raises(CardError, match="no such model card"):
        ModelCard.load(tmp_path / "nope.json")
    (tmp_path / "card.json").write_text(json.dumps({"name": "x"}))
    with pytest.raises(CardError, match="invalid model card"):
        ModelCard.load(tmp_path / "card.json")


def test_missing_weights_refused(tmp_path):
    _card(tmp_path)
    (tmp_path / "model.onnx").unlink()
    with pytest.raises(CardError, match="missing"):
        ModelCard.load(tmp_path)
