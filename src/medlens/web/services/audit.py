"""Audit log: who viewed or changed which case, when."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from medlens.db import AuditLog, Case, User


def record(
    db: Session,
    user: User | None,
    action: str,
    case_id: int | None = None,
    detail: str = "",
    case: Case | None = None,
) -> None:
    """Add an audit row to the current transaction (the caller commits). ``case``: a case not flushed
    yet, whose id the row gets when both are written."""
    row = AuditLog(user_id=user.id if user else None, case_id=case_id, action=action, detail=detail[:500])
    if case is not None:
        row.case = case
    db.add(row)


def recent(db: Session, limit: int = 200, case_id: int | None = None) -> list[AuditLog]:
    q = select(AuditLog).order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(limit)
    if case_id is not None:
        q = q.where(AuditLog.case_id == case_id)
    return list(db.scalars(q))
