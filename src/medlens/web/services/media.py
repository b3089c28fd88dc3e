"""Case images (original, heatmap overlay, thumbnail) and the PDF report."""

from __future__ import annotations

from medlens.db import Case
from medlens.web.errors import not_found
from medlens.web.pdf import render_case_pdf
from medlens.web.presenters import case_summary
from medlens.web.services.images import thumbnail_png
from medlens.web.services.storage import ImageStore


def case_png(store: ImageStore, row: Case, kind: str = "image", thumb: bool = False) -> bytes:
    """PNG bytes of the case image or heatmap overlay (optionally a small thumbnail)."""
    sha = row.image_sha256 if kind == "image" else row.heatmap_sha256
    if sha is None:
        raise not_found()
    try:
        data = store.read(sha)
    except FileNotFoundError as exc:
        raise not_found() from exc
    return thumbnail_png(data) if thumb else data


def case_pdf(store: ImageStore, row: Case, lang: str) -> bytes:
    heat = store.read(row.heatmap_sha256) if row.heatmap_sha256 else None
    return render_case_pdf(case_summary(row, lang), store.read(row.image_sha256), heat, lang)
