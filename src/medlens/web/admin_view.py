"""What the admin statistics and audit-log pages show: stored keys (``melanoma:benign``, ``new->in_review``,
``task=melanoma label=benign``) turned into ko/en labels, and times with their zone (UTC).

The JSON API keeps the raw keys (machines read them); only these two pages are translated."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from medlens.db import AuditLog, Case
from medlens.tasks import TaskSpec, get_task
from medlens.web.formatting import NO_TIME as NONE
from medlens.web.formatting import utc_time
from medlens.web.i18n import translate


def _spec(task: str | None) -> TaskSpec | None:
    try:
        return get_task(task) if task else None
    except (KeyError, ValueError):
        return None


def task_title(task: str, lang: str) -> str:
    spec = _spec(task)
    return spec.title.get(lang) if spec else task


def result_title(task: str | None, label: str, lang: str) -> str:
    spec = _spec(task)
    return spec.label_title(label, lang) if spec else label


def _catalog(prefix: str) -> Callable[[str, str], str]:
    """A label from the catalog (``<prefix>.<value>``), the value itself when there is none."""

    def label(value: str, lang: str) -> str:
        key = f"{prefix}.{value}"
        text = translate(lang, key)
        return value if text == key else text

    return label


def _result(value: str, lang: str) -> str:
    task, _, label = value.partition(":")
    return f"{task_title(task, lang)}: {result_title(task, label, lang) if label else translate(lang, 'admin.none')}"


STAT_LABELS: dict[str, Callable[[str, str], str]] = {
    "task": task_title,
    "result": _result,
    "risk": _catalog("admin.risk"),
    "sex": _catalog("sex"),
    "age_group": _catalog("age"),
    "status": _catalog("status"),
    "role": _catalog("role"),
}


def stat_items(dimension: str, counts: dict[str, int], lang: str) -> list[tuple[str, float]]:
    """Chart rows of one statistic: (label in ``lang``, count); ``-`` (not given) is named too."""
    label = STAT_LABELS.get(dimension, lambda value, _lang: value)
    return [
        (translate(lang, "admin.none") if key == NONE else label(key, lang), float(n))
        for key, n in counts.items()
    ]


# --- audit log -------------------------------------------------------------------------------------------


def _status(value: str, lang: str) -> str:
    return _catalog("status")(value, lang)


def _detail_value(key: str, value: str, task: str | None, lang: str) -> str:
    if key == "task":
        return task_title(value, lang)
    if key == "label":
        return NONE if value == "None" else result_title(task, value, lang)
    if key == "role":
        return _catalog("role")(value, lang)
    if key == "via":
        return _catalog("audit.via")(value, lang)
    if key == "consent" and value == NONE:
        return translate(lang, "admin.none")
    return value


def audit_detail(detail: str, task: str | None, lang: str) -> str:
    """An audit row's detail in ``lang``: ``a->b`` status changes, ``key=value`` pairs (screenings, results,
    roles and counts named) and flags; other words (an e-mail address, ``user#<id>``) are kept."""
    parts = []
    for token in detail.split():
        if "->" in token:
            old, _, new = token.partition("->")
            parts.append(f"{_status(old, lang)} → {_status(new, lang)}")
        elif "=" in token:
            key, _, value = token.partition("=")
            name = _catalog("audit.key")(key, lang)
            if key == "task":
                task = value
            parts.append(f"{name}: {_detail_value(key, value, task, lang)}")
        elif token == "unknown_account":
            parts.append(translate(lang, "audit.unknown_account"))
        else:
            parts.append(token)
    return "; ".join(parts)


def _case_tasks(db: Session, rows: Iterable[AuditLog]) -> dict[int, str]:
    ids = {r.case_id for r in rows if r.case_id}
    if not ids:
        return {}
    return dict(db.execute(select(Case.id, Case.task).where(Case.id.in_(ids))).tuples().all())


def audit_rows(db: Session, rows: list[AuditLog], lang: str) -> list[dict[str, Any]]:
    """Audit rows as the page shows them: UTC time, user, translated action and detail."""
    tasks = _case_tasks(db, rows)
    action = _catalog("audit.action")
    return [
        {
            "at": utc_time(r.at),
            "user": r.user.email if r.user else NONE,
            "action": action(r.action, lang),
            "action_key": r.action,
            "case_id": r.case_id,
            "detail": audit_detail(r.detail, tasks.get(r.case_id) if r.case_id else None, lang),
        }
        for r in rows
    ]


__all__ = ["audit_detail", "audit_rows", "stat_items", "utc_time"]
