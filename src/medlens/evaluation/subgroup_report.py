"""Subgroup report: Markdown tables, a bar figure with CI whiskers (gap highlighted), report.md + .html,
and the card entry ``metrics.subgroups``.

``result`` is what :func:`medlens.serving.subgroup_check.image_subgroups` or
:func:`medlens.tabular.subgroups.tabular_subgroups` return: model facts plus ``attributes``, each the
output of :func:`medlens.evaluation.subgroups.subgroup_metrics`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from medlens.evaluation.report import format_value_ci, write_report
from medlens.evaluation.subgroups import GAP_METRICS, GAP_METRICS_NO_TARGET, HEADLINE, largest_gap

__all__ = [
    "ATTRIBUTE_TITLES",
    "METRIC_TITLES",
    "card_block",
    "gap_text",
    "model_largest_gap",
    "plot_subgroups",
    "subgroup_markdown",
    "write_card_block",
    "write_subgroup_report",
]

ATTRIBUTE_TITLES = {"sex": "Sex", "age": "Age band", "site": "Body site"}
METRIC_TITLES = {
    "accuracy": "accuracy",
    "balanced_accuracy": "balanced accuracy",
    "target_auroc": "AUROC (target)",
    "target_sensitivity": "sensitivity (target)",
    "target_specificity": "specificity (target)",
}


def model_largest_gap(attributes: Mapping[str, Mapping[str, Any]]) -> dict[str, Any] | None:
    """The gap to flag over all attributes (as :func:`largest_gap`), with its ``attribute`` named."""
    gaps = {
        f"{a}/{m}": {**g, "attribute": a}
        for a, r in attributes.items()
        for m, g in (r.get("gaps") or {}).items()
    }
    return largest_gap(gaps)


def gap_text(gap: Mapping[str, Any] | None) -> str:
    """One line: ``age: sensitivity (target) 60-74 0.93 vs 75+ 0.71, gap 0.22 [0.05, 0.38] (CI excludes 0)``."""
    if not gap:
        return "no gap measurable (fewer than two groups large enough)"
    where = f"{gap['attribute']}: " if gap.get("attribute") else ""
    verdict = "CI excludes 0" if gap["significant"] else "CI includes 0: not evidence of a difference"
    return (
        f"{where}{METRIC_TITLES.get(gap['metric'], gap['metric'])} {gap['high']} vs {gap['low']}, "
        f"gap {format_value_ci(gap)} ({verdict})"
    )


def _cell(v: Mapping[str, float] | None, too_few: bool) -> str:
    if too_few:
        return "too few"
    return "too few in class" if v is None else format_value_ci(v)


def subgroup_markdown(attr: Mapping[str, Any], metrics: tuple[str, ...] | list[str]) -> str:
    """One attribute: group | n (target) | metrics as ``value [lo, hi]``; the gap rows under it."""
    shown = [m for m in metrics if any(m in r["metrics"] for r in attr["groups"].values())] or list(metrics)
    lines = [
        "| group | n (target) | " + " | ".join(METRIC_TITLES.get(m, m) for m in shown) + " |",
        "|---|---:|" + "---:|" * len(shown),
    ]
    for name, r in attr["groups"].items():
        n = str(r["n"]) if r.get("n_target") is None else f"{r['n']} ({r['n_target']})"
        cells = [_cell(r["metrics"].get(m), r["too_few"]) for m in shown]
        lines.append(f"| {name} | {n} | " + " | ".join(cells) + " |")
    gaps = attr.get("gaps") or {}
    if gaps:
        lines += ["", "Largest gap per metric (best − worst group, 95% bootstrap CI of the difference):", ""]
        flagged = attr.get("largest_gap") or {}
        for m, g in gaps.items():
            mark = " **← flagged**" if flagged and flagged.get("metric") == m else ""
            lines.append(f"- {gap_text(g)}{mark}")
    return "\n".join(lines)


def plot_subgroups(result: Mapping[str, Any], path: Path) -> Path:
    """Bars per group with 95% CI whiskers: one row per attribute, one column per gap metric; the two
    groups of each gap drawn in red (worst) and green (best), the model's flagged gap framed."""
    attrs = result["attributes"]
    metrics = list(GAP_METRICS if result.get("target") else GAP_METRICS_NO_TARGET)
    flagged = result.get("largest_gap") or {}
    rows, cols = len(attrs), max(len(metrics), 1)
    widest = max(len(a["groups"]) for a in attrs.values())
    fig = Figure(figsize=(max(3.2 * cols, 0.45 * widest * cols), 2.9 * rows + 0.6), layout="constrained")
    axes = np.atleast_2d(fig.subplots(rows, cols, squeeze=False))
    for i, (attr, res) in enumerate(attrs.items()):
        names = list(res["groups"])
        for j, m in enumerate(metrics):
            ax = axes[i, j]
            vals = []
            for name in names:
                v = res["groups"][name]["metrics"].get(m)
                vals.append((v["value"], v["ci_low"], v["ci_high"]) if v else (math.nan, math.nan, math.nan))
            arr = np.array(vals, dtype=float)
            gap = (res.get("gaps") or {}).get(m) or {}
            colors = [
                "#16a34a" if n == gap.get("high") else "#dc2626" if n == gap.get("low") else "#94a3b8"
                for n in names
            ]
            err = np.abs(np.stack([arr[:, 0] - arr[:, 1], arr[:, 2] - arr[:, 0]]))
            ax.bar(
                range(len(names)), np.nan_to_num(arr[:, 0]), color=colors, yerr=np.nan_to_num(err), capsize=2
            )
            for k, v in enumerate(arr[:, 0]):
                if not math.isfinite(v):
                    ax.text(
                        k, 0.02, "too few", rotation=90, ha="center", va="bottom", fontsize=7, color="#52606d"
                    )
            ax.set_xticks(range(len(names)), labels=names, rotation=60 if len(names) > 4 else 0, fontsize=7)
            ax.set_ylim(0, 1.05)
            ax.grid(axis="y", alpha=0.3)
            title = f"{ATTRIBUTE_TITLES.get(attr, attr)}: {METRIC_TITLES.get(m, m)}"
            if gap:
                title += f"\ngap {gap['value']:.2f} [{gap['ci_low']:.2f}, {gap['ci_high']:.2f}]"
            is_flagged = flagged.get("attribute") == attr and flagged.get("metric") == m
            ax.set_title(
                title + ("  ← largest" if is_flagged else ""),
                fontsize=8,
                color="#b91c1c" if is_flagged else "black",
            )
            if is_flagged:
                for spine in ax.spines.values():
                    spine.set_edgecolor("#b91c1c")
                    spine.set_linewidth(2)
    fig.suptitle(f"{result['model']}: subgroup performance ({result['role']}, n={result['n']})", fontsize=10)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    return path


