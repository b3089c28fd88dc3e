"""AppError: a 4xx with a translatable message key (rendered in the user's language)."""

from __future__ import annotations


class AppError(Exception):
    """A client error: HTTP ``status``, message catalog ``key`` and format ``params``."""

    def __init__(self, status: int, key: str, **params: object) -> None:
        super().__init__(key)
        self.status = status
        self.key = key
        self.params = params


def not_found() -> AppError:
    return AppError(404, "error.not_found")


def forbidden() -> AppError:
    return AppError(403, "error.forbidden")


def localize_params(params: dict[str, object], lang: str) -> dict[str, object]:
    """Resolve bilingual ``Text`` parameters (anything with ``.en``/``.ko`` and ``get``) to ``lang``."""
    return {k: v.get(lang) if hasattr(v, "ko") and hasattr(v, "get") else v for k, v in params.items()}
