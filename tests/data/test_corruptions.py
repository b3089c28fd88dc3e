"""The 15 ImageNet-C corruptions: shape/dtype, determinism, severity ordering, errors."""

from __future__ import annotations

import numpy as np
import pytest

from medlens.data.corruptions import (
    FAMILIES,
    SEVERITIES,
    create_corruption,
    list_corruptions,
    plasma_fractal,
)


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    import cv2
    from skimage import data

    return cv2.resize(data.chelsea(), (96, 96), interpolation=cv2.INTER_AREA)


def test_fifteen_in_four_families() -> None:
    names = list_corruptions()
    assert len(names) == 15 and len(set(names)) == 15
    assert [len(v) for v in FAMILIES.values()] == [3, 4, 4, 4]


@pytest.mark.parametrize("name", list_corruptions())
def test_every_severity_changes_the_image_and_is_deterministic(name: str, photo: np.ndarray) -> None:
    for s in SEVERITIES:
        a = create_corruption(name, s)(photo, np.random.default_rng(3))
        b = create_corruption(name, s)(photo, np.random.default_rng(3))
        assert a.shape == photo.shape and a.dtype == np.uint8
        np.testing.assert_array_equal(a, b)
        assert np.abs(a.astype(int) - photo).mean() > 0.5, (name, s)


@pytest.mark.parametrize(
    "name",
    ["gaussian_noise", "shot_noise", "impulse_noise", "defocus_blur", "contrast", "brightness", "pixelate"],
)
def test_severity_5_distorts_more_than_severity_1(name: str, photo: np.ndarray) -> None:
    d = [
        np.abs(create_corruption(name, s)(photo, np.random.default_rng(0)).astype(float) - photo).mean()
        for s in (1, 5)
    ]
    assert d[1] > d[0]


def test_contrast_and_brightness_match_their_definitions(photo: np.ndarray) -> None:
    x = photo.astype(np.float32) / 255
    mean = x.mean(axis=(0, 1), keepdims=True)
    expected = np.clip((x - mean) * 0.4 + mean, 0, 1) * 255
    got = create_corruption("contrast", 1)(photo, np.random.default_rng(0)).astype(float)
    assert np.abs(got - expected).max() <= 1.0
    gray = np.full((8, 8, 3), 100, np.uint8)  # grey: V = 100/255, +0.5 at severity 5
    out = create_corruption("brightness", 5)(gray, np.random.default_rng(0))
    assert abs(int(out[0, 0, 0]) - round(min(1.0, 100 / 255 + 0.5) * 255)) <= 1


def test_plasma_fractal_range() -> None:
    m = plasma_fractal(np.random.default_rng(0), 64, 2.0)
    assert m.shape == (64, 64) and m.min() == 0.0 and m.max() == pytest.approx(1.0)


def test_bad_names_severities_and_images(photo: np.ndarray) -> None:
    with pytest.raises(ValueError, match="unknown corruption"):
        create_corruption("rain", 1)
    with pytest.raises(ValueError, match="severity"):
        create_corruption("fog", 6)
    with pytest.raises(ValueError, match="RGB uint8"):
        create_corruption("fog", 1)(photo[..., 0], np.random.default_rng(0))
