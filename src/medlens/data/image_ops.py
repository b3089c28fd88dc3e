"""Deterministic image operations applied after the resize, the same in training and in serving.

They remove cues that tell *how* a photo was taken rather than what the lesion is (issue 12):

* ``sog`` — Shades of Gray colour constancy (Finlayson & Trezzi 2004, p = 6; used by ISIC
  challenge winners): each channel is scaled so that the image's Minkowski p-mean is grey, which
  removes a camera's or clinic's colour cast.
* ``circle`` — black outside the inscribed circle (ellipse before a squash resize), so every image
  carries the "dark dermoscope lens border" that in the Kaggle set marks mostly malignant photos.
* ``lungcrop`` — chest X-rays cropped to the lung fields' box (:mod:`medlens.data.lungs`), which drops
  corner text, markers and borders that tell one hospital or dataset from another (issue 16).

Training applies them to the cached, resized images (``medlens.training.data.load_images``); the
``Predictor`` applies the card's ``preprocessing.ops`` after its resize. numpy + OpenCV only (no torch).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from medlens.registry import Registry

ImageOp = Callable[[np.ndarray], np.ndarray]
IMAGE_OPS: Registry[ImageOp] = Registry("image op")
#: ops that move pixels (a crop stretched back to the input size): a heatmap on the network's grid no
#: longer maps onto the photo by the resize alone, so serving gives no heatmap for them
GEOMETRIC_OPS = frozenset({"lungcrop"})


@IMAGE_OPS.decorator("sog")
def shades_of_gray(image: np.ndarray, p: float = 6.0) -> np.ndarray:
    """Shades of Gray colour constancy on an RGB uint8 image (returns uint8)."""
    x = image.astype(np.float32)
    illum = np.power(np.mean(np.power(x, p), axis=(0, 1)), 1.0 / p)  # per channel
    norm = float(np.sqrt(np.sum(illum**2)))
    if norm <= 0:
        return image.copy()
    gain = (norm / np.sqrt(3.0)) / np.maximum(illum, 1e-6)
    return np.clip(x * gain, 0, 255).astype(np.uint8)


def circle_mask(h: int, w: int) -> np.ndarray:
    """Boolean (h, w) mask of the inscribed ellipse (True inside)."""
    yy, xx = np.ogrid[:h, :w]
    cy, cx = (h - 1) / 2.0, (w - 1) / 2.0
    return ((yy - cy) / (h / 2.0)) ** 2 + ((xx - cx) / (w / 2.0)) ** 2 <= 1.0


@IMAGE_OPS.decorator("circle")
def mask_circle(image: np.ndarray) -> np.ndarray:
    """Black outside the inscribed circle / ellipse."""
    out = image.copy()
    out[~circle_mask(*image.shape[:2])] = 0
    return out


@IMAGE_OPS.decorator("lungcrop")
def lung_crop(image: np.ndarray) -> np.ndarray:
    """Chest X-rays: crop to the lung fields (classical segmentation, :mod:`medlens.data.lungs`)."""
    from medlens.data.lungs import crop_to_lungs

    return crop_to_lungs(image)


def check_ops(ops: Sequence[str]) -> list[str]:
    """The op names, validated (unknown name -> ValueError listing the valid ones)."""
    for name in ops:
        IMAGE_OPS.get(name)
    return list(ops)


def apply_ops(image: np.ndarray, ops: Sequence[str]) -> np.ndarray:
    """``image`` after each op of ``ops`` in order (no ops: the image itself)."""
    for name in ops:
        image = IMAGE_OPS.get(name)(image)
    return image
