"""Retention: cases (with their replies and image files) older than ``MEDLENS_RETENTION_DAYS`` are
deleted by ``medlens db purge-expired`` (run it daily, e.g. from cron). 0 keeps cases until deleted."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from medlens.db import Case
from medlens.db.tables import utcnow
from medlens.web.services import audit
from medlens.web.services.erasure import erase_cases, remove_files
from medlens.web.services.storage import ImageStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Purged:
    cutoff: datetime
    cases: int
    files: int


def expired_case_ids(db: Session, days: int, now: datetime | None = None) -> tuple[datetime, list[int]]:
    """The cutoff (UTC, naive like the stored times) and the ids of cases created before it."""
    if days < 1:
        raise ValueError(f"retention must be at least 1 day, got {days}")
    cutoff = (now or utcnow()) - timedelta(days=days)
    return cutoff, list(db.scalars(select(Case.id).where(Case.created_at < cutoff).order_by(Case.id)))


def purge_expired(
    db: Session, store: ImageStore, days: int, now: datetime | None = None, dry_run: bool = False
) -> Purged:
    """Delete cases older than ``days`` with their replies and unshared files; one audit row (``purge``).
    ``dry_run``: count only, change nothing."""
    cutoff, ids = expired_case_ids(db, days, now)
    if dry_run:
        return Purged(cutoff, len(ids), 0)
    orphans = erase_cases(db, ids)
    detail = f"days={days} cases={len(ids)} files={len(orphans)}"
    audit.record(db, None, "purge", detail=detail)
    db.commit()
    files = remove_files(store, orphans)
    log.info("purged %d case(s) created before %s UTC and %d file(s)", len(ids), cutoff, files)
    return Purged(cutoff, len(ids), files)
