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


def expand_inputs(paths: list[Path], recursive: bool = False) -> list[Path]:
    """Files as given; a folder expands to its supported images, sorted (with ``recursive``, those of
    every subfolder too; hidden files and folders are skipped)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = p.rglob("*") if recursive else p.iterdir()
            out.extend(
                sorted(
                    f
                    for f in found
                    if f.is_file()
                    and f.suffix.lower() in IMAGE_SUFFIXES
                    and not any(part.startswith(".") for part in f.relative_to(p).parts)
                )
            )
        else:
            out.append(p)
    return out


def cam_file_names(files: list[Path]) -> dict[Path, str]:
    """A heatmap file name per input: ``<stem>_cam.png``, plus a short hash of the path when two inputs
    share a stem (folders screened recursively often repeat names)."""
    import hashlib
    from collections import Counter

    stems = Counter(f.stem for f in files)
    return {
        f: f"{f.stem}_cam.png"
        if stems[f.stem] == 1
        else f"{f.stem}_{hashlib.sha1(str(f).encode()).hexdigest()[:8]}_cam.png"
        for f in files
    }
