"""The clinic map's tile server: a setting (``MEDLENS_MAP_TILE_URL``), checked once at startup.

Empty (the default) means no tiles: the map still shows the clinic markers and the list, offline. A set
URL must be an http(s) template with ``{z}``, ``{x}`` and ``{y}``; its origin is added to the page's
Content-Security-Policy ``img-src`` so the browser may load the tiles (and nothing else from there).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

_PLACEHOLDER = re.compile(r"\{[a-z]+\}")


def tile_origin(url: str) -> str:
    """The CSP source for a tile URL template (``{s}`` or another placeholder in the leftmost host label
    becomes ``*``); ``""`` when tiles are off. ``ValueError`` for a URL that cannot be a tile template."""
    url = url.strip()
    if not url:
        return ""
    if not all(p in url for p in ("{z}", "{x}", "{y}")):
        raise ValueError(f"map tile URL needs {{z}}, {{x}} and {{y}} placeholders: {url!r}")
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    if parts.scheme not in ("http", "https") or not host or any(c in host for c in " '\";,"):
        raise ValueError(f"map tile URL must be http(s)://host/...: {url!r}")
    first, dot, rest = host.partition(".")
    if _PLACEHOLDER.search(first):
        host = f"*.{rest}" if dot and not _PLACEHOLDER.search(rest) else ""
    if not host or _PLACEHOLDER.search(host):
        raise ValueError(f"map tile URL may have a placeholder only in the leftmost host label: {url!r}")
    return f"{parts.scheme}://{host}"
