"""Admin statistics: case counts by task, result, sex, age group, risk, status and day."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from medlens.db import Case, User
from medlens.web.services.users import require_role


def _count_by(db: Session, column: Any) -> dict[str, int]:
    rows = db.execute(select(column, func.count()).group_by(column).order_by(column)).all()
    return {str(k) if k not in (None, "") else "-": int(n) for k, n in rows}


def case_statistics(db: Session, admin: User) -> dict[str, dict[str, int]]:
    require_role(admin, "admin")
    return {
        "task": _count_by(db, Case.task),
        "result": _count_by(db, Case.task + ":" + Case.predicted_label),
        "risk": _count_by(db, Case.risk),
        "sex": _count_by(db, Case.sex),
        "age_group": _count_by(db, Case.age_group),
        "status": _count_by(db, Case.status),
        "day": _count_by(db, func.date(Case.created_at)),
        "role": _count_by(db, User.role),
    }
