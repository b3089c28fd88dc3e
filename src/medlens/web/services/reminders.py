"""Reminders of a lesion's next check: when the date a patient set for the next photo of a lesion they
follow has come, they get one in-app ``reminder`` notice (leading to the lesion's newest photo) and, when
e-mail is on, a message that says only that there is something new.

Run by the web service's schedule (:mod:`medlens.web.services.scheduler`) or ``medlens notify reminders``. Each date is
reminded once: ``lesions.reminded_for`` keeps the date last reminded, so a new date set later is
reminded again, and a second run the same day tells nobody."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from medlens.config import Settings
from medlens.db import Case, Lesion, User
from medlens.db.tables import utcnow
from medlens.web.services import audit
from medlens.web.services.mailer import Mail
from medlens.web.services.notices import add_notice, mail_for


@dataclass(frozen=True)
class Reminders:
    notices: int
    mails: list[Mail]  # to send after the commit


def due_lesions(db: Session, today: date) -> list[Lesion]:
    """Lesions whose next check is today or earlier and whose date has not been reminded yet."""
    q = (
        select(Lesion)
        .where(
            Lesion.next_check.is_not(None),
            Lesion.next_check <= today,
            or_(Lesion.reminded_for.is_(None), Lesion.reminded_for != Lesion.next_check),
        )
        .order_by(Lesion.next_check, Lesion.id)
    )
    return list(db.scalars(q))


def notify_reminders(db: Session, settings: Settings, today: date | None = None) -> Reminders:
    """One ``reminder`` notice per due lesion of an active account (committed with the dates it
    reminded of, one audit row), and one e-mail per person told (to send after the commit)."""
    day = today or utcnow().date()
    told: dict[int, User] = {}
    n = 0
    for lesion in due_lesions(db, day):
        owner = db.get(User, lesion.owner_id)
        if owner is None or not owner.active or lesion.next_check is None:
            continue
        newest = db.scalar(select(func.max(Case.id)).where(Case.lesion_id == lesion.id))
        add_notice(db, owner.id, "reminder", newest, date=lesion.next_check.isoformat())
        lesion.reminded_for = lesion.next_check
        told[owner.id] = owner
        n += 1
    if n:
        audit.record(db, None, "notify_reminders", detail=f"lesions={n} users={len(told)}")
    db.commit()
    mails = [m for owner in told.values() if (m := mail_for(owner, "reminder", settings))]
    return Reminders(n, mails)
