"""Image decoding shared by training and serving (Pillow + numpy only; no torch)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

HIGH_DEPTH_MODES = {"I;16", "I;16B", "I;16L", "I;16N", "I", "F"}  # Pillow's modes above 8 bits per sample


class ImageDecodeError(ValueError):
    """The file is not a decodable image."""


def read_image_rgb(path: Path, max_pixels: int = 40_000_000) -> np.ndarray:
    """Decode an image file to an RGB uint8 array, applying its EXIF orientation.

    Grayscale images are replicated to three channels; high-bit-depth ones are windowed to 8 bits by
    :func:`gray_to_rgb8`, the same rule as the web upload's decoder. Raises :class:`ImageDecodeError` naming the file.
    """
    try:
        with Image.open(path) as im:
            if im.width * im.height > max_pixels:
                raise ImageDecodeError(f"{path}: image too large ({im.width}x{im.height} pixels)")
            upright = ImageOps.exif_transpose(im)
            if upright.mode in HIGH_DEPTH_MODES:  # 16-bit PNG X-rays: windowed, not clipped to white
                return gray_to_rgb8(np.asarray(upright))
            return np.asarray(upright.convert("RGB"), dtype=np.uint8).copy()
    except ImageDecodeError:
        raise
    except FileNotFoundError:
        raise
    except Exception as exc:  # PIL raises many types for corrupt files
        raise ImageDecodeError(f"{path}: cannot decode image ({exc})") from exc


def gray_to_rgb8(values: np.ndarray) -> np.ndarray:
    """A high-bit-depth grayscale image (16-bit PNG: 10-, 12- or 16-bit X-rays) windowed to 8-bit RGB.

    PNG carries no VOI window, so the window is the full range of the bit depth the values use:
    ``2**bits - 1`` with ``bits`` the smallest of 8..16 that holds the maximum (a 12-bit X-ray stored
    in 16 bits spans 0..4095, one scaled to 16 bits spans 0..65535; both come out as the source's
    8-bit image); signed or 32-bit data get min-max. Pillow's own ``convert("RGB")`` clipped every value above 255 to white."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(f"expected a 2-D grayscale array, got shape {arr.shape}")
    arr = np.nan_to_num(arr, nan=0.0, posinf=0.0, neginf=0.0)
    lo, top = float(arr.min()), float(arr.max())
    if lo < 0 or top > 2**16 - 1:  # signed or 32-bit data (no bit depth to go by): min-max
        scaled = (arr - lo) / (top - lo) * 255.0 if top > lo else np.zeros_like(arr)
    else:
        bits = min(16, max(8, int(np.ceil(np.log2(top + 1.0))))) if top > 0 else 8
        scaled = arr / (2**bits - 1) * 255.0
    gray = np.clip(np.rint(scaled), 0, 255).astype(np.uint8)
    return np.repeat(gray[:, :, None], 3, axis=2)
