"""Serving preprocessing must equal the training eval transform on real images."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from medlens.card import Preprocessing
from medlens.serving.preprocessing import PreprocessError, preprocess

from .conftest import read

transforms = pytest.importorskip("medlens.data.transforms")


@pytest.mark.parametrize("size", [64, 224, 320])  # shrink (area) and enlarge (bilinear) paths
@pytest.mark.parametrize("norm", [((0.5,) * 3, (0.5,) * 3), ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))])
def test_matches_training_eval_transform(
    size: int, norm, melanoma_images: list[Path], ham_images: list[Path]
) -> None:
    mean, std = norm
    train_tf = transforms.create_transform("C8", size, mean, std, train=False)
    pp = Preprocessing(input_size=size, mean=mean, std=std, interpolation="area/bilinear", resize="squash")
    for path in melanoma_images[:2] + ham_images[:2]:
        img = read(path)
        ours, theirs = preprocess(img, pp), train_tf(img)
        assert ours.shape == theirs.shape == (3, size, size)
        assert np.abs(ours - theirs).max() <= 1e-5, path


def test_grayscale_replicates_luminance() -> None:
    img = np.zeros((10, 12, 3), np.uint8)
    img[..., 0] = 200
    x = preprocess(img, Preprocessing(input_size=8, grayscale=True, interpolation="bilinear"))
    assert np.allclose(x[0], x[1]) and np.allclose(x[1], x[2])


def test_center_crop_mode_keeps_aspect() -> None:
    img = np.zeros((100, 200, 3), np.uint8)
    img[:, 50:150] = 255  # the centre square is white
    x = preprocess(
        img, Preprocessing(input_size=32, resize="shorter_side_center_crop", mean=(0, 0, 0), std=(1, 1, 1))
    )
    assert np.allclose(x, 1.0)


@pytest.mark.parametrize(
    "bad",
    [np.zeros((4, 4, 3), np.float32), np.zeros((4, 4, 5), np.uint8), np.zeros((0, 4, 3), np.uint8), "img"],
)
def test_bad_images_raise(bad) -> None:
    with pytest.raises(PreprocessError):
        preprocess(bad, Preprocessing(input_size=8))


def test_unknown_interpolation_names_valid_ones() -> None:
    with pytest.raises(PreprocessError, match="bilinear"):
        preprocess(np.zeros((4, 4, 3), np.uint8), Preprocessing(input_size=8, interpolation="fancy"))
