"""Subgroup performance (pure numpy): test metrics per group of patients, and the largest gap between groups.

What fairlearn's ``MetricFrame`` does for one grouping attribute (sex, age band, body site), with the
uncertainty a small test set needs: every group's metrics come with 95% percentile-bootstrap intervals
(the vectorised resamples of :func:`medlens.evaluation.bootstrap.summary_resamples`, one independent
stream per group), groups or classes too small to measure are reported as *too few* instead of as a
number, and for each metric the gap between the best and the worst group is given with the interval of
that difference (the two groups' resamples are independent, so the difference of paired resamples is a
draw of the difference). The largest of those gaps is flagged.

Picking the best and worst of many groups favours a large gap by chance (with 15 body sites even equal
groups differ); the interval of the difference is the guard: a gap whose interval holds 0 is not evidence.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from medlens.evaluation.bootstrap import interval, summary_resamples

__all__ = [
    "AGE_BANDS",
    "GAP_METRICS",
    "GAP_METRICS_NO_TARGET",
    "HEADLINE",
    "UNKNOWN",
    "age_band",
    "age_bands",
    "group_order",
    "largest_gap",
    "subgroup_metrics",
    "subsample",
]

UNKNOWN = "unknown"
# metrics shown per group (keys of ``summary_with_ci``); target_* only when the task has a target class
HEADLINE = ("accuracy", "balanced_accuracy", "target_auroc", "target_sensitivity", "target_specificity")
# metrics whose gaps are compared. With a target class: its AUROC, sensitivity and specificity (they do not
# move with a group's class mix; accuracy does, and a multi-class balanced accuracy over the few classes a
# small group holds is mostly noise). Without one: balanced accuracy.
GAP_METRICS = ("target_auroc", "target_sensitivity", "target_specificity")
GAP_METRICS_NO_TARGET = ("balanced_accuracy",)
# (upper bound exclusive, label)
AGE_BANDS: tuple[tuple[float, str], ...] = (
    (30, "<30"),
    (45, "30-44"),
    (60, "45-59"),
    (75, "60-74"),
    (math.inf, "75+"),
)
# which rows a metric needs enough of: all rows, target-class rows, other rows, or both classes
_NEEDS = {
    "target_sensitivity": ("pos",),
    "target_specificity": ("neg",),
    "target_auroc": ("pos", "neg"),
    "target_average_precision": ("pos", "neg"),
}


def age_band(age: float | None) -> str:
    """``<30``, ``30-44``, ``45-59``, ``60-74`` or ``75+``; ``unknown`` for a missing or negative age."""
    if age is None or not math.isfinite(float(age)) or float(age) < 0:
        return UNKNOWN
    return next(label for upper, label in AGE_BANDS if float(age) < upper)


def age_bands(ages: Sequence[float | None] | np.ndarray) -> np.ndarray:
    """:func:`age_band` of every age (an object array of labels)."""
    return np.array([age_band(None if a is None else float(a)) for a in ages], dtype=object)


def group_order(names: Sequence[str]) -> list[str]:
    """Groups in reading order: age bands youngest first, other names sorted, ``unknown`` last."""
    bands = [label for _, label in AGE_BANDS]
    known = sorted(set(names) - {UNKNOWN}, key=lambda g: (bands.index(g), "") if g in bands else (99, g))
    return known + ([UNKNOWN] if UNKNOWN in names else [])


def subsample(indices: Sequence[int], limit: int | None, seed: int = 0) -> list[int]:
    """``limit`` of ``indices`` drawn without replacement (seeded, original order kept); all when None."""
    if limit is None or limit >= len(indices):
        return list(indices)
    pick = np.sort(np.random.default_rng(seed).choice(len(indices), size=limit, replace=False))
    return [indices[i] for i in pick]


def _enough(metric: str, n: int, n_pos: int, min_n: int, min_class: int) -> bool:
    if n < min_n:
        return False
    counts = {"pos": n_pos, "neg": n - n_pos}
    return all(counts[k] >= min_class for k in _NEEDS.get(metric, ()))


def _ci(value: float, values: np.ndarray) -> dict[str, float]:
    lo, hi = interval(values)
    return {"value": float(value), "ci_low": lo, "ci_high": hi}


def subgroup_metrics(
    y: Sequence[int] | np.ndarray,
    proba: np.ndarray,
    groups: Sequence[str] | np.ndarray,
    classes: Sequence[str],
    target: str | None = None,
    threshold: float | None = None,
    metrics: Sequence[str] = HEADLINE,
    gap_metrics: Sequence[str] | None = None,
    min_n: int = 30,
    min_class: int = 10,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Per group ``{n, n_target, too_few, metrics}`` and per metric the largest gap between groups.

    ``y``: class indices; ``proba``: ``(n, C)`` probabilities; ``groups``: one label per row (``unknown``
    rows are measured but never part of a gap). ``target_*`` metrics decide at ``threshold`` (the model's
    operating point, as ``summary_with_ci``). A group with fewer than ``min_n`` rows is *too few*
    (``metrics`` empty); a target metric needing a class with fewer than ``min_class`` rows in a group is
    ``None`` there. ``gap_metrics`` default: :data:`GAP_METRICS` with a target, else
    :data:`GAP_METRICS_NO_TARGET`. Returns ``{"groups", "gaps", "largest_gap"}`` (see :func:`largest_gap`).
    """
    y = np.asarray(y, dtype=np.int64)
    proba = np.asarray(proba, dtype=np.float64)
    g = np.asarray(groups, dtype=object)
    if not (len(y) == len(proba) == len(g)):
        raise ValueError(f"lengths differ: y {len(y)}, proba {len(proba)}, groups {len(g)}")
    if len(y) == 0:
        raise ValueError("no rows to group")
    if min_n < 1 or min_class < 1:
        raise ValueError(f"min_n and min_class must be >= 1, got {min_n}, {min_class}")
    t = list(classes).index(target) if target is not None else None
    shown = [m for m in metrics if t is not None or not m.startswith("target_")]
    out: dict[str, dict[str, Any]] = {}
    resamples: dict[str, dict[str, np.ndarray]] = {}
    for i, name in enumerate(group_order([str(v) for v in set(g.tolist())])):
        mask = g == name
        n = int(mask.sum())
        n_pos = int((y[mask] == t).sum()) if t is not None else 0
        row: dict[str, Any] = {"n": n, "n_target": n_pos if t is not None else None, "too_few": n < min_n}
        row["metrics"] = {}
        if not row["too_few"]:
            point, values = summary_resamples(
                y[mask], proba[mask], classes, target, threshold, n_boot, np.random.default_rng([seed, i])
            )
            resamples[name] = {}
            for m in shown:
                if _enough(m, n, n_pos, min_n, min_class):
                    row["metrics"][m] = _ci(point[m], values[m])
                    resamples[name][m] = values[m]
                else:
                    row["metrics"][m] = None
        out[name] = row
    if gap_metrics is None:
        gap_metrics = GAP_METRICS if t is not None else GAP_METRICS_NO_TARGET
    gaps = {m: gap for m in gap_metrics if m in shown and (gap := _gap(out, resamples, m)) is not None}
    return {"groups": out, "gaps": gaps, "largest_gap": largest_gap(gaps)}


def _gap(
    groups: dict[str, dict[str, Any]], resamples: dict[str, dict[str, np.ndarray]], metric: str
) -> dict[str, Any] | None:
    """Best minus worst group on ``metric`` (known groups with a value), with the interval of the difference."""
    values = {
        name: row["metrics"][metric]["value"]
        for name, row in groups.items()
        if name != UNKNOWN
        and (row["metrics"].get(metric) or {}).get("value") is not None
        and math.isfinite(row["metrics"][metric]["value"])
    }
    if len(values) < 2:
        return None
    high = max(values, key=lambda k: values[k])
    low = min(values, key=lambda k: values[k])
    diff = _ci(values[high] - values[low], resamples[high][metric] - resamples[low][metric])
    return {
        "metric": metric,
        "high": high,
        "low": low,
        **diff,
        "significant": bool(math.isfinite(diff["ci_low"]) and diff["ci_low"] > 0),
        "n_groups": len(values),
    }


def largest_gap(gaps: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The gap to flag: the largest among those whose interval excludes 0, else the largest; None if none."""
    if not gaps:
        return None
    ranked = sorted(gaps.values(), key=lambda d: (d["significant"], d["value"]), reverse=True)
    return dict(ranked[0])
