"""A memory budget for decoding uploads: a semaphore weighted by each image's pixel count.

A small file can hold a large image (a 105 KB PNG of 6000x6000 = 36 Mpx): decoding it, the quality gate
and the model's resize take about :data:`BYTES_PER_PIXEL` bytes per pixel at their peak. Eight such
uploads at once took the server from 568 MB to 2.7 GB. Every upload now holds its estimated cost of the
budget from decode to prediction; one that does not fit waits (up to :data:`WAIT_S`, then 503 with
``Retry-After``). An image larger than the whole budget runs alone. After a large one, freed heap
memory is handed back (:func:`medlens.web.malloc.trim`); ``medlens serve`` also caps glibc's arenas. The budget is per process
(``MEDLENS_DECODE_BUDGET_MB``; 0 = auto: 1/16 of the machine's memory, at most 384 MB).
See ``benchmarks/decode_memory.py`` for the peak-memory figures.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from medlens.web.errors import AppError
from medlens.web.malloc import trim
from medlens.web.services.images import header_size

TRIM_ABOVE = 64 * 1024 * 1024  # after a decode this large, hand freed heap memory back to the system
BYTES_PER_PIXEL = 10  # RGB decode (3) + its array copy (3) + gray/float work in the quality gate
AUTO_MAX_MB = 384
WAIT_S = 30.0
MB = 1024 * 1024


def total_memory_bytes() -> int:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 4 * 1024 * MB


def auto_budget_mb() -> int:
    return max(64, min(AUTO_MAX_MB, total_memory_bytes() // MB // 16))


def estimated_cost(data: bytes) -> int:
    """Bytes a decode of ``data`` will need at its peak, from the header's pixel count (no decoding);
    for DICOM and unreadable headers, from the file size (uncompressed pixels are at least 1 byte)."""
    size = header_size(data)
    pixels = size[0] * size[1] if size is not None else len(data)
    return pixels * BYTES_PER_PIXEL


class DecodeBudget:
    """A counting semaphore over bytes (thread-safe; uploads decode in worker threads)."""

    def __init__(self, budget_bytes: int, wait_s: float = WAIT_S) -> None:
        self.budget = max(1, int(budget_bytes))
        self.wait_s = wait_s
        self._used = 0
        self._cond = threading.Condition()

    @classmethod
    def from_setting(cls, budget_mb: int) -> DecodeBudget:
        return cls((budget_mb if budget_mb > 0 else auto_budget_mb()) * MB)

    @property
    def in_use(self) -> int:
        return self._used

    @contextmanager
    def hold(self, cost: int) -> Iterator[None]:
        """Hold ``cost`` bytes of the budget (at most all of it) while the block runs."""
        cost = max(1, min(int(cost), self.budget))
        with self._cond:
            if not self._cond.wait_for(lambda: self._used + cost <= self.budget, timeout=self.wait_s):
                raise AppError(503, "error.busy", retry_after=5)
            self._used += cost
        try:
            yield
        finally:
            with self._cond:
                self._used -= cost
                self._cond.notify_all()
            if cost >= TRIM_ABOVE:
                trim()
