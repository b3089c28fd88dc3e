"""``Text``: a short text in English and Korean (task titles, advice, class and grade names)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Text:
    """A short text in English and Korean."""

    en: str
    ko: str

    def get(self, lang: str) -> str:
        return self.ko if lang.startswith("ko") else self.en
