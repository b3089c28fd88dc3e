"""In-app notices: each belongs to one user and only that user may list or read it.

Two events make notices (and, when e-mail is on, a message through :mod:`medlens.web.services.mailer`):

- ``reply``: a clinician answered a patient's case. The notice is written in the same transaction as
  the reply (:func:`add_reply_notice`), so there is never a reply without its notice or the reverse.
- ``overdue``: a submitted case has waited for an answer longer than ``MEDLENS_REVIEW_WAIT_HOURS``.
  :func:`notify_overdue` is run by ``medlens notify overdue`` (hourly, from cron, like
  ``medlens db purge-expired``), not on a page load: a clinician who is not looking at the queue is the
  one who needs telling. Every active clinician gets one notice per overdue case, once.
- ``reminder``: the next-check date a patient set for a lesion they follow has come
  (:mod:`medlens.web.services.reminders`, ``medlens notify reminders``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from medlens.config import Settings
from medlens.db import Case, Notice, User
from medlens.db.tables import utcnow
from medlens.web.errors import not_found
from medlens.web.formatting import utc_time
from medlens.web.i18n import translate
from medlens.web.services import audit
from medlens.web.services.mailer import Mail, compose

MAX_LISTED = 200


def add_notice(db: Session, user_id: int, kind: str, case_id: int | None = None, **params: Any) -> Notice:
    """Add a notice to the current transaction (the caller commits)."""
    notice = Notice(user_id=user_id, kind=kind, case_id=case_id, params=params, created_at=utcnow())
    db.add(notice)
    return notice


def mail_for(user: User, kind: str, settings: Settings) -> Mail | None:
    if not user.active or not user.email:
        return None
    lang = user.language or settings.default_language
    return compose(kind, user.email, lang, settings.public_url, user.id)


def add_reply_notice(db: Session, row: Case) -> Notice:
    """The owner's notice that a clinician answered ``row`` (in the caller's transaction)."""
    return add_notice(db, row.owner_id, "reply", row.id)


def reply_mails(db: Session, row: Case, settings: Settings) -> list[Mail]:
    """The e-mail telling ``row``'s owner that there is a reply (none for an inactive account)."""
    owner = db.get(User, row.owner_id)
    mail = mail_for(owner, "reply", settings) if owner is not None else None
    return [mail] if mail else []


def unread_count(db: Session, user_id: int) -> int:
    q = select(func.count()).select_from(Notice).where(Notice.user_id == user_id, Notice.read_at.is_(None))
    return int(db.scalar(q) or 0)


def list_notices(db: Session, user: User, limit: int = MAX_LISTED) -> list[Notice]:
    """The user's own notices, newest first (nobody else's, whatever the role)."""
    q = (
        select(Notice)
        .where(Notice.user_id == user.id)
        .order_by(Notice.created_at.desc(), Notice.id.desc())
        .limit(max(1, min(limit, MAX_LISTED)))
    )
    return list(db.scalars(q))


def own_notice(db: Session, user: User, notice_id: int) -> Notice:
    """The notice if it is ``user``'s; 404 otherwise (another user's notice does not exist for them)."""
    notice = db.get(Notice, notice_id)
    if notice is None or notice.user_id != user.id:
        raise not_found()
    return notice


def mark_read(db: Session, user: User, notice_id: int) -> Notice:
    notice = own_notice(db, user, notice_id)
    if notice.read_at is None:
        notice.read_at = utcnow()
        db.commit()
    return notice


def mark_all_read(db: Session, user: User, case_id: int | None = None) -> int:
    """Mark the user's unread notices read (only those of ``case_id`` when given); how many."""
    q = update(Notice).where(Notice.user_id == user.id, Notice.read_at.is_(None))
    if case_id is not None:
        q = q.where(Notice.case_id == case_id)
    n = getattr(db.execute(q.values(read_at=utcnow())), "rowcount", 0) or 0
    db.commit()
    return int(n)


@dataclass(frozen=True)
class Overdue:
    cases: int  # overdue cases not notified before
    notices: int
    mails: list[Mail]


def overdue_cases(db: Session, hours: float, now: datetime | None = None) -> list[Case]:
    """Submitted, unanswered cases whose wait is longer than ``hours`` (oldest first)."""
    cutoff = (now or utcnow()) - timedelta(hours=hours)
    q = (
        select(Case)
        .where(Case.submitted_at.is_not(None), Case.status != "answered", Case.submitted_at < cutoff)
        .order_by(Case.submitted_at.asc(), Case.id.asc())
    )
    return list(db.scalars(q))


def notify_overdue(db: Session, settings: Settings, now: datetime | None = None) -> Overdue:
    """Give each active clinician one ``overdue`` notice per overdue case they were not told about yet
    (committed, one audit row), and one e-mail each naming only the count (to send after the commit)."""
    hours = settings.review_wait_hours
    clinicians = list(db.scalars(select(User).where(User.role == "clinician", User.active.is_(True))))
    rows = overdue_cases(db, hours, now)
    told_q = select(Notice.user_id, Notice.case_id).where(
        Notice.kind == "overdue", Notice.case_id.in_([r.id for r in rows])
    )
    told = set(db.execute(told_q).tuples()) if rows else set()
    fresh: set[int] = set()
    per_user: dict[int, int] = {}
    for row in rows:
        for doc in clinicians:
            if (doc.id, row.id) in told:
                continue
            add_notice(db, doc.id, "overdue", row.id, hours=hours)
            per_user[doc.id] = per_user.get(doc.id, 0) + 1
            fresh.add(row.id)
    n = sum(per_user.values())
    if n:
        audit.record(db, None, "notify_overdue", detail=f"cases={len(fresh)} n={n}")
    db.commit()
    mails = [m for doc in clinicians if doc.id in per_user and (m := mail_for(doc, "overdue", settings))]
    return Overdue(len(fresh), n, mails)


def notice_view(notice: Notice, role: str, lang: str) -> dict[str, Any]:
    """A notice as the page shows it: its text in ``lang``, where it leads, when, read or not."""
    params = {k: (f"{v:g}" if isinstance(v, float) else v) for k, v in (notice.params or {}).items()}
    link = None
    if notice.case_id is not None:
        link = f"/cases/{notice.case_id}" if role == "patient" else f"/clinic/cases/{notice.case_id}"
    return {
        "id": notice.id,
        "kind": notice.kind,
        "case_id": notice.case_id,
        "text": translate(lang, f"notice.{notice.kind}", case=notice.case_id or "", **params),
        "link": link,
        "at": utc_time(notice.created_at, seconds=False),
        "read": notice.read_at is not None,
    }
