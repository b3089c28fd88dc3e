"""Robustness outputs: ``robustness.json``, ``accuracy_vs_severity.png``, ``report.md`` and the card
entry ``metrics["robustness"]``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from medlens.card import ModelCard
from medlens.data.corruptions import FAMILIES, SEVERITIES
from medlens.robustness.metrics import RobustnessSummary


def plot_curves(summary: RobustnessSummary, path: Path, title: str) -> Path:
    """Accuracy vs severity (0 = clean), one panel per ImageNet-C family; reference dashed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 4, figsize=(16, 4), sharey=True)
    xs = [0, *SEVERITIES]
    for ax, (family, names) in zip(axes, FAMILIES.items(), strict=True):
        for i, name in enumerate(n for n in names if n in summary.errors):
            color = f"C{i}"
            acc = [1 - summary.clean_error, *(1 - e for e in summary.errors[name])]
            ax.plot(xs, acc, "o-", color=color, label=name)
            if summary.ref_errors and summary.ref_clean_error is not None:
                ref = [1 - summary.ref_clean_error, *(1 - e for e in summary.ref_errors[name])]
                ax.plot(xs, ref, "--", color=color, alpha=0.5)
        ax.set_title(family)
        ax.set_xlabel("severity (0 = clean)")
        ax.set_xticks(xs)
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
    axes[0].set_ylabel("accuracy")
    sub = f" (dashed: reference {summary.reference})" if summary.reference else ""
    fig.suptitle(title + sub)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def card_entry(summary: RobustnessSummary, sample: str, command: str, figure: str) -> dict[str, Any]:
    """What the card keeps: clean/mean errors, mCE, per-corruption accuracy by severity, provenance."""
    return {
        "benchmark": "ImageNet-C style, 15 corruptions x 5 severities (medlens.data.corruptions)",
        "sample": sample,
        "clean_accuracy": round(1 - summary.clean_error, 4),
        "mean_corruption_accuracy": round(1 - summary.mean_corruption_error, 4),
        "accuracy": {c: [round(1 - e, 4) for e in v] for c, v in summary.errors.items()},
        "reference": summary.reference,
        "mce": None if summary.mce is None else round(summary.mce, 4),
        "relative_mce": None if summary.relative_mce is None else round(summary.relative_mce, 4),
        "ce": {c: round(v, 4) for c, v in summary.ce.items()},
        "figure": figure,
        "command": command,
    }


def _pct(x: float | None) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{100 * x:.1f}"


def write_report(
    out_dir: Path,
    card: ModelCard,
    summary: RobustnessSummary,
    sample: str,
    command: str,
    wall_s: float,
    gate: dict[str, Any] | None = None,
) -> Path:
    """report.md + robustness.json + PNG under ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    fig = plot_curves(summary, out_dir / "accuracy_vs_severity.png", f"{card.name}: accuracy vs severity")
    (out_dir / "robustness.json").write_text(
        json.dumps(
            {"sample": sample, "command": command, "wall_s": round(wall_s, 1), **summary.to_dict()}, indent=1
        )
    )
    has_ref = summary.reference is not None
    lines = [
        f"# Corruption robustness: {card.name}",
        "",
        f"Model `{card.name}` ({card.backbone}, {card.preprocessing.input_size} px, task `{card.task}`), "
        "run as served (ONNX Runtime through the `Predictor`, the card's preprocessing and test-time views).",
        f"Data: {sample}.",
        "Corruptions: the 15 ImageNet-C types x 5 severities (`medlens.data.corruptions`; frost is procedural, "
        "glass blur and elastic are vectorised approximations, see the module docstring), applied to the image "
        "squash-resized to the model's input size. Error = top-1 (arg-max) error.",
        f"Reference model for CE: **{summary.reference}**."
        if has_ref
        else "No reference model was given, so CE/mCE (which are ratios to a reference) are not reported; the "
        "unnormalised mean corruption error is.",
        "",
        f"Command: `{command}` (wall time {wall_s:.0f} s on the shared 2-core CPU).",
        "",
        f"Clean accuracy **{_pct(1 - summary.clean_error)} %**; mean accuracy over the 75 conditions "
        f"**{_pct(1 - summary.mean_corruption_error)} %**"
        + (
            f"; mCE **{_pct(summary.mce)} %**, relative mCE **{_pct(summary.relative_mce)} %**."
            if has_ref
            else "."
        ),
        "",
        "| family | corruption | acc s1 | s2 | s3 | s4 | s5 | error (mean) |"
        + (" CE % | rel. CE % |" if has_ref else ""),
        "|---|---|---:|---:|---:|---:|---:|---:|" + ("---:|---:|" if has_ref else ""),
    ]
    for family, names in FAMILIES.items():
        for name in names:
            if name not in summary.errors:
                continue
            errs = summary.errors[name]
            row = (
                f"| {family} | {name} | "
                + " | ".join(_pct(1 - e) for e in errs)
                + f" | {_pct(float(np.mean(errs)))} |"
            )
            if has_ref:
                row += f" {_pct(summary.ce.get(name))} | {_pct(summary.relative_ce.get(name))} |"
            lines.append(row)
    lines += ["", f"![accuracy vs severity]({fig.name})", ""]
    if gate:
        lines += [
            "## Quality-gate thresholds from these curves",
            "",
            f"First severity whose accuracy drop exceeds {100 * gate['max_drop']:.0f} points, and the median gate "
            "measure of the sample at that severity (`medlens.robustness.gate`; written to the card as "
            "`metrics.robustness.quality_gate`, not yet read by the upload gate).",
            "",
            "| gate field | corruption | tolerated severity | drop at the next | measure | refuse | threshold |",
            "|---|---|---:|---:|---|---|---:|",
        ]
        for field, row in gate.items():
            if not isinstance(row, dict):
                continue
            drop = row.get("drop_at_first_bad")
            lines.append(
                f"| {field} | {row['corruption']} | {row['tolerated_severity']} | "
                f"{'–' if drop is None else f'{100 * drop:.1f}'} | {row.get('measure', '–')} | "
                f"{row.get('refuse', '–')} | {row.get('threshold', '–')} |"
            )
        lines.append("")
    path = out_dir / "report.md"
    path.write_text("\n".join(lines))
    return path
