"""Follow-up of the same lesion: a patient marks where a lesion is (the body map of the upload form),
links later photos of it to the same lesion, and may set a date for the next photo.

- :func:`parse_choice` reads the upload form (a new lesion: its site and an optional nickname; or one of
  the patient's own lesions); :func:`resolve` checks the choice before any pixel work (another patient's
  lesion or one that does not exist: 404, a bad site or nickname: 400); :func:`link` writes a new lesion
  in the case's own transaction, so a refused upload leaves no lesion behind.
- :func:`history`: the lesion's photos up to a case, for those who may see the case (the owner and
  admins all of them, clinicians those sent to clinicians).
- :func:`set_next_check`: the owner's date for the next photo (``medlens notify reminders`` tells them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, and_, func, insert, or_, select
from sqlalchemy.orm import Session

from medlens.db import Case, Lesion, User
from medlens.db.tables import MAX_ID, utcnow
from medlens.web.errors import AppError, not_found
from medlens.web.services import audit

# body-site codes: HAM10000's ``localization`` values ("_" for a space); the body map draws each of them
LESION_SITES = (
    "scalp",
    "face",
    "ear",
    "neck",
    "chest",
    "abdomen",
    "back",
    "trunk",
    "upper_extremity",
    "hand",
    "lower_extremity",
    "foot",
    "genital",
)
# the case's coarser body site (``cases.BODY_SITES``) that a lesion site falls in
CASE_SITE = {
    "scalp": "scalp",
    "face": "face",
    "ear": "face",
    "neck": "neck",
    "chest": "trunk",
    "abdomen": "trunk",
    "back": "back",
    "trunk": "trunk",
    "upper_extremity": "arm",
    "hand": "hand",
    "lower_extremity": "leg",
    "foot": "foot",
    "genital": "other",
}
MAX_LABEL = 60
MAX_SHOWN = 6  # photos side by side on the case page (the newest ones, up to the case shown)
MAX_AHEAD_DAYS = 3 * 366  # a next-check date at most about three years ahead


@dataclass(frozen=True)
class LesionChoice:
    """What the upload form asked for: a ``new`` lesion (site, nickname) or the ``same`` lesion as before."""

    kind: str  # "new" | "same"
    site: str = ""
    label: str = ""
    lesion_id: int | None = None


def clean_label(label: str) -> str:
    """The nickname: printable characters, trimmed; longer than :data:`MAX_LABEL` -> 400."""
    text = "".join(ch for ch in label if ch.isprintable()).strip()
    if len(text) > MAX_LABEL:
        raise AppError(400, "error.long_lesion_label", n=MAX_LABEL, field="lesion_label")
    return text


def lesion_id_of(text: str) -> int | None:
    """A form's lesion id, or None: ASCII digits only (str.isdigit also accepts '²', which int() refuses),
    within a database id's range."""
    value = text.strip()
    if not (value.isascii() and value.isdigit() and len(value) <= 10):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


def parse_choice(kind: str, site: str = "", label: str = "", lesion_id: str = "") -> LesionChoice | None:
    """The form's lesion fields as a choice (None: the photo follows no lesion); bad input -> 400."""
    kind = kind.strip()
    if kind in ("", "none"):
        return None
    if kind == "new":
        if site not in LESION_SITES:
            raise AppError(400, "error.lesion_site", field="lesion_site")
        return LesionChoice("new", site=site, label=clean_label(label))
    if kind == "same":
        number = lesion_id_of(lesion_id)
        if number is None:
            raise AppError(400, "error.lesion_choose", field="lesion_id")
        return LesionChoice("same", lesion_id=number)
    raise AppError(400, "error.bad_field", field="lesion")


@dataclass(frozen=True)
class Resolved:
    """A checked choice: the existing lesion's id (None: a new one is written with the case) and its site."""

    lesion_id: int | None
    site: str
    label: str


def resolve(db: Session, owner_id: int, choice: LesionChoice) -> Resolved:
    """Check a choice for ``owner_id``: only their own lesions can be continued (404 for anyone else's)."""
    if choice.kind == "new":
        return Resolved(None, choice.site, choice.label)
    row = db.get(Lesion, choice.lesion_id) if choice.lesion_id is not None else None
    if row is None or row.owner_id != owner_id:
        raise not_found()
    return Resolved(row.id, row.body_site, row.label)


