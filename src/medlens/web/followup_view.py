"""What the case and review pages show of a followed lesion: its photos side by side (oldest first), each
with its date, the model's probability of the target class and the ABCD features, and every measure's
change from the photo before it.

A probability is compared only between photos read by the same model (task, name and version): another
model's number is not the same measure. ABCD features come from the photo itself and are compared across
any two photos that have them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from medlens.db import Case, Lesion, User
from medlens.tasks import get_task
from medlens.web.formatting import format_probability, utc_time
from medlens.web.i18n import translate
from medlens.web.services import lesions
from medlens.web.services.enrich import ensure_lesion
from medlens.web.services.storage import ImageStore

NO_CHANGE = "–"


def site_title(site: str, lang: str) -> str:
    return translate(lang, f"lesion_site.{site}")


def lesion_title(lesion: Lesion, lang: str) -> str:
    """The patient's nickname for the lesion, or its site when it has none."""
    return lesion.label or site_title(lesion.body_site, lang)


def _signed(delta: float, fmt: str, unit: str = "") -> str:
    """``+2``, ``−1.5``, ``±0`` (a real minus sign) with an optional unit."""
    text = fmt % abs(delta)
    if float(text) == 0:
        return f"±{fmt % 0}{unit}"
    return f"{'+' if delta > 0 else '−'}{text}{unit}"


def _features(row: Case) -> dict[str, Any] | None:
    lesion = (row.prediction or {}).get("lesion")
    return lesion if isinstance(lesion, dict) and lesion.get("ok") else None


# ABCD measures: (key, i18n title, value as shown, number compared, its format)
_MEASURES: tuple[
    tuple[str, str, Callable[[dict[str, Any]], str], Callable[[dict[str, Any]], Any], str], ...
] = (
    (
        "asymmetry",
        "abcd.asymmetry",
        lambda f: f"{f.get('asymmetry')} / 2",
        lambda f: f.get("asymmetry"),
        "%d",
    ),
    ("border", "abcd.border", lambda f: f"{f.get('border')} / 8", lambda f: f.get("border"), "%d"),
    (
        "colors",
        "abcd.colors",
        lambda f: str(len(f.get("colors") or [])),
        lambda f: len(f.get("colors") or []),
        "%d",
    ),
    (
        "diameter",
        "abcd.diameter",
        lambda f: f"{f['diameter_mm']:.1f} mm" if f.get("diameter_mm") else f"{f.get('diameter_score')} / 5",
        # millimetres when the photo gave a scale, else the 0-5 score: only like is compared with like
        lambda f: ("mm", f["diameter_mm"]) if f.get("diameter_mm") else ("score", f.get("diameter_score")),
        "%.1f",
    ),
    (
        "tds",
        "abcd.tds",
        lambda f: f"{f['tds']:.1f}" if f.get("tds") is not None else NO_CHANGE,
        lambda f: f.get("tds"),
        "%.1f",
    ),
)


def _cell(value: str, change: str | None = None, note: str | None = None) -> dict[str, Any]:
    direction = None if not change or change[0] not in "+−" else ("up" if change[0] == "+" else "down")
    return {"value": value, "change": change, "direction": direction, "note": note}


def _probability_row(rows: Sequence[Case], current: Case, lang: str) -> dict[str, Any]:
    cells = []
    seen: dict[tuple[str, str, str], float] = {}  # model -> its last probability in the series
    for row in rows:
        pred = row.prediction or {}
        tp, target = pred.get("target_probability"), pred.get("target_class")
        if tp is None or not target:
            cells.append(_cell(NO_CHANGE))
            continue
        model = (row.task, row.model_name, row.model_version)
        before = seen.get(model)
        change = (
            None
            if before is None
            else _signed(100 * (float(tp) - before), "%.0f", translate(lang, "followup.pp"))
        )
        note = None if row.task == current.task else get_task(row.task).class_title(target, lang)
        cells.append(_cell(format_probability(float(tp)), change, note))
        seen[model] = float(tp)
    target = (current.prediction or {}).get("target_class")
    title = translate(
        lang, "followup.probability", label=get_task(current.task).class_title(target, lang) if target else ""
    )
    return {"key": "probability", "title": title, "cells": cells}


