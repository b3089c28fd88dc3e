"""The privacy notice (what is stored, why, who sees it, retention, export/delete) shown at sign-up.

Its texts live in the ko/en catalogs (``privacy.*``); :data:`NOTICE_VERSION` is stored with each
patient's consent, so a later change of the notice can tell who accepted which version."""

from __future__ import annotations

from typing import Any

from medlens.web.i18n import translate

NOTICE_VERSION = "2026-12-01"
SECTIONS = ("purpose", "stored", "who", "retention", "rights", "not_diagnosis")


def retention_text(lang: str, retention_days: int) -> str:
    if retention_days > 0:
        return translate(lang, "privacy.retention_days", days=retention_days)
    return translate(lang, "privacy.retention_none")


def notice(lang: str, retention_days: int) -> dict[str, Any]:
    """The notice in ``lang``: title, version, retention setting and its sections (title, body)."""
    sections = []
    for name in SECTIONS:
        body = translate(lang, f"privacy.{name}.body")
        if name == "retention":
            body = f"{body} {retention_text(lang, retention_days)}"
        sections.append({"name": name, "title": translate(lang, f"privacy.{name}.title"), "body": body})
    return {
        "title": translate(lang, "privacy.title"),
        "version": NOTICE_VERSION,
        "retention_days": retention_days or None,
        "sections": sections,
        "language": lang,
    }
