"""Exact and near-duplicate detection: sha256 of bytes and a DCT perceptual hash (pHash) in numpy.

Near duplicates are found with multi-index hashing: the 64-bit hash is cut into ``threshold + 1``
bands; two hashes within Hamming distance ``threshold`` must agree exactly on at least one band
(pigeonhole), so only pairs that share a band bucket are compared. No O(n^2) all-pairs scan.

A 64-bit pHash alone is weak on dermoscopy (a dark blob centred on plain skin): on HAM10000 many
different lesions fall within distance 6. Candidates are therefore confirmed by the Pearson
correlation of their 32x32 grayscale thumbnails (default >= 0.98). Measured on HAM10000 pHash
candidates: photos of the same lesion have median 0.993, different lesions 99.9th percentile
0.976; a resized or brightened copy scores ~0.9996.
"""

from __future__ import annotations

import hashlib
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image

from medlens.data.imageio import ImageDecodeError
from medlens.data.sample import Sample

HASH_SIZE = 8
_DCT_SIZE = 32


def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def pixel_sha256(image: np.ndarray) -> str:
    h = hashlib.sha256(str(image.shape).encode())
    h.update(np.ascontiguousarray(image).tobytes())
    return h.hexdigest()


def sample_sha256(sample: Sample) -> str:
    """File bytes for file-backed samples, pixel bytes for in-memory (array) samples."""
    if sample.loader is None:
        return file_sha256(sample.source)
    return pixel_sha256(sample.load_image())


@lru_cache(maxsize=4)
def _dct_matrix(n: int) -> np.ndarray:
    k = np.arange(n)[:, None]
    x = np.arange(n)[None, :]
    c = np.cos(np.pi * (2 * x + 1) * k / (2 * n)) * np.sqrt(2.0 / n)
    c[0] /= np.sqrt(2.0)
    return c


def phash_gray(gray32: np.ndarray) -> int:
    """64-bit pHash of a 32x32 grayscale array: low 8x8 DCT coefficients above their median."""
    c = _dct_matrix(_DCT_SIZE)
    low = (c @ gray32.astype(np.float64) @ c.T)[:HASH_SIZE, :HASH_SIZE].ravel()
    bits = low > np.median(low)
    return int(np.packbits(bits).view(">u8")[0])


def _to_gray32(im: Image.Image) -> np.ndarray:
    return np.asarray(
        im.convert("L").resize((_DCT_SIZE, _DCT_SIZE), Image.Resampling.BILINEAR), dtype=np.uint8
    )


def thumbnail_image(image: np.ndarray) -> np.ndarray:
    """32x32 grayscale uint8 thumbnail of an RGB/gray uint8 array."""
    return _to_gray32(Image.fromarray(image))


def thumbnail_file(path: str | Path) -> np.ndarray:
    """32x32 grayscale uint8 thumbnail of an image file (JPEG decoded at reduced scale for speed)."""
    try:
        with Image.open(path) as im:
            im.draft("L", (2 * _DCT_SIZE, 2 * _DCT_SIZE))
            return _to_gray32(im)
    except Exception as exc:  # PIL raises many types for corrupt files
        raise ImageDecodeError(f"{path}: cannot decode image ({exc})") from exc


def sample_thumbnail(sample: Sample) -> np.ndarray:
    if sample.loader is None:
        return thumbnail_file(sample.source)
    return thumbnail_image(sample.load_image())


def phash_image(image: np.ndarray) -> int:
    """pHash of an RGB/gray uint8 array."""
    return phash_gray(thumbnail_image(image))


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def thumbnail_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of two thumbnails (1.0 when identical up to brightness/contrast)."""
    x = a.astype(np.float64).ravel()
    y = b.astype(np.float64).ravel()
    x -= x.mean()
    y -= y.mean()
    denom = np.sqrt((x * x).sum() * (y * y).sum())
    return float((x * y).sum() / denom) if denom > 0 else float(np.array_equal(a, b))


def near_duplicate_pairs(
    hashes: Iterable[int],
    threshold: int = 6,
    keep: Callable[[int, int], bool] | None = None,
    thumbnails: Sequence[np.ndarray] | None = None,
    min_correlation: float = 0.98,
) -> list[tuple[int, int, int]]:
    """All index pairs ``(i, j, distance)``, i < j, with pHash Hamming distance <= ``threshold``.

    ``keep(i, j)`` filters candidate pairs first (e.g. only pairs in different splits). With
    ``thumbnails``, a pair is kept only if their correlation is >= ``min_correlation``.
    """
    h = np.asarray([int(x) for x in hashes], dtype=np.uint64)
    if not 0 <= threshold < 64:
        raise ValueError("threshold must be in [0, 64)")
    edges = np.linspace(0, 64, threshold + 2).astype(int)
    seen: set[tuple[int, int]] = set()
    out: list[tuple[int, int, int]] = []
    for lo, hi in itertools.pairwise(edges):
        mask = np.uint64((1 << int(hi - lo)) - 1)
        keys = (h >> np.uint64(lo)) & mask
        buckets: dict[int, list[int]] = defaultdict(list)
        for i, k in enumerate(keys.tolist()):
            buckets[k].append(i)
        for members in buckets.values():
            if len(members) < 2:
                continue
            m = np.asarray(members)
            dist = np.bitwise_count(h[m][:, None] ^ h[m][None, :])
            ii, jj = np.nonzero(np.triu(dist <= threshold, k=1))
            for a, b in zip(ii.tolist(), jj.tolist(), strict=True):
                i, j = int(m[a]), int(m[b])
                if (i, j) in seen or (keep is not None and not keep(i, j)):
                    continue
                seen.add((i, j))
                if (
                    thumbnails is not None
                    and thumbnail_correlation(thumbnails[i], thumbnails[j]) < min_correlation
                ):
                    continue
                out.append((i, j, int(dist[a, b])))
    out.sort()
    return out
