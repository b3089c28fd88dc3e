"""A card that is out of range, or does not fit its model files, is refused when it is loaded (CardError
naming the problem), never served with silently wrong numbers or failing on every request. Found by a
review that edited real cards: a negative temperature inverted the probabilities, a typo in the target
class switched screening off, another model's CAM head loaded and then raised IndexError per request."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from medlens.card import CardError, ModelCard, edit_card_json
from medlens.serving import Predictor

from .conftest import make_bundle


def _edited(src: Path, dst: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    shutil.copytree(src, dst)
    raw = json.loads((dst / "card.json").read_text())
    edit(raw)
    (dst / "card.json").write_text(json.dumps(raw))
    return dst


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(raw: dict[str, Any]) -> None:
        *parents, key = path.split(".")
        node = raw
        for p in parents:
            node = node.setdefault(p, {})
        node[key] = value

    return edit


OUT_OF_RANGE = {
    "negative temperature": ("temperature", -1.0, "temperature"),
    "zero temperature": ("temperature", 0.0, "temperature"),
    "zero std": ("preprocessing.std", [0, 0, 0], "std"),
    "NaN threshold": ("thresholds.threshold", float("nan"), "probability"),
    "threshold above 1": ("thresholds.threshold", 1.5, "probability"),
    "misspelt target class": ("thresholds.target_class", "Malignant", "target_class"),
    "duplicate classes": ("classes", ["benign", "benign"], "unique"),
    "conformal alpha 5": ("conformal", {"alpha": 5, "qhat": 0.5}, "alpha"),
    "unknown OOD method": ("ood", {"method": "entropy", "threshold": 1.0}, "ood"),
    "weights outside the folder": ("weights_file", "../other/model.onnx", "weights_file"),
    "absolute CAM head path": ("cam_file", "/etc/cam_head.npz", "cam_file"),
    "zero input size": ("preprocessing.input_size", 0, "input_size"),
}


@pytest.mark.parametrize("case", list(OUT_OF_RANGE))
def test_out_of_range_card_values_are_refused_at_load(
    melanoma_bundle: Path, tmp_path: Path, case: str
) -> None:
    field, value, named = OUT_OF_RANGE[case]
    bundle = _edited(melanoma_bundle, tmp_path / "m", _set(field, value))
    with pytest.raises(CardError, match=named):
        ModelCard.load(bundle, verify=False)
    with pytest.raises(CardError):
        Predictor.from_card(bundle)


def test_card_that_does_not_fit_its_model_is_refused_at_load(melanoma_bundle: Path, tmp_path: Path) -> None:
    # verify=False: the hash checks would refuse a swapped file before the fit is ever looked at
    wrong_size = _edited(melanoma_bundle, tmp_path / "size", _set("preprocessing.input_size", 48))
    with pytest.raises(CardError, match="does not fit"):
        Predictor.from_card(wrong_size, verify=False)
    wrong_op = _edited(melanoma_bundle, tmp_path / "op", _set("preprocessing.ops", ["sepia"]))
    with pytest.raises(CardError, match="sepia"):
        Predictor.from_card(wrong_op, verify=False)
    three = _edited(melanoma_bundle, tmp_path / "classes", _set("classes", ["benign", "malignant", "other"]))
    with pytest.raises(CardError, match="logits"):
        Predictor.from_card(three, verify=False)
    other = make_bundle(tmp_path / "three-class", classes=("a", "b", "c"), task="skin-lesion", seed=1)
    swapped = _edited(melanoma_bundle, tmp_path / "cam", lambda raw: None)
    shutil.copy(other.directory / other.cam_file, swapped / "cam_head.npz")
    with pytest.raises(CardError, match="does not fit"):
        Predictor.from_card(swapped, verify=False)
    (swapped / "cam_head.npz").write_bytes(b"junk")
    with pytest.raises(CardError, match="CAM head"):
        Predictor.from_card(swapped, verify=False)
    assert Predictor.from_card(melanoma_bundle).predict(np.zeros((64, 64, 3), np.uint8)).label


def test_a_model_file_is_served_only_with_its_own_card(melanoma_bundle: Path, tmp_path: Path) -> None:
    bundle = _edited(melanoma_bundle, tmp_path / "m", lambda raw: None)
    shutil.copy(bundle / "model.onnx", bundle / "model.int8.onnx")
    with pytest.raises(CardError, match=r"model\.int8\.onnx"):
        Predictor.from_card(bundle / "model.int8.onnx")
    assert Predictor.from_card(bundle / "model.onnx").card.weights_file == "model.onnx"


def test_an_invalid_edit_leaves_the_card_file_untouched(melanoma_bundle: Path, tmp_path: Path) -> None:
    bundle = _edited(melanoma_bundle, tmp_path / "m", lambda raw: None)
    before = (bundle / "card.json").read_bytes()
    with pytest.raises(CardError, match="invalid card"):
        edit_card_json(bundle, _set("temperature", "abc"))
    assert (bundle / "card.json").read_bytes() == before
    assert not list(bundle.glob(".*tmp"))
    edit_card_json(bundle, _set("latency_hardware", "test machine"))
    assert ModelCard.load(bundle).latency_hardware == "test machine"


def test_one_broken_bundle_does_not_stop_the_web_service_loading_the_others(
    melanoma_bundle: Path, tmp_path: Path
) -> None:
    from medlens.web.app import load_predictors

    models = tmp_path / "models"
    _edited(melanoma_bundle, models / "a-good", lambda raw: None)
    broken = _edited(
        melanoma_bundle, models / "b-broken", lambda raw: raw.update(task="skin-lesion", cam_sha256="")
    )
    (broken / "cam_head.npz").write_bytes(b"junk")  # raised CamError out of the service's start-up
    assert list(load_predictors(models)) == ["melanoma"]


def test_no_heatmap_is_drawn_for_an_op_that_moves_pixels(
    melanoma_bundle: Path, melanoma_images: list[Path], tmp_path: Path
) -> None:
    """``lungcrop`` stretches a crop back to the input size; the map used to be spread over the whole
    photo (rows 0-223 for lungs at rows 86-220), so serving now gives the result without a heatmap."""
    from .conftest import read

    cropped = _edited(melanoma_bundle, tmp_path / "crop", _set("preprocessing.ops", ["lungcrop"]))
    pred = Predictor.from_card(cropped, verify=False).predict(read(melanoma_images[0]), cam=True)
    assert pred.label and pred.heatmap is None and pred.overlay is None
    plain = Predictor.from_card(melanoma_bundle).predict(read(melanoma_images[0]), cam=True)
    assert plain.heatmap is not None


def test_an_all_zero_heatmap_is_flagged(shared_data: Path) -> None:
    """The bundled melanoma model explains "malignant"; on most benign HAM10000 photos nothing raises that
    score and Grad-CAM's map is all zero. The prediction says so (the web then says it in words)."""
    from medlens.config import PROJECT_ROOT
    from medlens.serving import read_any_image

    bundle = PROJECT_ROOT / "models" / "melanoma"
    if not (bundle / "card.json").exists():
        pytest.skip("no bundled melanoma model")
    files = sorted((shared_data / "ham10000_lowres" / "images").glob("*.jpg"))[:12]
    predictor = Predictor.from_card(bundle)
    flags = []
    for f in files:
        pred = predictor.predict(read_any_image(f), cam=True)
        assert pred.heatmap is not None and pred.heatmap_class == "malignant"
        assert pred.heatmap_empty == (float(pred.heatmap.max()) == 0.0)
        assert pred.to_dict()["heatmap_empty"] == pred.heatmap_empty
        flags.append(pred.heatmap_empty)
    assert True in flags