_INSERT_LESION = insert(Lesion).returning(Lesion.id)


def link(conn: Connection, owner_id: int, resolved: Resolved, now: datetime) -> tuple[int, bool]:
    """The lesion id a new case points at, and whether it is new: a new lesion is inserted on ``conn``
    (the case's transaction; the caller commits or rolls back both)."""
    if resolved.lesion_id is not None:
        return resolved.lesion_id, False
    values = {"owner_id": owner_id, "label": resolved.label, "body_site": resolved.site, "created_at": now}
    return int(conn.execute(_INSERT_LESION, values).scalar_one()), True


def photo_stats(db: Session, lesion_id: int) -> tuple[datetime | None, int]:
    """The time of a lesion's newest photo and its photo count."""
    q = select(func.max(Case.created_at), func.count(Case.id)).where(Case.lesion_id == lesion_id)
    last, n = db.execute(q).one()
    return last, int(n)


def own_lesions(db: Session, user: User) -> list[tuple[Lesion, datetime | None, int]]:
    """The user's lesions with the time of their newest photo and their photo count (newest first)."""
    q = (
        select(Lesion, func.max(Case.created_at), func.count(Case.id))
        .outerjoin(Case, Case.lesion_id == Lesion.id)
        .where(Lesion.owner_id == user.id)
        .group_by(Lesion.id)
        .order_by(Lesion.id.desc())
        .limit(200)
    )
    return [(lesion, last, int(n)) for lesion, last, n in db.execute(q).tuples()]


def history(db: Session, user: User, row: Case) -> list[Case]:
    """The photos of ``row``'s lesion up to and including ``row`` (oldest first, the newest
    :data:`MAX_SHOWN`), as ``user`` may see them: the owner and admins every one, clinicians those sent to
    clinicians (and ``row``). Empty when the case follows no lesion or has no earlier photo; audited
    otherwise (committed). The caller has already checked that ``user`` may see ``row``."""
    if row.lesion_id is None or (user.role == "patient" and row.owner_id != user.id):
        return []
    up_to_row = or_(
        Case.created_at < row.created_at, and_(Case.created_at == row.created_at, Case.id <= row.id)
    )
    q = select(Case).where(Case.lesion_id == row.lesion_id, Case.owner_id == row.owner_id, up_to_row)
    if user.role == "clinician":
        q = q.where(or_(Case.submitted_at.is_not(None), Case.id == row.id))
    rows = list(db.scalars(q.order_by(Case.created_at.desc(), Case.id.desc()).limit(MAX_SHOWN)))
    if len(rows) < 2:
        return []
    rows.reverse()
    audit.record_ids(db, user, "followup", [r.id for r in rows], row.id, prefix=f"lesion={row.lesion_id}")
    db.commit()
    return rows


def lesion_of(db: Session, row: Case) -> Lesion | None:
    return db.get(Lesion, row.lesion_id) if row.lesion_id is not None else None


def parse_next_check(value: str, today: date) -> date | None:
    """A next-check date from the form (``YYYY-MM-DD``; blank: none): from today up to about three years
    ahead, else 400."""
    text = value.strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise AppError(400, "error.bad_next_check", field="next_check")
    if day < today or day > today + timedelta(days=MAX_AHEAD_DAYS):
        raise AppError(400, "error.next_check_range", field="next_check")
    return day


def set_next_check(db: Session, user: User, case_id: int, value: str) -> Lesion:
    """The owner sets (or, blank, clears) the next-check date of the lesion their case ``case_id`` follows.
    Anyone else, or a case that follows no lesion: 404. Audited, committed."""
    row = db.get(Case, case_id)
    if row is None or row.owner_id != user.id or row.lesion_id is None:
        raise not_found()
    day = parse_next_check(value, utcnow().date())
    lesion = db.get(Lesion, row.lesion_id)
    if lesion is None:
        raise not_found()
    lesion.next_check = day
    audit.record(db, user, "next_check", row.id, f"lesion={lesion.id} date={day.isoformat() if day else '-'}")
    db.commit()
    return lesion
