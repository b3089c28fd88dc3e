"""Validate and decode an uploaded image (JPEG / PNG / DICOM) safely; keep what is stored metadata-free.

JPEG and PNG uploads are stored as the original file with its metadata cut out (no re-encoding, see
:mod:`medlens.web.services.metadata`); DICOM, EXIF-rotated photos and files whose structure cannot be
walked are stored as a PNG of the decoded pixels. Either way no EXIF, GPS or text survives.
"""

from __future__ import annotations

import io
import logging
import re
import struct
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

from medlens.data.imageio import HIGH_DEPTH_MODES, gray_to_rgb8
from medlens.web.errors import AppError
from medlens.web.services.metadata import strip_jpeg, strip_png

log = logging.getLogger(__name__)

IMAGE_TYPES = {"image/jpeg", "image/jpg", "image/pjpeg", "image/png"}
DICOM_TYPES = {"application/dicom", "application/dicom+octet-stream"}
GENERIC_TYPES = {"application/octet-stream", ""}
_BAD_NAME = re.compile(r"[/\\\x00]|^\.\.?$")
_EXIF_ORIENTATION = 0x0112


@dataclass(frozen=True)
class DecodedUpload:
    """Pixels for the model and the bytes to store (metadata-free, same pixels)."""

    rgb: np.ndarray
    stored: bytes
    #: non-identifying DICOM study facts (date, view, modality …); None for JPEG/PNG uploads
    study: dict[str, str] | None = None


def check_filename(filename: str | None) -> None:
    """Reject path-like upload names (``../x.png``, ``a/b.png``, NUL bytes). Names are never used on disk."""
    name = filename or ""
    if _BAD_NAME.search(name) or ".." in name.split("/") or name.startswith(".."):
        raise AppError(400, "error.bad_filename")


def sniff(data: bytes) -> str | None:
    """File kind from magic bytes: "jpeg", "png", "dicom" or None."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if len(data) >= 132 and data[128:132] == b"DICM":
        return "dicom"
    return None


def header_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) read from the PNG IHDR or JPEG SOF header without decoding, or None."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24 and data[12:16] == b"IHDR":
        return struct.unpack(">II", data[16:24])
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                i += 2
                continue
            seg_len = struct.unpack(">H", data[i + 2 : i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            i += 2 + seg_len
    return None


def _decode_raster(data: bytes, max_pixels: int) -> tuple[np.ndarray, bool]:
    """RGB pixels, upright, and whether they must be stored re-encoded (an EXIF orientation was applied,
    or a high-bit-depth image was windowed to 8 bits)."""
    size = header_size(data)
    if size is not None and size[0] * size[1] > max_pixels:
        raise AppError(413, "error.too_many_pixels", width=size[0], height=size[1])
    try:
        with Image.open(io.BytesIO(data)) as im:
            # header only so far: refuse decompression bombs before decoding any pixel
            if im.width * im.height > max_pixels:
                raise AppError(413, "error.too_many_pixels", width=im.width, height=im.height)
            im.load()
            rotated = im.getexif().get(_EXIF_ORIENTATION, 1) not in (None, 1)
            upright = ImageOps.exif_transpose(im) if rotated else im
            if upright.mode in HIGH_DEPTH_MODES:
                rgb = gray_to_rgb8(np.asarray(upright))
                rotated = True  # stored as the 8-bit pixels the model saw, like a rotated photo
            else:
                rgb = np.array(upright if upright.mode == "RGB" else upright.convert("RGB"), dtype=np.uint8)
    except AppError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise AppError(413, "error.too_many_pixels", width="?", height="?") from exc
    except Exception as exc:  # PIL raises many types for corrupt / truncated files
        log.info("image decode failed: %s", exc)
        raise AppError(400, "error.corrupt_image") from exc
    if min(rgb.shape[:2]) < 16:
        raise AppError(400, "error.image_too_small")
    return rgb, rotated


def clean_copy(data: bytes, kind: str, rgb: np.ndarray, rotated: bool) -> bytes:
    """The upload without metadata; a PNG of ``rgb`` when the file has to be rotated or cannot be walked."""
    if not rotated:
        try:
            return strip_jpeg(data) if kind == "jpeg" else strip_png(data)
        except ValueError as exc:
            log.info("metadata strip failed (%s); storing re-encoded pixels", exc)
    return encode_png(rgb)


def _decode_dicom(data: bytes, max_pixels: int) -> tuple[np.ndarray, dict[str, str]]:
    """Parse once; the pixel count from the header first (a bomb is refused before decoding), then
    :func:`medlens.data.dicom.dataset_rgb` (rescale, VOI window, MONOCHROME1 inversion). Returns the
    pixels and the header's non-identifying study facts (:func:`~medlens.data.dicom.study_info`)."""
    from medlens.data.dicom import dataset_rgb, read_dicom, study_info

    try:
        ds = read_dicom(data)
        rows, cols = int(ds.Rows), int(ds.Columns)
    except Exception as exc:  # pydicom raises many types for malformed files
        log.info("dicom header unreadable: %s", exc)
        raise AppError(400, "error.bad_dicom") from exc
    if rows * cols > max_pixels:
        raise AppError(413, "error.too_many_pixels", width=cols, height=rows)
    try:
        rgb = dataset_rgb(ds, "<uploaded DICOM>")
    except Exception as exc:  # DatasetFormatError names the problem; pydicom may raise other types
        log.info("dicom decode failed: %s", exc)
        raise AppError(400, "error.bad_dicom") from exc
    if rgb.ndim != 3 or rgb.shape[2] != 3 or min(rgb.shape[:2]) < 16:
        raise AppError(400, "error.bad_dicom")
    return rgb, study_info(ds)


