"""Model-input preprocessing driven only by the card (numpy + OpenCV, no torch).

Mirrors the training eval transform (``medlens.data.transforms``): optional grayscale (luminance
replicated to 3 channels), resize with the card's interpolation (OpenCV, like albumentations), scale
to 0..1, normalise with the card's mean/std, HWC -> CHW float32.
"""

from __future__ import annotations

import cv2
import numpy as np

from medlens.card import Preprocessing
from medlens.data.image_ops import apply_ops

INTERPOLATIONS = {
    "nearest": cv2.INTER_NEAREST,
    "bilinear": cv2.INTER_LINEAR,
    "linear": cv2.INTER_LINEAR,
    "bicubic": cv2.INTER_CUBIC,
    "cubic": cv2.INTER_CUBIC,
    "area": cv2.INTER_AREA,
    "lanczos": cv2.INTER_LANCZOS4,
}


class PreprocessError(ValueError):
    """The image or the preprocessing spec cannot be used."""


def _interp(name: str, src_hw: tuple[int, int] = (0, 0), size: int = 0) -> int:
    """OpenCV flag for ``name``; "area/bilinear" = area when shrinking, bilinear when enlarging (training)."""
    if name == "area/bilinear":
        return cv2.INTER_AREA if size < min(src_hw) else cv2.INTER_LINEAR
    try:
        return INTERPOLATIONS[name.lower()]
    except KeyError:
        raise PreprocessError(
            f"unknown interpolation {name!r} (valid: {', '.join(sorted(INTERPOLATIONS))})"
        ) from None


def check_image(image: np.ndarray) -> np.ndarray:
    """Return ``image`` as RGB uint8 HxWx3 (grayscale HxW is replicated) or raise PreprocessError."""
    if not isinstance(image, np.ndarray):
        raise PreprocessError(f"expected a numpy array, got {type(image).__name__}")
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    if image.ndim != 3 or image.shape[2] not in (3, 4) or min(image.shape[:2]) < 1:
        raise PreprocessError(f"expected an RGB image HxWx3, got shape {image.shape}")
    if image.dtype != np.uint8:
        raise PreprocessError(f"expected uint8 pixels, got {image.dtype}")
    return image[:, :, :3]


def resize_for_model(
    image: np.ndarray, pp: Preprocessing
) -> tuple[np.ndarray, tuple[int, int, int, int] | None]:
    """Resize (and maybe centre-crop) to input_size²; returns the image and the crop box in source pixels."""
    size = pp.input_size
    if pp.grayscale:
        gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        image = np.repeat(gray[:, :, None], 3, axis=2)
    h, w = image.shape[:2]
    interp = _interp(pp.interpolation, (h, w), size)
    if pp.resize == "squash":
        return apply_ops(cv2.resize(image, (size, size), interpolation=interp), pp.ops), None
    if pp.resize == "shorter_side_center_crop":
        scale = size / min(h, w)
        nw, nh = max(size, round(w * scale)), max(size, round(h * scale))
        resized = cv2.resize(image, (nw, nh), interpolation=interp)
        x0, y0 = (nw - size) // 2, (nh - size) // 2
        box = (int(x0 / scale), int(y0 / scale), round((x0 + size) / scale), round((y0 + size) / scale))
        return apply_ops(resized[y0 : y0 + size, x0 : x0 + size], pp.ops), box
    raise PreprocessError(f"unknown resize mode {pp.resize!r} (valid: squash, shorter_side_center_crop)")


def normalize(image: np.ndarray, pp: Preprocessing) -> np.ndarray:
    """uint8 HxWx3 -> float32 3xHxW normalised with the card's mean/std (on the 0..255 scale, as training)."""
    mean = np.asarray(pp.mean, np.float32) * 255.0
    std = np.asarray(pp.std, np.float32) * 255.0
    x = (image.astype(np.float32) - mean) / std
    return np.ascontiguousarray(x.transpose(2, 0, 1))


def preprocess(image: np.ndarray, pp: Preprocessing) -> np.ndarray:
    """One RGB uint8 image -> model input 3 x S x S float32."""
    resized, _ = resize_for_model(check_image(image), pp)
    return normalize(resized, pp)


def preprocess_batch(images: list[np.ndarray], pp: Preprocessing) -> np.ndarray:
    """Several images -> N x 3 x S x S float32."""
    return (
        np.stack([preprocess(im, pp) for im in images])
        if images
        else np.zeros((0, 3, pp.input_size, pp.input_size), np.float32)
    )
