"""In-source and cross-source metrics side by side (pure numpy, reuses ``metrics`` and ``bootstrap``).

A model's test metrics on its own source's held-out images can hide that it separates the classes by
how the photo was taken. ``metrics_by_source`` measures every source of a test set on its own, with
95% bootstrap intervals, at the model's operating threshold; ``per_class_rates`` breaks a binary
task down by the original class (e.g. HAM10000 nevi vs keratoses behind "benign");
``paired_difference`` compares two models on the same images (resampling rows jointly).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from medlens.evaluation.bootstrap import bootstrap_ci, ci_dict, summary_with_ci
from medlens.evaluation.metrics import average_precision, roc_auc
from medlens.evaluation.operating import metrics_at_threshold, threshold_for_recall
from medlens.evaluation.report import format_value_ci

__all__ = [
    "HEADLINE",
    "cross_source_table",
    "flag_rate",
    "metrics_by_source",
    "paired_difference",
    "per_class_rates",
    "specificity_at_recall",
]

# metrics shown in the side-by-side tables (keys of ``summary_with_ci``)
HEADLINE = ("accuracy", "target_auroc", "target_sensitivity", "target_specificity", "balanced_accuracy")


def flag_rate(flags: np.ndarray) -> float:
    """Share of rows flagged (the mean of a 0/1 array)."""
    return float(np.mean(flags))


def metrics_by_source(
    y: np.ndarray,
    proba: np.ndarray,
    sources: Sequence[str] | np.ndarray,
    classes: Sequence[str],
    target: str | None,
    threshold: float | None,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, dict[str, Any]]:
    """``source -> {n, n_target, metrics: summary_with_ci}`` plus ``"all"`` for the pooled rows.

    ``target_*`` metrics decide at ``threshold`` (the card's operating point); a source holding only
    one class gets nan for the metrics that need both.
    """
    y = np.asarray(y)
    proba = np.asarray(proba, dtype=np.float64)
    src = np.asarray(sources, dtype=object)
    if not (len(y) == len(proba) == len(src)):
        raise ValueError(f"lengths differ: y {len(y)}, proba {len(proba)}, sources {len(src)}")
    t = list(classes).index(target) if target is not None else None
    out: dict[str, dict[str, Any]] = {}
    names = list(dict.fromkeys(src.tolist()))
    for name in [*names, "all"] if len(names) > 1 else names:
        mask = np.ones(len(y), bool) if name == "all" else (src == name)
        yy, pp = y[mask], proba[mask]
        out[str(name)] = {
            "n": int(mask.sum()),
            "n_target": int((yy == t).sum()) if t is not None else None,
            "metrics": summary_with_ci(
                yy, pp, list(classes), target=target, threshold=threshold, n_boot=n_boot, seed=seed
            ),
        }
    return out


def per_class_rates(
    original: Sequence[str] | np.ndarray,
    y_bin: np.ndarray,
    score: np.ndarray,
    threshold: float,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, dict[str, Any]]:
    """Per original class: share called target at ``threshold`` and AUROC of the target class against it.

    For a target class the share is its recall; for another class it is its false-positive rate
    (1 - specificity). ``auroc_vs_target`` ranks the target rows against that class's rows only.
    """
    orig = np.asarray(original, dtype=object)
    y_bin = np.asarray(y_bin).astype(np.int64)
    score = np.asarray(score, dtype=np.float64)
    flags = (score >= threshold).astype(np.float64)
    pos = y_bin == 1
    out: dict[str, dict[str, Any]] = {}
    for name in sorted(set(orig.tolist())):
        mask = orig == name
        row: dict[str, Any] = {"n": int(mask.sum()), "target": bool(pos[mask].all())}
        row["called_target"] = ci_dict(bootstrap_ci(flag_rate, flags[mask], n_boot=n_boot, seed=seed))
        if not row["target"] and pos.any():
            sub = mask | pos
            row["auroc_vs_target"] = ci_dict(
                bootstrap_ci(roc_auc, y_bin[sub], score[sub], n_boot=n_boot, seed=seed)
            )
        out[str(name)] = row
    return out


def specificity_at_recall(
    y_bin: np.ndarray, score: np.ndarray, recall: float, negatives: np.ndarray | None = None
) -> dict[str, float]:
    """Threshold reaching ``recall`` on these rows (chosen ON them, an optimistic oracle point) and the
    specificity among ``negatives`` (a boolean mask, default all non-target rows) at that threshold."""
    y_bin = np.asarray(y_bin).astype(np.int64)
    score = np.asarray(score, dtype=np.float64)
    op = threshold_for_recall(y_bin, score, recall)
    neg = (y_bin == 0) if negatives is None else np.asarray(negatives, bool)
    spec = float(np.mean(score[neg] < op.threshold)) if neg.any() else float("nan")
    return {"threshold": op.threshold, "recall": op.recall, "specificity": spec}


def paired_difference(
    y_bin: np.ndarray,
    score_a: np.ndarray,
    score_b: np.ndarray,
    metric: str | Callable[[np.ndarray, np.ndarray], float] = "auroc",
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, float]:
    """``metric(a) - metric(b)`` on the same rows with a paired bootstrap interval (rows resampled jointly).

    ``metric``: "auroc", "average_precision" or a function ``(y_bin, score) -> float``.
    """
    fns: Mapping[str, Callable[[np.ndarray, np.ndarray], float]] = {
        "auroc": roc_auc,
        "average_precision": average_precision,
    }
    fn = fns[metric] if isinstance(metric, str) else metric

    def diff(y: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
        return float(fn(y, a) - fn(y, b))

    diff.__name__ = f"delta_{metric if isinstance(metric, str) else getattr(metric, '__name__', 'metric')}"
    return ci_dict(
        bootstrap_ci(
            diff, np.asarray(y_bin), np.asarray(score_a), np.asarray(score_b), n_boot=n_boot, seed=seed
        )
    )


def at_threshold(y_bin: np.ndarray, score: np.ndarray, threshold: float) -> dict[str, float]:
    """Recall / precision / specificity of ``score >= threshold`` (``metrics_at_threshold`` as a dict)."""
    return metrics_at_threshold(y_bin, score, threshold).to_dict()


def cross_source_table(
    rows: Mapping[str, Mapping[str, Mapping[str, Any]]],
    metrics: Sequence[str] = HEADLINE,
    digits: int = 3,
) -> str:
    """Markdown: one row per (model, source) with ``metrics`` as ``value [lo, hi]``.

    ``rows``: ``model -> source -> {"n", "role", "metrics"}`` where ``role`` is "in-source" or
    "cross-source" (anything else is printed as given).
    """
    head = "| model | test source | role | n | " + " | ".join(metrics) + " |"
    lines = [head, "|---|---|---|---:|" + "---:|" * len(metrics)]
    for model, by_source in rows.items():
        for source, r in by_source.items():
            cells = [
                format_value_ci(r["metrics"][m], digits) if m in r["metrics"] else "n/a" for m in metrics
            ]
            lines.append(
                f"| {model} | {source} | {r.get('role', '')} | {r['n']} | " + " | ".join(cells) + " |"
            )
    return "\n".join(lines)