def _measure_rows(rows: Sequence[Case], lang: str) -> list[dict[str, Any]]:
    features = [_features(r) for r in rows]
    out = []
    for key, title, shown, number, fmt in _MEASURES:
        cells: list[dict[str, Any]] = []
        before: tuple[str, float] | None = None  # (basis, value) of the last photo that had the measure
        for f in features:
            raw = number(f) if f else None
            basis, value = raw if isinstance(raw, tuple) else ("", raw)
            if f is None or value is None:
                cells.append(_cell(NO_CHANGE))
                continue
            same = before is not None and before[0] == basis
            change = _signed(float(value) - before[1], fmt) if same and before is not None else None
            cells.append(_cell(shown(f), change))
            before = (basis, float(value))
        out.append({"key": key, "title": translate(lang, title), "cells": cells})
    return out


def followup(
    rows: Sequence[Case], current: Case, lesion: Lesion | None, lang: str, link: str
) -> dict[str, Any] | None:
    """The side-by-side view of a lesion's photos ``rows`` (oldest first, ``current`` among them), or None
    when there is no earlier photo. ``link``: where a photo's column leads (``/cases`` or ``/clinic/cases``)."""
    if lesion is None or len(rows) < 2:
        return None
    columns = [
        {
            "id": r.id,
            "current": r.id == current.id,
            "at": utc_time(r.created_at, seconds=False),
            "href": f"{link}/{r.id}",
            "thumb": f"/cases/{r.id}/image?thumb=1",
            "task_title": get_task(r.task).title.get(lang),
        }
        for r in rows
    ]
    return {
        "lesion_id": lesion.id,
        "title": lesion_title(lesion, lang),
        "site": site_title(lesion.body_site, lang),
        "count": len(rows),
        "first_at": columns[0]["at"],
        "columns": columns,
        "rows": [_probability_row(rows, current, lang), *_measure_rows(rows, lang)],
    }


def lesion_options(owned: Sequence[tuple[Lesion, datetime | None, int]], lang: str) -> list[dict[str, Any]]:
    """The patient's lesions as the upload form offers them ("the same lesion as ..."): id and a line with
    the name, site, photo count and the newest photo's time (UTC)."""
    return [
        {
            "id": lesion.id,
            "title": translate(
                lang,
                "lesion.option",
                title=lesion_title(lesion, lang),
                site=site_title(lesion.body_site, lang),
                n=n,
                last=utc_time(last, seconds=False),
            ),
        }
        for lesion, last, n in owned
    ]


def lesion_summary(lesion: Lesion | None, lang: str) -> dict[str, Any] | None:
    """The lesion a case follows, as its page names it (nickname, site, next-check date)."""
    if lesion is None:
        return None
    return {
        "id": lesion.id,
        "title": lesion_title(lesion, lang),
        "site": site_title(lesion.body_site, lang),
        "next_check": lesion.next_check.isoformat() if lesion.next_check else "",
    }


def followup_context(
    db: Session, store: ImageStore, user: User, row: Case, lang: str, link: str
) -> dict[str, Any]:
    """What a case or review page adds for a followed lesion: ``followed_lesion`` (its name, site, next check) and
    ``followup`` (the photos side by side, None without an earlier one). ``row`` is visible to ``user``;
    earlier photos whose ABCD features were never computed get them first."""
    lesion = lesions.lesion_of(db, row)
    rows = lesions.history(db, user, row) if lesion is not None else []
    for earlier in rows:
        ensure_lesion(db, store, earlier)
    return {
        "followed_lesion": lesion_summary(lesion, lang),
        "followup": followup(rows, row, lesion, lang, link),
    }
