"""Read any supported input file (JPEG/PNG/…, DICOM) as RGB uint8, without torch."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from medlens.data.imageio import ImageDecodeError, read_image_rgb

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp", ".dcm", ".dicom")


def read_any_image(path: Path) -> np.ndarray:
    """Decode ``path`` to RGB uint8; DICOM goes through ``medlens.data.dicom`` when available."""
    path = Path(path)
    if not path.is_file():
        raise ImageDecodeError(f"{path}: no such file")
    if path.suffix.lower() in (".dcm", ".dicom"):
        if importlib.util.find_spec("medlens.data.dicom") is None:
            raise ImageDecodeError(f"{path}: DICOM support (medlens.data.dicom) is not installed")
        from medlens.data.dicom import read_dicom_rgb

        try:
            return read_dicom_rgb(path)
        except Exception as exc:
            raise ImageDecodeError(f"{path}: cannot decode DICOM ({exc})") from exc
    return read_image_rgb(path)


def expand_inputs(paths: list[Path]) -> list[Path]:
    """Files as given; a folder expands to its supported images (sorted, not recursive)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES))
        else:
            out.append(p)
    return out
