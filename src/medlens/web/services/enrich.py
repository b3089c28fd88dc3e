"""Work on a case after it is stored: the heatmap overlay file and ABCD lesion features.

Neither is needed to answer the upload, so both are kept off its path: a background task does them
once the upload response has been sent, and any read that shows them (heatmap image, case page, API
``GET /cases/{id}``, PDF) does them first if that has not happened yet (a server restart, or a page
asking first). A striped lock makes the two paths share one computation.

* Heatmap: the upload hands the Predictor's overlay to the background task, which encodes it (JPEG)
  and stores it content-addressed; a read that finds it still pending recomputes it with the same
  model (refused if the served model is not the one that made the case).
* ABCD: ``medlens.lesion`` on the stored photo, for dermoscopy tasks; it costs several times the model.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from medlens.data.imageio import read_image_rgb
from medlens.db import Case
from medlens.tasks import get_task
from medlens.web.services.images import encode_jpeg
from medlens.web.services.storage import ImageStore

log = logging.getLogger(__name__)

HEATMAP_KEY, HEATMAP_PENDING = "heatmap", "pending"  # prediction[HEATMAP_KEY] until the file is stored
_LOCKS = tuple(threading.Lock() for _ in range(64))


def still_referenced(db: Session, digest: str) -> bool:
    """Whether a case points at this stored file (True when the database cannot be asked)."""
    try:
        q = select(Case.id).where((Case.image_sha256 == digest) | (Case.heatmap_sha256 == digest)).limit(1)
        return db.scalar(q) is not None
    except Exception:  # DB down: keep the file rather than risk deleting a referenced one
        return True


def heatmap_pending(row: Case) -> bool:
    """The case has a heatmap whose file has not been stored yet."""
    return row.heatmap_sha256 is None and (row.prediction or {}).get(HEATMAP_KEY) == HEATMAP_PENDING


def ensure_heatmap(
    db: Session, store: ImageStore, row: Case, predictor: Any = None, overlay: Any = None
) -> None:
    """Store the case's pending heatmap overlay and commit its digest (idempotent, thread-safe).

    ``overlay``: the one the upload's prediction made; without it ``predictor`` (the served model for
    the case's task) recomputes it from the stored photo, if it is the model that made the case.
    """
    if not heatmap_pending(row):
        return
    with _LOCKS[row.id % len(_LOCKS)]:
        db.refresh(row)
        if not heatmap_pending(row):
            return
        if overlay is None:
            overlay = _recompute_overlay(store, row, predictor)
            if overlay is None:
                return
        digest, new = store.put(encode_jpeg(overlay))
        try:
            row.heatmap_sha256 = digest
            row.prediction = {k: v for k, v in (row.prediction or {}).items() if k != HEATMAP_KEY}
            db.commit()
        except BaseException:
            db.rollback()
            if new and not still_referenced(db, digest):
                store.delete(digest)
            raise


def _recompute_overlay(store: ImageStore, row: Case, predictor: Any) -> Any:
    card = getattr(predictor, "card", None)
    if card is None or (card.name, str(card.version)) != (row.model_name, row.model_version):
        log.warning("case %s: heatmap pending and the model that made it is not served", row.id)
        return None
    try:
        return predictor.predict(read_image_rgb(store.path_for(row.image_sha256)), cam=True).overlay
    except (OSError, ValueError) as exc:
        log.warning("case %s: heatmap could not be recomputed: %s", row.id, exc)
        return None


def needs_lesion(row: Case) -> bool:
    """A case of a modality with ABCD lesion analysis whose features have not been computed yet."""
    return get_task(row.task).modality_info.lesion_analysis and "lesion" not in (row.prediction or {})


def lesion_features(rgb: np.ndarray) -> dict[str, Any] | None:
    """ABCD features and Total Dermoscopy Score of an RGB photo, or None when the analysis fails."""
    from medlens.lesion import analyze_lesion

    try:
        return analyze_lesion(rgb).to_dict()
    except ValueError as exc:
        log.info("lesion analysis failed: %s", exc)
        return None


def ensure_lesion(db: Session, store: ImageStore, row: Case) -> None:
    """Compute and commit the case's ABCD features if it needs them (idempotent, thread-safe)."""
    if not needs_lesion(row):
        return
    with _LOCKS[row.id % len(_LOCKS)]:
        db.refresh(row)  # another thread may have finished while we waited
        if not needs_lesion(row):
            return
        try:
            rgb = read_image_rgb(store.path_for(row.image_sha256))
        except (OSError, ValueError) as exc:
            # file gone or unreadable: record the failure, do not retry forever
            log.warning("case %s: stored image unreadable for lesion analysis: %s", row.id, exc)
            features = None
        else:
            features = lesion_features(rgb)
        row.prediction = {**(row.prediction or {}), "lesion": features}
        db.commit()


def needs_enrichment(row: Case) -> bool:
    return heatmap_pending(row) or needs_lesion(row)


def enrich_case(
    session_factory: sessionmaker[Session], store: ImageStore, case_id: int, overlay: Any = None
) -> None:
    """Background task after an upload: store the heatmap overlay, then compute the ABCD features."""
    with session_factory() as db:
        row = db.get(Case, case_id)
        if row is not None:
            ensure_heatmap(db, store, row, overlay=overlay)
            ensure_lesion(db, store, row)
