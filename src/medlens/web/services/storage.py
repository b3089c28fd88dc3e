"""Content-addressed image store: ``<data_dir>/uploads/ab/abcdef....{jpg,png}`` (suffix from the bytes)."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from medlens.web.services.images import sniff

SUFFIXES = (".jpg", ".png")


def _suffix(data: bytes) -> str:
    return ".jpg" if sniff(data) == "jpeg" else ".png"


class ImageStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _stem(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def path_for(self, sha256: str) -> Path:
        """Path of a stored file; FileNotFoundError when no file has this digest."""
        stem = self._stem(sha256)
        for suffix in SUFFIXES:
            path = stem.with_suffix(suffix)
            if path.exists():
                return path
        raise FileNotFoundError(f"no stored image {sha256}")

    def put(self, data: bytes) -> tuple[str, bool]:
        """Store bytes atomically under their sha256; returns (sha256, created_now)."""
        sha = hashlib.sha256(data).hexdigest()
        path = self._stem(sha).with_suffix(_suffix(data))
        if path.exists():
            return sha, False
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return sha, True

    def read(self, sha256: str) -> bytes:
        return self.path_for(sha256).read_bytes()

    def suffix(self, sha256: str) -> str:
        return self.path_for(sha256).suffix

    def delete(self, sha256: str) -> None:
        stem = self._stem(sha256)
        for suffix in SUFFIXES:
            stem.with_suffix(suffix).unlink(missing_ok=True)

    def files(self) -> list[Path]:
        if not self.root.exists():
            return []
        return sorted(p for p in self.root.glob("*/*") if p.suffix in SUFFIXES)
