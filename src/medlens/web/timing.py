"""Per-stage wall times of a request, sent as a ``Server-Timing`` header (browser dev tools show it;
``benchmarks/load.py`` prints the medians)."""

from __future__ import annotations

import re
import time

_ENTRY = re.compile(r"\s*([A-Za-z0-9_-]+)\s*;\s*dur=([0-9.]+)")


class Timings:
    """``lap(name)`` adds the time since the previous lap (or creation) to stage ``name``."""

    def __init__(self, start: float | None = None) -> None:
        """``start``: a ``time.perf_counter()`` value to count the first lap from (default: now)."""
        self.ms: dict[str, float] = {}
        self._last = time.perf_counter() if start is None else start

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.ms[name] = self.ms.get(name, 0.0) + (now - self._last) * 1000
        self._last = now

    def header(self) -> str:
        return ", ".join(f"{name};dur={ms:.2f}" for name, ms in self.ms.items())


def parse_server_timing(value: str) -> dict[str, float]:
    """``{"decode": 0.41, ...}`` from a ``Server-Timing`` header value (entries without ``dur`` skipped)."""
    out: dict[str, float] = {}
    for part in value.split(","):
        m = _ENTRY.match(part)
        if m:
            out[m.group(1)] = float(m.group(2))
    return out
