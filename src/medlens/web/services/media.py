"""Case images (original, heatmap overlay, thumbnail) and the PDF report."""

from __future__ import annotations

from typing import Any

from fastapi import Response
from sqlalchemy.orm import Session

from medlens.db import Case, User
from medlens.web.errors import not_found
from medlens.web.pdf import render_case_pdf
from medlens.web.presenters import case_summary
from medlens.web.services.cases import same_photo_cases
from medlens.web.services.enrich import ensure_heatmap, ensure_lesion
from medlens.web.services.images import media_type, thumbnail_png
from medlens.web.services.storage import ImageStore


def case_image(store: ImageStore, row: Case, kind: str = "image", thumb: bool = False) -> tuple[bytes, str]:
    """(bytes, media type) of the case image or heatmap overlay; ``thumb``: a small PNG thumbnail."""
    sha = row.image_sha256 if kind == "image" else row.heatmap_sha256
    if sha is None:
        raise not_found()
    try:
        data = store.read(sha)
    except FileNotFoundError as exc:
        raise not_found() from exc
    if thumb:
        return thumbnail_png(data), "image/png"
    return data, media_type(data)


def image_response(
    store: ImageStore,
    row: Case,
    kind: str = "image",
    thumb: bool = False,
    headers: dict[str, str] | None = None,
) -> Response:
    data, mtype = case_image(store, row, kind, thumb)
    return Response(data, media_type=mtype, headers=headers)


def heatmap_response(
    db: Session, store: ImageStore, row: Case, predictor: Any, headers: dict[str, str] | None = None
) -> Response:
    """The heatmap overlay, stored first if the upload's background task has not done it yet."""
    ensure_heatmap(db, store, row, predictor)
    return image_response(store, row, "heatmap", headers=headers)


def case_pdf(
    db: Session, store: ImageStore, user: User, row: Case, lang: str, predictor: Any = None
) -> bytes:
    """The case's PDF report for ``user``: the same message as their case page, other tests of the same
    photo included where ``user`` may see them."""
    ensure_heatmap(db, store, row, predictor)
    ensure_lesion(db, store, row)
    heat = store.read(row.heatmap_sha256) if row.heatmap_sha256 else None
    summary = case_summary(row, lang, same_photo_cases(db, user, row))
    return render_case_pdf(summary, store.read(row.image_sha256), heat, lang)
