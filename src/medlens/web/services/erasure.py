"""Erase cases for good: their rows, their replies, their notices, the followed lesions left without a
photo, and the stored image/heatmap files no other case uses.

Rows go first (in the caller's transaction); files only after the commit (:func:`remove_files`), so a
crash in between leaves an unreferenced file, never a case pointing at a missing one."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from medlens.db import Case, Lesion, Notice, Reply
from medlens.web.services.enrich import still_referenced
from medlens.web.services.storage import ImageStore

log = logging.getLogger(__name__)


def erase_cases(db: Session, case_ids: Iterable[int]) -> list[str]:
    """Delete these cases, their replies and notices, and the lesions they followed that keep no other
    photo (not committed); the digests of the stored files that no
    remaining case references, to pass to :func:`remove_files` once the caller has committed."""
    ids = sorted(set(case_ids))
    if not ids:
        return []
    digests: set[str] = set()
    for image, heatmap in db.execute(select(Case.image_sha256, Case.heatmap_sha256).where(Case.id.in_(ids))):
        digests.update(d for d in (image, heatmap) if d)
    db.execute(delete(Reply).where(Reply.case_id.in_(ids)))
    db.execute(delete(Notice).where(Notice.case_id.in_(ids)))
    lesion_ids = set(db.scalars(select(Case.lesion_id).where(Case.id.in_(ids), Case.lesion_id.is_not(None))))
    db.execute(delete(Case).where(Case.id.in_(ids)))
    if lesion_ids:
        kept = select(Case.lesion_id).where(Case.lesion_id.in_(lesion_ids))
        db.execute(delete(Lesion).where(Lesion.id.in_(lesion_ids), Lesion.id.not_in(kept)))
    return sorted(d for d in digests if not still_referenced(db, d))


def remove_files(store: ImageStore, digests: Iterable[str]) -> int:
    """Delete the stored files of these digests (after the commit); how many digests were removed."""
    n = 0
    for digest in digests:
        try:
            store.delete(digest)
            n += 1
        except OSError:
            log.exception("could not delete stored file %s", digest)
    return n
