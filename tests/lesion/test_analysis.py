"""analyze_lesion on synthetic lesions with known answers, and on a real photo."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from medlens.data.imageio import read_image_rgb
from medlens.lesion import analyze_lesion, segment_lesion

from .synthetic import LIGHT_BROWN, canvas, disc_mask, finish, irregular_mask, paint


def test_circle_is_symmetric_with_sharp_border(rng: np.random.Generator) -> None:
    truth = disc_mask(r=60)
    res = analyze_lesion(finish(paint(canvas(rng), truth, LIGHT_BROWN)))
    assert res.ok, res.failure
    iou = (res.mask & truth).sum() / (res.mask | truth).sum()
    assert iou > 0.9
    assert res.asymmetry == 0
    assert max(res.asymmetry_ratios) < 0.08
    assert res.compactness < 1.2
    assert res.border == 8  # abrupt cut-off all round
    assert res.colors == ["light brown"]


def test_irregular_blob_is_asymmetric_and_ragged(rng: np.random.Generator) -> None:
    circle = analyze_lesion(finish(paint(canvas(rng), disc_mask(r=60), LIGHT_BROWN)))
    blob = analyze_lesion(finish(paint(canvas(rng), irregular_mask(), LIGHT_BROWN)))
    assert blob.ok, blob.failure
    assert blob.asymmetry == 2
    assert blob.compactness > circle.compactness + 0.3


def test_gradual_edge_scores_fewer_abrupt_segments(rng: np.random.Generator) -> None:
    sharp = analyze_lesion(finish(paint(canvas(rng), disc_mask(r=50), LIGHT_BROWN)))
    fading = analyze_lesion(finish(paint(canvas(rng), disc_mask(r=50), LIGHT_BROWN, edge_px=30)))
    assert fading.ok, fading.failure
    assert sharp.border == 8
    assert fading.border <= 2


def test_one_colour_vs_several(rng: np.random.Generator) -> None:
    one = analyze_lesion(finish(paint(canvas(rng), disc_mask(r=70), LIGHT_BROWN)))
    img = paint(canvas(rng), disc_mask(r=70), LIGHT_BROWN)
    img = paint(img, disc_mask(r=35, cx=130, cy=140), (110, 65, 45))  # dark brown
    img = paint(img, disc_mask(r=18, cx=125, cy=135), (35, 30, 32))  # black (~7 % of the lesion)
    img = paint(img, disc_mask(r=22, cx=180, cy=175), (115, 125, 150))  # blue-gray
    many = analyze_lesion(finish(img))
    assert one.colors == ["light brown"]
    assert many.ok, many.failure
    assert set(many.colors) == {"light brown", "dark brown", "black", "blue-gray"}
    assert many.tds > one.tds


def test_known_diameter_in_px_and_mm(rng: np.random.Generator) -> None:
    res = analyze_lesion(finish(paint(canvas(rng), disc_mask(r=60), LIGHT_BROWN)), mm_per_pixel=0.05)
    assert res.diameter_px == pytest.approx(121, abs=3)
    assert res.diameter_mm == pytest.approx(6.05, abs=0.15)
    assert res.diameter_score == 4  # > 6 mm, <= 8 mm
    assert res.diameter_basis == "mm_per_pixel"
    assert res.tds == pytest.approx(1.3 * 0 + 0.1 * 8 + 0.5 * 1 + 0.5 * 4)


def test_plain_skin_fails_and_says_why(rng: np.random.Generator) -> None:
    res = analyze_lesion(finish(canvas(rng)))
    assert not res.ok
    assert res.failure
    assert res.tds is None and res.asymmetry is None
    assert res.overlay.shape == (300, 300, 3)
    assert json.loads(json.dumps(res.to_dict()))["failure"] == res.failure


def test_to_dict_is_json_ready(rng: np.random.Generator) -> None:
    res = analyze_lesion(finish(paint(canvas(rng), irregular_mask(), LIGHT_BROWN)))
    d = json.loads(json.dumps(res.to_dict()))
    assert d["tds_band"] in {"benign", "suspicious", "highly_suspicious"}
    assert d["tds_label"]["ko"] and d["tds_advice"]["en"]
    assert "mask" not in d and "overlay" not in d
    assert res.overlay.dtype == np.uint8 and res.overlay.shape == (300, 300, 3)


def test_bad_input() -> None:
    with pytest.raises(ValueError, match="segment_lesion"):
        segment_lesion(np.zeros((10, 10), np.uint8))
    with pytest.raises(ValueError, match="mm_per_pixel"):
        analyze_lesion(np.zeros((10, 10, 3), np.uint8), mm_per_pixel=-1)


def test_real_photo(shared_data: Path) -> None:
    path = shared_data / "melanoma_10000/train/benign/melanoma_0.jpg"
    if not path.exists():
        pytest.skip(f"{path} not found")
    res = analyze_lesion(read_image_rgb(path))
    assert res.ok and res.confidence > 0.5
    # The lesion is a small central nevus: a few percent of the 300x300 photo.
    assert 0.01 < res.mask.mean() < 0.1
