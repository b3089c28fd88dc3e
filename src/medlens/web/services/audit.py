"""Audit log: who viewed or changed which case, when."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from medlens.db import AuditLog, User


def record(db: Session, user: User | None, action: str, case_id: int | None = None, detail: str = "") -> None:
    """Add an audit row to the current transaction (the caller commits)."""
    db.add(AuditLog(user_id=user.id if user else None, case_id=case_id, action=action, detail=detail[:500]))


def recent(db: Session, limit: int = 200, case_id: int | None = None) -> list[AuditLog]:
    q = select(AuditLog).order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(limit)
    if case_id is not None:
        q = q.where(AuditLog.case_id == case_id)
    return list(db.scalars(q))
