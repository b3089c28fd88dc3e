"""Markdown for a cross-source check result (``medlens.serving.source_check``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from medlens.evaluation.cross_source import HEADLINE
from medlens.evaluation.report import format_value_ci

_NAMES = {
    "accuracy": "accuracy",
    "target_auroc": "AUROC",
    "target_sensitivity": "target recall @thr",
    "target_specificity": "specificity @thr",
    "balanced_accuracy": "balanced acc.",
}


def source_rows_markdown(result: Mapping[str, Any], label: str | None = None) -> list[str]:
    """Table rows (no header) of one result: one row per source (pooled row last)."""
    rows = []
    for source, r in result["by_source"].items():
        cells = [format_value_ci(r["metrics"][m]) if m in r["metrics"] else "n/a" for m in HEADLINE]
        ood = f"{100 * r['ood_flagged']:.1f} %" if "ood_flagged" in r else "n/a"
        who = f"{label} | " if label is not None else ""
        rows.append(f"| {who}{source} | {r['role']} | {r['n']} | " + " | ".join(cells) + f" | {ood} |")
    return rows


def source_header(with_label: bool = False) -> list[str]:
    first = "| model | test source |" if with_label else "| test source |"
    cols = " | ".join(_NAMES.get(m, m) for m in HEADLINE)
    return [
        f"{first} role | n | {cols} | OOD flagged |",
        "|---|" + ("---|" if with_label else "") + "---|---:|" + "---:|" * (len(HEADLINE) + 1),
    ]


def per_class_markdown(result: Mapping[str, Any]) -> list[str]:
    """Per source and original class: share called target at the threshold, AUROC against the target."""
    lines = [
        "| test source | original class | n | called target @thr | AUROC target vs this class |",
        "|---|---|---:|---:|---:|",
    ]
    any_row = False
    for source, r in result["by_source"].items():
        if source == "all" or "per_class" not in r:
            continue
        for cls, c in r["per_class"].items():
            auc = format_value_ci(c["auroc_vs_target"]) if "auroc_vs_target" in c else "—"
            lines.append(f"| {source} | {cls} | {c['n']} | {format_value_ci(c['called_target'])} | {auc} |")
            any_row = True
    return lines if any_row else []


def cross_source_markdown(result: Mapping[str, Any]) -> str:
    """The whole result as Markdown: per-source table, per-class table, oracle operating points."""
    thr = result.get("threshold")
    thr_txt = f"{thr:.3f}" if isinstance(thr, float) else "arg-max"
    out = [
        f"Model `{result.get('model', '?')}` on `{result.get('dataset', '?')}` split `{result.get('split', '?')}` "
        f"(n = {result['n']}), as served; decisions at the card's threshold {thr_txt}; "
        f"trained on: {', '.join(result.get('train_sources') or ['(not given)'])}. 95% bootstrap CIs.",
        "",
        *source_header(),
        *source_rows_markdown(result),
    ]
    per_class = per_class_markdown(result)
    if per_class:
        out += ["", *per_class]
    oracle = [
        (s, k, v)
        for s, r in result["by_source"].items()
        for k, v in r.items()
        if k.startswith("oracle_at_recall_") and s != "all"
    ]
    if oracle:
        out += [
            "",
            "Threshold chosen on the test rows themselves (optimistic; shows what re-tuning per site could reach):",
            "",
            "| test source | recall aimed at | threshold | recall | specificity |",
            "|---|---:|---:|---:|---:|",
        ]
        out += [
            f"| {s} | {k.rsplit('_', 1)[1]} | {v['threshold']:.3f} | {v['recall']:.3f} | {v['specificity']:.3f} |"
            for s, k, v in oracle
        ]
    return "\n".join(out)