def write_subgroup_report(result: Mapping[str, Any], out: Path, command: str) -> tuple[Path, Path]:
    """``out/report.md``, ``out/report.html`` (PNG embedded) and ``out/subgroups.png``."""
    png = plot_subgroups(result, Path(out) / "subgroups.png")
    thr = result.get("threshold")
    facts = [
        f"- model: `{result['model']}` (task {result['task']})",
        f"- test data: {result['data']} — **{result['role']}**",
        f"- n = {result['n']}"
        + (f", target class {result['target']}: {result['n_target']}" if result.get("target") else ""),
        f"- decisions at the card's operating threshold {thr:.4f}"
        if thr is not None
        else "- decisions: arg-max",
        f"- 95% percentile bootstrap intervals ({result['n_boot']} resamples per group, seed {result['seed']}); "
        f"groups under {result['min_n']} rows are *too few*, and target metrics needing a class with under "
        f"{result['min_class']} rows in a group are *too few in class*",
        "- gaps: best minus worst known group (`unknown` never counts), groups resampled independently; "
        "the flagged gap is the largest whose interval excludes 0, else the largest. Picking the extremes of "
        "many groups inflates a gap by chance, so read its interval, not its point value.",
        "- compared: "
        + ", ".join(
            METRIC_TITLES[m] for m in (GAP_METRICS if result.get("target") else GAP_METRICS_NO_TARGET)
        )
        + "; accuracy moves with each group's class mix and is shown, not compared"
        + (
            " (so is balanced accuracy: over the few classes a small group holds it is mostly noise)"
            if result.get("target")
            else ""
        ),
        "- a percentile interval of a proportion at 0 or 1 collapses to a point (e.g. 18 of 18 found: [1.000, 1.000]); "
        "read it with the group's n",
        "- sensitivity and specificity at one threshold move with how many of a group's rows score high: a group "
        "with more severe or more typical cases gets higher sensitivity and lower specificity. AUROC within a group "
        "does not depend on the threshold; a gap there is a difference in how well the model ranks that group.",
        "",
        f"Re-run: `{command}`",
    ]
    inputs = result.get("model_inputs") or []
    if inputs:
        facts.insert(
            -2,
            f"- {', '.join(inputs)}: input(s) of the model itself, so the score rises or falls with them by "
            "design; threshold metrics by these groups show that design as much as a disparity",
        )
    sections = [("What was measured", "\n".join(facts)), ("Largest gap", gap_text(result.get("largest_gap")))]
    for attr, res in result["attributes"].items():
        sections.append((ATTRIBUTE_TITLES.get(attr, attr), subgroup_markdown(res, list(HEADLINE))))
    title = f"Subgroup performance: {result['model']}"
    return write_report(out, title, sections, [png])


def _rounded(x: Any) -> Any:
    if isinstance(x, float):
        return round(x, 4) if math.isfinite(x) else None
    if isinstance(x, Mapping):
        return {k: _rounded(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_rounded(v) for v in x]
    return x


def card_block(result: Mapping[str, Any], report: str, command: str) -> dict[str, Any]:
    """What the card keeps (``metrics.subgroups``): facts, every group's metrics, gaps, the flagged gap."""
    keep = (
        "test_set",
        "data",
        "role",
        "n",
        "n_target",
        "target",
        "threshold",
        "min_n",
        "min_class",
        "n_boot",
        "model_inputs",
    )
    block = {k: result[k] for k in keep if k in result}
    block["attributes"] = result["attributes"]
    block["largest_gap"] = result.get("largest_gap")
    block |= {"report": report, "command": command}
    return _rounded(block)  # type: ignore[no-any-return]


def write_card_block(model_dir: Path, block: dict[str, Any]) -> dict[str, Any]:
    """Store ``block`` as ``metrics.subgroups`` in the card at ``model_dir`` (image or tabular card);
    only that key changes (:func:`medlens.card.edit_card_json`)."""
    from medlens.card import edit_card_json

    def store(raw: dict[str, Any]) -> None:
        raw.setdefault("metrics", {})["subgroups"] = block

    edit_card_json(Path(model_dir), store)
    return block
