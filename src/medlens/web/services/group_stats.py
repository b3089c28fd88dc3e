"""Own-group statistics: for a patient's sex and age group, each graded head's grade distribution among
the stored cases of the same task, with the count it rests on; hidden below a minimum count (privacy).

Grades are the top grade of each ordinal head in the stored prediction. Only tasks with ordinal heads
have a distribution; unknown sex or age group has no group.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from medlens.db import Case
from medlens.tasks import TaskSpec, get_task

MIN_COUNT = 10  # fewer stored cases than this in a group: show nothing but the fact
MAX_ROWS = 5000  # newest cases read per group


@dataclass
class GroupStats:
    task: str
    sex: str
    age_group: str
    n: int
    hidden: bool
    heads: dict[str, dict[str, int]] = field(default_factory=dict)  # head -> grade -> count

    def shares(self, head: str) -> list[tuple[str, float]]:
        counts = self.heads.get(head, {})
        total = sum(counts.values())
        return [(g, (c / total if total else 0.0)) for g, c in counts.items()]


def _graded_heads(spec: TaskSpec) -> list[Any]:
    return [h for h in spec.heads if h.ordinal]


def _distribution(spec: TaskSpec, predictions: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for head in _graded_heads(spec):
        counts: Counter[str] = Counter()
        for pred in predictions:
            probs = (pred.get("heads") or {}).get(head.name)
            if probs:
                counts[max(probs, key=probs.__getitem__)] += 1
        out[head.name] = {g: counts.get(g, 0) for g in head.classes}
    return out


def group_statistics(
    db: Session, task: str, sex: str, age_group: str, min_count: int | None = None
) -> GroupStats | None:
    """The group's distribution, or None when the task has no graded head or the group is unknown."""
    spec = get_task(task)
    if not _graded_heads(spec) or "unknown" in (sex, age_group):
        return None
    rows = db.execute(
        select(Case.prediction)
        .where(Case.task == task, Case.sex == sex, Case.age_group == age_group)
        .order_by(Case.id.desc())
        .limit(MAX_ROWS)
    ).scalars()
    predictions = [p for p in rows if p]
    n = len(predictions)
    if n < (MIN_COUNT if min_count is None else min_count):
        return GroupStats(task, sex, age_group, n, hidden=True)
    return GroupStats(task, sex, age_group, n, hidden=False, heads=_distribution(spec, predictions))


def all_groups(db: Session, task: str, min_count: int | None = None) -> list[GroupStats]:
    """Every (sex, age group) of the task's stored cases, for the admin statistics page."""
    pairs = db.execute(
        select(Case.sex, Case.age_group).where(Case.task == task).group_by(Case.sex, Case.age_group)
    ).all()
    out = []
    for sex, age in sorted(pairs):
        stats = group_statistics(db, task, sex, age, min_count)
        if stats is not None:
            out.append(stats)
    return out


def present(stats: GroupStats | None, lang: str, sex_title: str, age_title: str) -> dict[str, Any] | None:
    """What the page shows: a title, the count, and per graded head a (grade title, share) list."""
    if stats is None:
        return None
    from medlens.tasks.text import Text

    spec = get_task(stats.task)
    title = Text(
        f"People like you ({sex_title}, {age_title})", f"나와 같은 그룹 ({sex_title}, {age_title})"
    ).get(lang)
    if stats.hidden:
        note = Text(
            f"Hidden: fewer than {MIN_COUNT} stored cases in this group ({stats.n}), to protect privacy.",
            f"개인정보 보호를 위해 숨김: 이 그룹의 저장된 사례가 {MIN_COUNT}건 미만입니다({stats.n}건).",
        )
    else:
        note = Text(
            f"Share of each grade among {stats.n} stored cases of this group (model results, not diagnoses).",
            f"이 그룹의 저장된 사례 {stats.n}건에서 각 등급의 비율입니다(모델 결과이며 진단이 아닙니다).",
        )
    heads = [
        (h.title.get(lang), [(h.class_title(g, lang), share) for g, share in stats.shares(h.name)])
        for h in _graded_heads(spec)
        if not stats.hidden
    ]
    return {"title": title, "n": stats.n, "hidden": stats.hidden, "note": note.get(lang), "heads": heads}
