"""Read an upload with a hard byte limit (the request size is also checked before parsing)."""

from __future__ import annotations

from fastapi import UploadFile

from medlens.web.errors import AppError

CHUNK = 1 << 20


async def read_limited(upload: UploadFile, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while chunk := await upload.read(CHUNK):
        total += len(chunk)
        if total > max_bytes:
            raise AppError(413, "error.too_large", mb=max_bytes // (1024 * 1024))
        chunks.append(chunk)
    return b"".join(chunks)
