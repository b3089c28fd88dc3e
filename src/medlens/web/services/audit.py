"""Audit log: who viewed or changed which case, when."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.orm import Session

from medlens.db import AuditLog, User
from medlens.db.tables import utcnow

_INSERT = insert(AuditLog)


def _values(user_id: int | None, action: str, case_id: int | None, detail: str) -> dict[str, Any]:
    return {"user_id": user_id, "case_id": case_id, "action": action, "detail": detail[:500], "at": utcnow()}


def record(db: Session, user: User | None, action: str, case_id: int | None = None, detail: str = "") -> None:
    """Add an audit row to the current transaction (the caller commits)."""
    db.add(AuditLog(**_values(user.id if user else None, action, case_id, detail)))


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
