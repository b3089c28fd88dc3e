"""The clinician's review: the work queue in priority order, the patient's earlier cases, reply templates.

Queue order
-----------
1. Urgent cases first: a screen-positive whose treatment window is still open (``Case.urgent_until``,
   from the task's ``urgent_window_hours``, e.g. 72 h for herpes zoster), fewest hours left first.
2. Then the rest by a priority score, highest first (ties: the longest waiting first)::

       priority = risk weight × (0.5 + uncertainty) × (1 + hours waited / 24)

   - risk weight: high 3, moderate 2, low (or none) 1. A result that abstains (a conformal set of
     several classes, an out-of-distribution photo) is stored as at least moderate.
   - uncertainty: the normalized entropy of the model's probabilities, 0 (certain) to 1 (uniform). The
     0.5 floor keeps a certain result from scoring zero: an uncertain case counts at most 3× a certain
     one of the same risk.
   - waiting: each day since the patient sent the case adds its base score once more, so nothing waits
     for ever behind newer uploads (a certain low-risk case that waited 2 days ranks with a fresh,
     certain high-risk one).
3. Answered cases (when asked for) come last, the most recently answered first.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from medlens.db import Case, User
from medlens.db.tables import utcnow
from medlens.resources import REPLY_TEMPLATES_JSON
from medlens.web.services import audit
from medlens.web.services.urgency import hours_left
from medlens.web.services.users import require_role

RISK_WEIGHT = {"high": 3.0, "moderate": 2.0, "low": 1.0}
UNCERTAINTY_FLOOR = 0.5
WAIT_SCALE_HOURS = 24.0
MAX_EARLIER = 20


def waited_hours(row: Case, now: datetime) -> float:
    """Hours since the case was sent to a clinician (0 when not sent)."""
    if row.submitted_at is None:
        return 0.0
    return max(0.0, (now - row.submitted_at).total_seconds() / 3600)


def priority(risk: str | None, uncertainty: float | None, waited: float) -> float:
    """The queue's priority score (see the module docstring)."""
    u = min(1.0, max(0.0, float(uncertainty or 0.0)))
    return (
        RISK_WEIGHT.get(risk or "", 1.0)
        * (UNCERTAINTY_FLOOR + u)
        * (1.0 + max(0.0, waited) / WAIT_SCALE_HOURS)
    )


def case_priority(row: Case, now: datetime | None = None) -> float:
    now = now or utcnow()
    waited = 0.0 if row.status == "answered" else waited_hours(row, now)
    return priority(row.risk, row.uncertainty, waited)


def _sort_key(row: Case, now: datetime) -> tuple[Any, ...]:
    if row.status == "answered":
        return (2, 0.0, -(row.updated_at or now).timestamp())
    left = hours_left(row.urgent_until, now)
    if left is not None:
        return (0, left, 0.0)
    waited = waited_hours(row, now)
    return (1, -priority(row.risk, row.uncertainty, waited), -waited)


def review_queue(db: Session, user: User, include_answered: bool = False) -> list[Case]:
    """Submitted cases in queue order (see the module docstring); one audit row for the list."""
    require_role(user, "clinician", "admin")
    now = utcnow()
    q = select(Case).where(Case.submitted_at.is_not(None))
    if not include_answered:
        q = q.where(Case.status != "answered")
    rows = sorted(db.scalars(q), key=lambda r: _sort_key(r, now))
    audit.record_ids(db, user, "queue", [r.id for r in rows])
    db.commit()
    return rows


def earlier_cases(db: Session, user: User, row: Case, limit: int = MAX_EARLIER) -> list[Case]:
    """The same patient's other cases sent to clinicians before this one (newest first), for clinicians
    and admins only (403 otherwise); cases the patient kept to themselves are not shown. Audited."""
    require_role(user, "clinician", "admin")
    q = (
        select(Case)
        .where(
            Case.owner_id == row.owner_id,
            Case.id != row.id,
            Case.submitted_at.is_not(None),
            Case.created_at <= row.created_at,
        )
        .order_by(Case.created_at.desc(), Case.id.desc())
        .limit(limit)
    )
    rows = list(db.scalars(q))
    if rows:
        audit.record_ids(db, user, "earlier", [r.id for r in rows], row.id)
        db.commit()
    return rows


@lru_cache(maxsize=1)
def _templates() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(REPLY_TEMPLATES_JSON.read_text(encoding="utf-8"))
    return data


def reply_templates(task: str, lang: str) -> list[dict[str, str]]:
    """The reply templates of ``task`` then the ones for every task (``*``), in ``lang`` (English when a
    text is missing): ``key``, ``title``, ``text``."""
    data = _templates()
    out = []
    for entry in [*data.get(task, []), *data.get("*", [])]:
        title, text = entry["title"], entry["text"]
        out.append(
            {
                "key": entry["key"],
                "title": title.get(lang) or title["en"],
                "text": text.get(lang) or text["en"],
            }
        )
    return out
