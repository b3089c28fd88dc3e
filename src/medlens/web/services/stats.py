"""Admin statistics: case counts by task, result, sex, age group, risk, status and day; clinicians'
agreement with each model version."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from medlens.db import Case, User
from medlens.evaluation import conformal
from medlens.web.services.users import require_role

CANNOT_ASSESS = (
    "cannot_assess"  # the verdict stored when a photo does not allow one (presenters.CANNOT_ASSESS)
)


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


def wilson_interval(k: int, n: int, z: float = 1.959964) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion ``k / n`` (95 % by default); None when ``n`` is 0."""
    if n <= 0:
        return None
    return conformal.wilson_interval(k, n, z)


def agreement_by_model(db: Session, admin: User) -> list[dict[str, Any]]:
    """How clinicians judged each model version's results, per (model name, version): ``agree`` (the
    verdict kept the model's label), ``corrected`` (another class), ``cannot_assess``, their total ``n``
    and ``rate`` = agree / (agree + corrected): the share of the judgeable cases on which clinicians
    agreed (None when there is none; "cannot assess" says nothing about the model), with its 95 % Wilson
    interval ``ci``."""
    require_role(admin, "admin")
    verdict = case(
        (Case.feedback_label == CANNOT_ASSESS, "cannot_assess"),
        (Case.feedback_label == Case.predicted_label, "agree"),
        else_="corrected",
    )
    q = (
        select(Case.model_name, Case.model_version, verdict, func.count())
        .where(Case.feedback_label.is_not(None))
        .group_by(Case.model_name, Case.model_version, verdict)
    )
    table: dict[tuple[str, str], dict[str, Any]] = {}
    for name, version, kind, n in db.execute(q).all():
        entry = table.setdefault(
            (name, version),
            {"model_name": name, "model_version": version, "agree": 0, "corrected": 0, "cannot_assess": 0},
        )
        entry[kind] += int(n)
    out = []
    for key in sorted(table):
        entry = table[key]
        judged = entry["agree"] + entry["corrected"]
        entry["n"] = judged + entry["cannot_assess"]
        entry["rate"] = entry["agree"] / judged if judged else None
        entry["ci"] = wilson_interval(entry["agree"], judged)
        out.append(entry)
    return out
