"""DICOM decoding to RGB uint8 (pydicom + numpy only; no torch). Used by the web service for X-rays.

Order of operations (DICOM PS3.3 C.11): modality LUT (RescaleSlope / RescaleIntercept), then the
VOI window (WindowCenter / WindowWidth, first value when several) with the standard linear
function, else min-max scaling; MONOCHROME1 (white = low values) is inverted last.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np

from medlens.data.sample import DatasetFormatError


def _first(value: Any) -> float | None:
    if value is None:
        return None
    try:
        if isinstance(value, (list, tuple)) or (
            hasattr(value, "__len__") and not isinstance(value, (str, bytes))
        ):
            value = value[0]
        return float(value)
    except (TypeError, ValueError, IndexError):
        return None


def window(values: np.ndarray, center: float, width: float) -> np.ndarray:
    """DICOM linear VOI function -> floats in [0, 1]."""
    width = max(width, 1.0)
    out = (values - (center - 0.5)) / (width - 1.0 if width > 1 else 1.0) + 0.5
    return np.clip(out, 0.0, 1.0)


def _minmax(values: np.ndarray) -> np.ndarray:
    lo, hi = float(values.min()), float(values.max())
    if hi <= lo:
        return np.zeros_like(values, dtype=np.float64)
    return (values - lo) / (hi - lo)


def _read(source: str | Path | bytes, name: str) -> Any:
    import pydicom
    from pydicom.errors import InvalidDicomError

    try:
        fp = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source
        return pydicom.dcmread(fp)
    except (InvalidDicomError, OSError, EOFError, ValueError, TypeError, AttributeError, KeyError) as exc:
        raise DatasetFormatError(name, f"not a readable DICOM file ({exc})") from exc


def read_dicom_rgb(source: str | Path | bytes, name: str | None = None) -> np.ndarray:
    """Decode a DICOM file (path or bytes) to an RGB uint8 array (H, W, 3).

    Multi-frame grayscale images return their first frame. Raises DatasetFormatError naming the
    file on malformed input or missing / undecodable pixel data.
    """
    label = name or (str(source) if not isinstance(source, (bytes, bytearray)) else "<uploaded DICOM>")
    ds = _read(source, label)
    if "PixelData" not in ds:
        raise DatasetFormatError(label, "DICOM has no pixel data")
    try:
        arr = ds.pixel_array
    except Exception as exc:  # pydicom raises many types (missing codec, truncated data)
        raise DatasetFormatError(label, f"cannot decode DICOM pixel data ({exc})") from exc
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2")).upper()
    samples_per_pixel = int(ds.get("SamplesPerPixel", 1) or 1)
    if samples_per_pixel == 1:
        if arr.ndim == 3:  # frames
            arr = arr[0]
        if arr.ndim != 2:
            raise DatasetFormatError(label, f"unexpected grayscale pixel array shape {arr.shape}")
        values = arr.astype(np.float64)
        slope = _first(ds.get("RescaleSlope")) or 1.0
        intercept = _first(ds.get("RescaleIntercept")) or 0.0
        values = values * slope + intercept
        center, width = _first(ds.get("WindowCenter")), _first(ds.get("WindowWidth"))
        scaled = window(values, center, width) if center is not None and width else _minmax(values)
        if photometric == "MONOCHROME1":
            scaled = 1.0 - scaled
        gray = np.round(scaled * 255.0).astype(np.uint8)
        return np.repeat(gray[:, :, None], 3, axis=2)
    if arr.ndim == 4:
        arr = arr[0]
    if arr.ndim != 3 or arr.shape[2] < 3:
        raise DatasetFormatError(label, f"unexpected colour pixel array shape {arr.shape}")
    if photometric.startswith("YBR") and photometric != "YBR_FULL":  # pydicom converts YBR_FULL itself
        from pydicom.pixels import convert_color_space

        arr = convert_color_space(arr, photometric, "RGB")
    arr = arr[:, :, :3]
    if arr.dtype != np.uint8:
        arr = np.round(_minmax(arr.astype(np.float64)) * 255.0).astype(np.uint8)
    return np.ascontiguousarray(arr)


class DicomImage:
    """Picklable ``Sample.loader`` that decodes one DICOM file."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)

    def __call__(self) -> np.ndarray:
        return read_dicom_rgb(self.path)
