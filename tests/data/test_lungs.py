"""Classical lung-field segmentation on real chest X-rays (the ``lungcrop`` image op)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from medlens.data.image_ops import IMAGE_OPS
from medlens.data.imageio import read_image_rgb
from medlens.data.lungs import crop_to_lungs, lung_box, lung_mask

FOLDERS = ("chest_xray_kermany224/test/NORMAL", "covid_radiography224/COVID", "covid_radiography224/Normal")


def _xrays(shared_data: Path, folder: str, n: int = 20) -> list[np.ndarray]:
    files = sorted((shared_data / folder).glob("*.jp*g"))[:n]
    if not files:
        pytest.skip(f"no X-rays under {shared_data / folder}")
    return [cv2.resize(read_image_rgb(f), (224, 224), interpolation=cv2.INTER_AREA) for f in files]


@pytest.mark.parametrize("folder", FOLDERS)
def test_lungs_found_on_most_real_xrays(shared_data: Path, folder: str) -> None:
    images = _xrays(shared_data, folder)
    masks = [lung_mask(im) for im in images]
    found = [m for m in masks if m is not None]
    assert len(found) >= 0.8 * len(images)
    for m in found:
        share = m.mean()
        assert 0.04 < share < 0.65
        # lungs sit in the middle band of the film, not in its corners
        assert not m[:10, :10].any() and not m[-10:, -10:].any()


def test_box_is_symmetric_and_crop_keeps_size(shared_data: Path) -> None:
    image = _xrays(shared_data, FOLDERS[1], 5)[0]
    box = lung_box(image)
    assert box is not None
    top, bottom, left, right = box
    assert abs(left - (224 - right)) <= 1 and bottom - top >= 56
    crop = crop_to_lungs(image)
    assert crop.shape == image.shape and crop.dtype == np.uint8
    assert not np.array_equal(crop, image)
    assert np.array_equal(IMAGE_OPS.get("lungcrop")(image), crop)


def test_non_chest_images_fall_back_to_the_whole_image() -> None:
    flat = np.full((224, 224, 3), 128, np.uint8)
    assert lung_mask(flat) is None and lung_box(flat) is None
    assert np.array_equal(crop_to_lungs(flat), flat)
