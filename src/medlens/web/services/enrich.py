"""Work on a case after it is stored: ABCD lesion features (``medlens.lesion``) for dermoscopy tasks.

The ABCD analysis costs several times the model itself, so it is kept off the upload path: a
background task computes it once the upload response has been sent, and any read that shows it
(case page, API ``GET /cases/{id}``, PDF) computes it first if that has not happened yet (a server
restart, or a page asking first). A striped lock makes the two paths share one computation.
"""

from __future__ import annotations

import io
import logging
import threading
from typing import Any

import numpy as np
from PIL import Image, ImageOps
from sqlalchemy.orm import Session, sessionmaker

from medlens.db import Case
from medlens.tasks import get_task
from medlens.web.services.storage import ImageStore

log = logging.getLogger(__name__)

LESION_MODALITIES = ("dermoscopy",)
_LOCKS = tuple(threading.Lock() for _ in range(64))


def needs_lesion(row: Case) -> bool:
    """A dermoscopy case whose ABCD features have not been computed yet."""
    return get_task(row.task).modality in LESION_MODALITIES and "lesion" not in (row.prediction or {})


def lesion_features(rgb: np.ndarray) -> dict[str, Any] | None:
    """ABCD features and Total Dermoscopy Score of an RGB photo, or None when unavailable / failed."""
    try:
        from medlens.lesion import analyze_lesion
    except ImportError:
        return None
    try:
        return analyze_lesion(rgb).to_dict()
    except ValueError as exc:
        log.info("lesion analysis failed: %s", exc)
        return None


def _stored_rgb(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(ImageOps.exif_transpose(im).convert("RGB"), dtype=np.uint8)


def ensure_lesion(db: Session, store: ImageStore, row: Case) -> None:
    """Compute and commit the case's ABCD features if it needs them (idempotent, thread-safe)."""
    if not needs_lesion(row):
        return
    with _LOCKS[row.id % len(_LOCKS)]:
        db.refresh(row)  # another thread may have finished while we waited
        if not needs_lesion(row):
            return
        try:
            rgb = _stored_rgb(store.read(row.image_sha256))
        except (
            OSError,
            ValueError,
        ) as exc:  # file gone or unreadable: record the failure, do not retry forever
            log.warning("case %s: stored image unreadable for lesion analysis: %s", row.id, exc)
            features = None
        else:
            features = lesion_features(rgb)
        row.prediction = {**(row.prediction or {}), "lesion": features}
        db.commit()


def enrich_case(session_factory: sessionmaker[Session], store: ImageStore, case_id: int) -> None:
    """Background task after an upload: everything :func:`ensure_lesion` would do on first read."""
    with session_factory() as db:
        row = db.get(Case, case_id)
        if row is not None:
            ensure_lesion(db, store, row)
