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


def _label(source: str | Path | bytes, name: str | None) -> str:
    return name or (str(source) if not isinstance(source, (bytes, bytearray)) else "<uploaded DICOM>")


def read_dicom(source: str | Path | bytes, name: str | None = None) -> Any:
    """The parsed DICOM dataset (pixel data read, not decoded); DatasetFormatError on a malformed file."""
    return _read(source, _label(source, name))


def read_dicom_rgb(source: str | Path | bytes, name: str | None = None) -> np.ndarray:
    """Decode a DICOM file (path or bytes) to an RGB uint8 array (H, W, 3).

    Multi-frame grayscale images return their first frame. Raises DatasetFormatError naming the
    file on malformed input or missing / undecodable pixel data.
    """
    label = _label(source, name)
    return dataset_rgb(_read(source, label), label)


def dataset_rgb(ds: Any, label: str = "<DICOM>") -> np.ndarray:
    """The pixels of a parsed DICOM dataset (:func:`read_dicom`) as RGB uint8 (see :func:`read_dicom_rgb`)."""
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


#: Header fields safe to keep with a case: none of them names or identifies the patient.
STUDY_FIELDS = {
    "StudyDate": "study_date",
    "ViewPosition": "view",
    "Modality": "modality",
    "BodyPartExamined": "body_part",
    "PhotometricInterpretation": "photometric",
    "BitsStored": "bits_stored",
}
LATERAL_VIEWS = frozenset({"LL", "RL", "LAT", "LATERAL", "LLD", "RLD"})


def _date(value: str) -> str:
    """``YYYYMMDD`` -> ``YYYY-MM-DD``; anything else is dropped (free text may carry identifiers)."""
    value = value.strip()
    if len(value) == 8 and value.isdigit():
        return f"{value[:4]}-{value[4:6]}-{value[6:]}"
    return ""


def study_info(ds: Any) -> dict[str, str]:
    """The non-identifying study facts of a DICOM header (date, view, modality, body part, pixel format).

    Only the fields in :data:`STUDY_FIELDS` are read, and only short coded values are kept: patient
    name, id, birth date, institution and every other header field never leave the decoder.
    """
    info: dict[str, str] = {}
    for tag, key in STUDY_FIELDS.items():
        raw = ds.get(tag)
        if raw is None or raw == "":
            continue
        text = str(raw).strip()
        if tag == "StudyDate":
            text = _date(text)
        elif not all(c.isalnum() or c in " _-" for c in text) or len(text) > 16:
            continue  # coded strings only
        if text:
            info[key] = text.upper() if key in ("view", "modality", "body_part", "photometric") else text
    return info


def is_lateral(info: dict[str, str]) -> bool:
    """True when the header names a lateral view (the X-ray models see frontal PA/AP films only)."""
    return info.get("view", "").upper() in LATERAL_VIEWS


class DicomImage:
    """Picklable ``Sample.loader`` that decodes one DICOM file."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)

    def __call__(self) -> np.ndarray:
        return read_dicom_rgb(self.path)
