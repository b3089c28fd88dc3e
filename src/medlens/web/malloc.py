"""glibc malloc settings for the server process (no-ops elsewhere).

Uploads decode in a pool of worker threads; glibc gives each thread its own heap arena, and an arena
keeps the memory of freed image buffers (Pillow allocates them in blocks below the mmap threshold).
Eight 36 Mpx uploads decoded one after another on eight threads left ~1.9 GB resident; with two arenas
the same burst peaks under 0.9 GB (``benchmarks/decode_memory.py``). ``trim`` hands freed heap memory
back to the system after a large decode.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)
M_ARENA_MAX = -8  # glibc's mallopt parameter number


def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "mallopt") else None


def limit_arenas(n: int = 2) -> bool:
    """Cap glibc's heap arenas for threads created from now on; False where it cannot (not glibc)."""
    libc = _libc()
    ok = bool(libc is not None and libc.mallopt(M_ARENA_MAX, n) == 1)
    log.debug("malloc arenas limited to %d: %s", n, ok)
    return ok


def trim() -> None:
    """Return freed heap memory to the system (glibc ``malloc_trim(0)``)."""
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)
