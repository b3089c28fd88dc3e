"""Remove metadata from JPEG and PNG files without re-encoding a pixel.

An upload is stored as the patient's own file minus everything that is not the picture: EXIF (GPS,
camera, time), XMP, IPTC, comments, text chunks and bytes trailing the image. The compressed image
data are copied unchanged, so the stored file decodes to exactly the pixels the model saw, is as
small as the upload (a re-encoded PNG of a 12 KB JPEG is ~10x larger) and costs no encoding time.

Kept because they change how the pixels look, and hold nothing about the patient:
JPEG ``APP2 ICC_PROFILE`` and ``APP14 Adobe`` (colour transform); PNG ``PLTE tRNS gAMA cHRM sRGB
iCCP sBIT``. Everything else outside the image data is dropped. Malformed structure raises
``ValueError``; callers then fall back to re-encoding the decoded pixels.
"""

from __future__ import annotations

import struct
import zlib

JPEG_SOI = b"\xff\xd8"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

_KEEP_APP = {0xE2: b"ICC_PROFILE\x00", 0xEE: b"Adobe"}
_PNG_KEEP = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT"}
_STANDALONE = {0x01} | set(range(0xD0, 0xD8))  # TEM, RST0-7: markers without a length field


def strip_jpeg(data: bytes) -> bytes:
    """The JPEG with APPn (but ICC/Adobe), COM and anything after EOI removed."""
    if not data.startswith(JPEG_SOI):
        raise ValueError("not a JPEG (no SOI marker)")
    out = [JPEG_SOI]
    i, n = 2, len(data)
    while True:
        if i + 2 > n or data[i] != 0xFF:
            raise ValueError(f"JPEG marker expected at byte {i}")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte before a marker
            i += 1
            continue
        if marker == 0xD9:  # EOI: the end; trailing bytes (maker trailers, appended images) are dropped
            out.append(b"\xff\xd9")
            return b"".join(out)
        if marker in _STANDALONE:
            out.append(data[i : i + 2])
            i += 2
            continue
        if i + 4 > n:
            raise ValueError("JPEG truncated inside a segment header")
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        end = i + 2 + length
        if length < 2 or end > n:
            raise ValueError(f"JPEG segment at byte {i} runs past the end of the file")
        if marker == 0xDA:  # SOS: header, then entropy-coded data up to the next real marker
            end = _scan_end(data, end)
            out.append(data[i:end])
        elif _keep_segment(marker, data[i + 4 : i + 4 + 12]):
            out.append(data[i:end])
        i = end


def _keep_segment(marker: int, head: bytes) -> bool:
    if marker == 0xFE:  # COM
        return False
    if 0xE0 <= marker <= 0xEF:  # APP0-15
        ident = _KEEP_APP.get(marker)
        return ident is not None and head.startswith(ident)
    return True  # tables, frame headers, DRI, ...


def _scan_end(data: bytes, i: int) -> int:
    """Index of the first marker after entropy-coded data starting at ``i`` (RSTn and FF00 are data)."""
    n = len(data)
    while True:
        j = data.find(b"\xff", i)
        if j < 0 or j + 1 >= n:
            raise ValueError("JPEG truncated inside the image data")
        nxt = data[j + 1]
        if nxt == 0x00 or 0xD0 <= nxt <= 0xD7:
            i = j + 2
        elif nxt == 0xFF:
            i = j + 1
        else:
            return j


def strip_png(data: bytes) -> bytes:
    """The PNG with only critical and colour chunks (see module docstring); bad CRCs are refused."""
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG (bad signature)")
    out = [PNG_SIGNATURE]
    i, n = len(PNG_SIGNATURE), len(data)
    while i + 12 <= n:
        length, ctype = struct.unpack(">I4s", data[i : i + 8])
        end = i + 12 + length
        if end > n:
            raise ValueError(f"PNG chunk {ctype!r} runs past the end of the file")
        crc = struct.unpack(">I", data[end - 4 : end])[0]
        if zlib.crc32(data[i + 4 : end - 4]) != crc:
            raise ValueError(f"PNG chunk {ctype!r} has a bad CRC")
        if ctype in _PNG_KEEP:
            out.append(data[i:end])
        if ctype == b"IEND":
            return b"".join(out)
        i = end
    raise ValueError("PNG has no IEND chunk")
