"""Tiny i18n: JSON message catalogs (en, ko) and language negotiation (?lang=, cookie, Accept-Language)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from starlette.requests import Request

LANGUAGES = ("ko", "en")
LANG_COOKIE = "medlens_lang"
CATALOG_DIR = Path(__file__).parent / "i18n"


@lru_cache(maxsize=4)
def catalog(lang: str) -> dict[str, str]:
    return json.loads((CATALOG_DIR / f"{lang}.json").read_text(encoding="utf-8"))


def translate(lang: str, key: str, **params: object) -> str:
    """Message ``key`` in ``lang`` (falls back to English, then to the key itself)."""
    text = catalog(lang if lang in LANGUAGES else "en").get(key) or catalog("en").get(key) or key
    return text.format(**params) if params else text


def prefers_korean(accept_language: str) -> bool:
    """True when Korean has the highest q-value in an Accept-Language header."""
    best_lang, best_q = "", -1.0
    for part in accept_language.split(","):
        bits = part.strip().split(";")
        tag = bits[0].strip().lower()
        if not tag:
            continue
        q = 1.0
        for b in bits[1:]:
            b = b.strip()
            if b.startswith("q="):
                try:
                    q = float(b[2:])
                except ValueError:
                    q = 0.0
        if q > best_q:
            best_lang, best_q = tag, q
    return best_lang.startswith("ko")


def negotiate(request: Request, default: str = "en") -> str:
    """Language for this request: ``?lang=`` > cookie > Accept-Language (ko if preferred, else en)."""
    for candidate in (request.query_params.get("lang"), request.cookies.get(LANG_COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    header = request.headers.get("accept-language")
    if header is None:
        return default if default in LANGUAGES else "en"
    return "ko" if prefers_korean(header) else "en"
