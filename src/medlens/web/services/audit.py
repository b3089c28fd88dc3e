"""Audit log: who viewed or changed which case, when."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.orm import Session

from medlens.db import AuditLog, User
from medlens.db.tables import utcnow

_INSERT = insert(AuditLog)
MAX_DETAIL = 500  # the column's length


def _values(user_id: int | None, action: str, case_id: int | None, detail: str) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "case_id": case_id,
        "action": action,
        "detail": detail[:MAX_DETAIL],
        "at": utcnow(),
    }


def record(db: Session, user: User | None, action: str, case_id: int | None = None, detail: str = "") -> None:
    """Add an audit row to the current transaction (the caller commits)."""
    db.add(AuditLog(**_values(user.id if user else None, action, case_id, detail)))


def record_ids(
    db: Session,
    user: User | None,
    action: str,
    ids: Sequence[int],
    case_id: int | None = None,
    prefix: str = "",
) -> None:
    """Audit a read of many cases at once: ``[prefix ]n=N ids=...`` with every id, in as many rows as the
    detail column needs (one row cut at its length once dropped the ids of a long clinician queue)."""
    head = f"{prefix} " if prefix else ""
    n = len(ids)
    room = MAX_DETAIL - len(f"{head}n={n} part={n}/{n} ids=")  # there are never more parts than ids
    chunks: list[list[str]] = [[]]
    used = 0
    for text in map(str, ids):
        if chunks[-1] and used + 1 + len(text) > room:
            chunks.append([])
            used = 0
        used += len(text) + (1 if chunks[-1] else 0)
        chunks[-1].append(text)
    for k, part in enumerate(chunks, 1):
        where = f" part={k}/{len(chunks)}" if len(chunks) > 1 else ""
        record(db, user, action, case_id, f"{head}n={len(ids)}{where} ids={','.join(part)}")


def insert_row(
    conn: Connection, user_id: int, action: str, case_id: int | None = None, detail: str = ""
) -> None:
    """:func:`record` as one Core ``INSERT`` on ``conn`` (for writes that skip the ORM; the caller commits)."""
    conn.execute(_INSERT, _values(user_id, action, case_id, detail))


def recent(db: Session, limit: int = 200, case_id: int | None = None) -> list[AuditLog]:
    q = select(AuditLog).order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(limit)
    if case_id is not None:
        q = q.where(AuditLog.case_id == case_id)
    return list(db.scalars(q))
