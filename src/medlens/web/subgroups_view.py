"""The admin page's "Subgroup performance" section: every served model's ``metrics.subgroups`` (written by
``medlens subgroups --card``) as ko/en tables with 95% intervals and the largest gap flagged.

Reads only the loaded cards (nothing is measured here); a card without the entry is listed as not measured.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from medlens.web.admin_view import task_title
from medlens.web.i18n import translate

METRICS = ("accuracy", "balanced_accuracy", "target_auroc", "target_sensitivity", "target_specificity")


def _label(lang: str, key: str, fallback: str) -> str:
    text = translate(lang, key)
    return fallback if text == key else text


def group_label(attribute: str, group: str, lang: str) -> str:
    """A group's name in ``lang``: ``unknown`` as "not recorded", sexes and body sites translated."""
    if group == "unknown":
        return translate(lang, "subgroups.group.unknown")
    if attribute == "sex":
        return _label(lang, f"sex.{group}", group)
    if attribute == "site":
        return _label(lang, f"subgroups.site.{group}", group)
    return group


def _num(v: float | None) -> str:
    return "–" if v is None or not math.isfinite(float(v)) else f"{float(v):.3f}"


def value_ci(v: Mapping[str, Any] | None) -> dict[str, str] | None:
    """``{"value", "ci"}`` strings (``0.912``, ``[0.890, 0.931]``) of a ``{value, ci_low, ci_high}`` (brackets,
    not a dash: a gap's interval can start below 0)."""
    if not v:
        return None
    return {"value": _num(v.get("value")), "ci": f"[{_num(v.get('ci_low'))}, {_num(v.get('ci_high'))}]"}


def gap_view(gap: Mapping[str, Any] | None, attribute: str | None, lang: str) -> dict[str, Any] | None:
    """A gap in ``lang``: attribute, metric, the two groups, difference with interval, significance."""
    if not gap:
        return None
    attr = attribute or gap.get("attribute") or ""
    return {
        "attribute": translate(lang, f"subgroups.attr.{attr}") if attr else "",
        "metric": translate(lang, f"subgroups.metric.{gap['metric']}"),
        "high": group_label(attr, str(gap["high"]), lang),
        "low": group_label(attr, str(gap["low"]), lang),
        "diff": value_ci(gap),
        "significant": bool(gap.get("significant")),
    }


def _attribute(name: str, res: Mapping[str, Any], lang: str) -> dict[str, Any]:
    groups = res.get("groups") or {}
    metrics = [m for m in METRICS if any(m in (r.get("metrics") or {}) for r in groups.values())]
    rows = []
    for group, r in groups.items():
        cells: list[dict[str, str] | str] = []
        for m in metrics:
            if r.get("too_few"):
                cells.append("too_few")
            elif (r.get("metrics") or {}).get(m) is None:
                cells.append("too_few_class")
            else:
                cells.append(value_ci(r["metrics"][m]) or "too_few_class")
        rows.append(
            {
                "group": group_label(name, group, lang),
                "n": r["n"],
                "n_target": r.get("n_target"),
                "cells": cells,
            }
        )
    flagged = (res.get("largest_gap") or {}).get("metric")
    gaps = [
        {**view, "flagged": m == flagged}
        for m, g in (res.get("gaps") or {}).items()
        if (view := gap_view(g, name, lang)) is not None
    ]
    return {
        "key": name,
        "title": translate(lang, f"subgroups.attr.{name}"),
        "metrics": [translate(lang, f"subgroups.metric.{m}") for m in metrics],
        "rows": rows,
        "gaps": gaps,
    }


def subgroup_panels(cards: Iterable[Any], lang: str) -> list[dict[str, Any]]:
    """One panel per card: model, task, test data, role, n, threshold, the flagged gap and one table per
    attribute; ``measured`` False for a card without ``metrics.subgroups``."""
    panels = []
    for card in cards:
        block = (card.metrics or {}).get("subgroups")
        panel: dict[str, Any] = {
            "model": card.name,
            "task": task_title(card.task, lang),
            "measured": bool(block),
        }
        if block:
            role = block.get("role") or "in-source"
            panel |= {
                "data": block.get("data", ""),
                "role": translate(lang, f"subgroups.role.{role}"),
                "cross_source": role == "cross-source",
                "n": block.get("n"),
                "n_target": block.get("n_target"),
                "target": block.get("target"),
                "threshold": block.get("threshold"),
                "largest_gap": gap_view(block.get("largest_gap"), None, lang),
                "attributes": [_attribute(a, r, lang) for a, r in (block.get("attributes") or {}).items()],
                "command": block.get("command", ""),
            }
        panels.append(panel)
    return sorted(panels, key=lambda p: not p["measured"])  # measured models first, served order kept


__all__ = ["gap_view", "group_label", "subgroup_panels", "value_ci"]
