"""Image decoding shared by training and serving (Pillow + numpy only; no torch)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageOps


class ImageDecodeError(ValueError):
    """The file is not a decodable image."""


def read_image_rgb(path: Path, max_pixels: int = 40_000_000) -> np.ndarray:
    """Decode an image file to an RGB uint8 array, applying its EXIF orientation.

    Grayscale images are replicated to three channels. Raises :class:`ImageDecodeError` naming the file.
    """
    try:
        with Image.open(path) as im:
            if im.width * im.height > max_pixels:
                raise ImageDecodeError(f"{path}: image too large ({im.width}x{im.height} pixels)")
            upright = ImageOps.exif_transpose(im)
            return np.asarray(upright.convert("RGB"), dtype=np.uint8).copy()
    except ImageDecodeError:
        raise
    except FileNotFoundError:
        raise
    except Exception as exc:  # PIL raises many types for corrupt files
        raise ImageDecodeError(f"{path}: cannot decode image ({exc})") from exc
