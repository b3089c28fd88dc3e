"""Lossless metadata removal (``medlens.web.services.metadata``) and what decode_upload stores."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from medlens.web.services.images import decode_upload
from medlens.web.services.metadata import strip_jpeg, strip_png

from .conftest import photo_bytes


def _pixels(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGB"))


def _gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "TestCam"
    exif[0x8825] = {1: "N", 2: (37.0, 33.0, 58.0), 3: "E", 4: (126.0, 58.0, 40.0)}
    return exif


def _jpeg(**save: object) -> bytes:
    with Image.open(io.BytesIO(photo_bytes(size=(200, 150)))) as im:
        buf = io.BytesIO()
        im.save(buf, format="JPEG", exif=_gps_exif(), comment=b"patient Kim, ward 3", **save)
    return buf.getvalue()


@pytest.mark.parametrize(
    "save",
    [{}, {"progressive": True}, {"restart_marker_blocks": 4}, {"icc_profile": b"\0" * 400, "quality": 70}],
    ids=["baseline", "progressive", "restart-markers", "icc"],
)
def test_strip_jpeg_drops_exif_comment_trailer_keeps_pixels(save):
    data = _jpeg(**save) + b"TRAILER with GPS 37.56N"  # bytes after EOI (maker trailers) go too
    assert b"Exif" in data and b"patient Kim" in data
    out = strip_jpeg(data)
    assert (
        b"Exif" not in out and b"TestCam" not in out and b"patient Kim" not in out and b"TRAILER" not in out
    )
    assert out.endswith(b"\xff\xd9") and len(out) < len(data)
    assert np.array_equal(_pixels(out), _pixels(data))
    with Image.open(io.BytesIO(out)) as im:
        assert not im.getexif() and "comment" not in im.info
        if "icc_profile" in save:
            assert im.info.get("icc_profile") == save["icc_profile"]  # colour profile kept


def test_strip_jpeg_refuses_broken_structure():
    data = _jpeg()
    with pytest.raises(ValueError, match="image data"):
        strip_jpeg(data[: len(data) // 2])  # cut inside the scan
    with pytest.raises(ValueError, match="not a JPEG"):
        strip_jpeg(b"GIF89a" + data)
    bad_len = data[:2] + b"\xff\xe1\xff\xff" + data[6:]  # APP1 claims 65535 bytes
    with pytest.raises(ValueError):
        strip_jpeg(bad_len[:300])


def _png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "patient Kim")
    info.add_itxt("Location", "37.56N 126.97E", zip=True)
    with Image.open(io.BytesIO(photo_bytes(size=(120, 90)))) as im:
        buf = io.BytesIO()
        im.save(buf, format="PNG", pnginfo=info, exif=_gps_exif())
    return buf.getvalue()


def test_strip_png_drops_text_and_exif_chunks_keeps_pixels():
    data = _png_with_text()
    assert b"patient Kim" in data and b"eXIf" in data
    out = strip_png(data)
    assert b"patient Kim" not in out and b"eXIf" not in out and b"iTXt" not in out
    assert np.array_equal(_pixels(out), _pixels(data))
    with Image.open(io.BytesIO(out)) as im:
        assert not im.getexif() and not getattr(im, "text", {})


def test_strip_png_refuses_bad_crc_and_missing_iend():
    data = _png_with_text()
    ihdr_crc = 8 + 8 + 13  # signature, IHDR length+type, IHDR data: the CRC follows
    broken = data[:ihdr_crc] + struct.pack(">I", zlib.crc32(b"x")) + data[ihdr_crc + 4 :]
    with pytest.raises(ValueError, match="CRC"):
        strip_png(broken)
    with pytest.raises(ValueError, match="IEND"):
        strip_png(data[:-12])


def test_decode_upload_stores_stripped_original_or_upright_png():
    plain = decode_upload(_jpeg(), "a.jpg", "image/jpeg", False, 10_000_000)
    assert plain.stored[:3] == b"\xff\xd8\xff" and b"Exif" not in plain.stored
    assert np.array_equal(_pixels(plain.stored), plain.rgb)

    exif = _gps_exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    with Image.open(io.BytesIO(photo_bytes(size=(200, 150)))) as im:
        buf = io.BytesIO()
        im.save(buf, format="JPEG", exif=exif)
    rotated = decode_upload(buf.getvalue(), "r.jpg", "image/jpeg", False, 10_000_000)
    assert rotated.rgb.shape[:2] == (200, 150)  # upright: portrait
    assert rotated.stored[:8] == b"\x89PNG\r\n\x1a\n"  # pixels re-encoded, so orientation needs no EXIF
    assert np.array_equal(_pixels(rotated.stored), rotated.rgb) and b"TestCam" not in rotated.stored


def test_strip_is_lossless_on_real_dataset_photos(shared_data: Path):
    photos = sorted((shared_data / "melanoma_10000" / "train" / "benign").glob("*.jpg"))[:40]
    photos += sorted((shared_data / "ham10000_lowres" / "images").glob("*.jpg"))[:20]
    assert len(photos) == 60
    for path in photos:
        data = path.read_bytes()
        out = strip_jpeg(data)
        assert np.array_equal(_pixels(out), _pixels(data)), path.name
