"""Image ops run after the resize in training and in serving: Shades of Gray and the circle mask."""

from __future__ import annotations

import numpy as np
import pytest
from data_fixtures import textured

from medlens.card import Preprocessing
from medlens.data.image_ops import apply_ops, check_ops, circle_mask, mask_circle, shades_of_gray
from medlens.data.transforms import resize_square
from medlens.serving.preprocessing import resize_for_model


def _pmean(x: np.ndarray, p: float = 6.0) -> np.ndarray:
    return np.power(np.mean(np.power(x.astype(np.float64), p), axis=(0, 1)), 1 / p)


def test_shades_of_gray_removes_a_colour_cast() -> None:
    base = textured(3, (64, 64)).astype(np.float32) * 0.6 + 40
    cast = np.clip(base * np.array([1.0, 0.75, 0.55]), 0, 255).astype(np.uint8)
    before = _pmean(cast)
    after = _pmean(shades_of_gray(cast))
    assert before.max() / before.min() > 1.5
    assert after.max() / after.min() < 1.05
    assert shades_of_gray(np.zeros((4, 4, 3), np.uint8)).sum() == 0  # black stays black, no division error


def test_circle_mask_blacks_out_the_corners_only() -> None:
    im = np.full((40, 60, 3), 180, np.uint8)
    out = mask_circle(im)
    assert (out[0, 0] == 0).all() and (out[-1, -1] == 0).all()
    assert (out[20, 30] == 180).all() and (out[20, 1] == 180).all()  # ellipse touches the sides
    assert circle_mask(40, 60).sum() == (out[..., 0] > 0).sum()


def test_unknown_op_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"unknown image op 'blur'.*valid names: circle, lungcrop, sog"):
        check_ops(["sog", "blur"])
    im = textured(1)
    assert apply_ops(im, []) is im


def test_serving_applies_the_card_ops_exactly_as_training_caches_them() -> None:
    im = textured(5, (300, 225))
    pp = Preprocessing(input_size=64, interpolation="area/bilinear", ops=["sog", "circle"])
    served, _ = resize_for_model(im, pp)
    trained = apply_ops(resize_square(im, 64), ["sog", "circle"])
    np.testing.assert_array_equal(served, trained)
    plain, _ = resize_for_model(im, Preprocessing(input_size=64, interpolation="area/bilinear"))
    assert not np.array_equal(plain, served)