def decode_upload(
    data: bytes, filename: str | None, content_type: str | None, allow_dicom: bool, max_pixels: int
) -> DecodedUpload:
    """Check name, declared type and magic bytes, decode to RGB uint8, make the stored copy. AppError: 4xx."""
    check_filename(filename)
    if not data:
        raise AppError(400, "error.empty_file")
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype not in IMAGE_TYPES | DICOM_TYPES | GENERIC_TYPES:
        raise AppError(415, "error.unsupported_type", type=ctype)
    kind = sniff(data)
    if kind is None:
        raise AppError(400, "error.not_an_image")
    if kind == "dicom":
        if not allow_dicom:
            raise AppError(415, "error.dicom_not_allowed")
        rgb, study = _decode_dicom(data, max_pixels)
        # pixels only: the DICOM header names the patient; the study facts kept are coded, not personal
        return DecodedUpload(rgb, encode_png(rgb), study)
    if ctype in DICOM_TYPES:
        raise AppError(400, "error.type_mismatch")
    rgb, rotated = _decode_raster(data, max_pixels)
    return DecodedUpload(rgb, clean_copy(data, kind, rgb, rotated))


def media_type(data: bytes) -> str:
    """``image/jpeg`` or ``image/png`` from a stored file's magic bytes."""
    return "image/jpeg" if sniff(data) == "jpeg" else "image/png"


def encode_png(rgb: np.ndarray) -> bytes:
    """PNG of the pixels only: no EXIF, GPS or other metadata survives."""
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8), "RGB").save(
        buf, format="PNG", compress_level=1
    )
    return buf.getvalue()


def encode_jpeg(rgb: np.ndarray, quality: int = 90) -> bytes:
    """JPEG of the pixels (for heatmap overlays: a picture to look at, ~25x cheaper to encode than PNG)."""
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb, dtype=np.uint8), "RGB").save(
        buf, format="JPEG", quality=quality
    )
    return buf.getvalue()


def thumbnail_png(image_bytes: bytes, size: int = 160) -> bytes:
    with Image.open(io.BytesIO(image_bytes)) as im:
        small = im.convert("RGB")
        small.thumbnail((size, size))
        buf = io.BytesIO()
        small.save(buf, format="PNG")
        return buf.getvalue()
