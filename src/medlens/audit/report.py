"""Markdown report and figures of a shortcut audit (``medlens.audit.run``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from medlens import DISCLAIMER_EN
from medlens.evaluation.report import format_value_ci


def _excludes_half(ci: Mapping[str, float]) -> bool:
    return bool(ci["ci_low"] > 0.5 or ci["ci_high"] < 0.5)


def verdict(result: Mapping[str, Any], strong: float = 0.2, delta: float = 0.05) -> list[str]:
    """Short findings for the model card's limits: predictable source, label-predicting probes,
    edits that move P(target) by at least ``delta`` on average."""
    lines: list[str] = []
    sp = result.get("source_prediction", {})
    if "pixels only" in sp:
        auc = sp["pixels only"]["auroc"]
        lines.append(
            f"The image source ({', '.join(sp['pixels only']['sources'])}) is predictable from simple pixel "
            f"statistics alone (logistic regression, out-of-fold AUROC {format_value_ci(auc)})."
        )
    for s, probes in result["label_association"].items():
        hits = [
            (p, r)
            for p, r in probes.items()
            if r.get("auroc") and r["strength"] >= strong and _excludes_half(r["auroc"])
        ]
        hits.sort(key=lambda t: -t[1]["strength"])
        if hits:
            parts = [f"{p} (AUROC {format_value_ci(r['auroc'])})" for p, r in hits[:4]]
            lines.append(f"Within {s}, acquisition probes predict the label: {', '.join(parts)}.")
    moved = []
    for edit, rows in result["counterfactual"].items():
        for who, r in rows.items():
            d = r["delta_p"]
            if abs(d["value"]) >= delta and (d["ci_low"] > 0 or d["ci_high"] < 0):
                moved.append(
                    f"{edit} on {who}: ΔP {d['value']:+.3f}, {100 * r['flipped']:.0f} % of decisions flip"
                )
    if moved:
        lines.append("Acquisition-only edits move the model: " + "; ".join(moved[:6]) + ".")
    else:
        lines.append(f"No acquisition-only edit moved the mean P(target) by {delta} or more.")
    return lines


def _probe_figure(result: Mapping[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sources = list(result["label_association"])
    probes = result["probes"]
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(probes) + 1.5))
    height = 0.8 / max(1, len(sources))
    for k, s in enumerate(sources):
        ys, vals, errs = [], [], []
        for i, p in enumerate(probes):
            r = result["label_association"][s][p]
            if r.get("auroc"):
                a = r["auroc"]
                ys.append(i + k * height)
                vals.append(a["value"])
                errs.append([[a["value"] - a["ci_low"]], [a["ci_high"] - a["value"]]])
        if vals:
            err = np.concatenate(errs, axis=1)
            ax.barh(ys, np.array(vals) - 0.5, left=0.5, height=height, xerr=err, label=s, alpha=0.8)
    ax.axvline(0.5, color="k", lw=0.8)
    ax.set_yticks(np.arange(len(probes)) + 0.4 - height / 2)
    ax.set_yticklabels(probes)
    ax.set_xlim(0, 1)
    ax.set_xlabel("AUROC of the probe for the target class (95% CI); 0.5 = no information")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(f"{result['model']}: acquisition probes vs label, per source")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _examples_figure(
    images: list[np.ndarray],
    p0: np.ndarray,
    edited: Mapping[str, np.ndarray],
    sources: np.ndarray,
    y_bin: np.ndarray,
    path: Path,
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from medlens.audit.counterfactual import EDITS

    rows = []
    for s in sorted(set(sources.tolist())):
        for want in (1, 0):
            idx = np.flatnonzero((sources == s) & (y_bin == want))
            if idx.size:
                rows.append((int(idx[0]), f"{s} / {'target' if want else 'other'}"))
    cols = ["original", *EDITS]
    fig, axes = plt.subplots(len(rows), len(cols), figsize=(1.9 * len(cols), 2.1 * len(rows)), squeeze=False)
    for r, (i, label) in enumerate(rows):
        for c, name in enumerate(cols):
            im = images[i] if name == "original" else EDITS[name](images[i])
            p = p0[i] if name == "original" else edited[name][i]
            ax = axes[r][c]
            ax.imshow(im)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"{name[:22]}\nP={p:.2f}", fontsize=7)
            if c == 0:
                ax.set_ylabel(label, fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    import matplotlib.pyplot as plt2

    plt2.close(fig)


def write_audit_report(
    result: Mapping[str, Any],
    out_dir: Path,
    images: list[np.ndarray],
    p0: np.ndarray,
    edited: Mapping[str, np.ndarray],
    sources: np.ndarray,
    y_bin: np.ndarray,
) -> Path:
    """``report.md`` + ``probes.png`` + ``examples.png`` in ``out_dir``."""
    _probe_figure(result, out_dir / "probes.png")
    _examples_figure(images, p0, edited, sources, y_bin, out_dir / "examples.png")
    lines = [
        f"# Shortcut audit: {result['model']}",
        "",
        f"Dataset `{result['dataset']}`, split `{result['split']}`: {result['n']} images, up to "
        f"{result.get('n_per_source', '?')} per source (seeded, balanced over labels where possible); model run exactly as served (card preprocessing, "
        f"TTA, temperature), threshold {result['threshold']:.3f}. Trained on: "
        f"{', '.join(result['train_sources']) or '(not given)'}. Wall time {result['wall_time_s']:.0f} s.",
        "",
        f"Command: `{result['command']}`" if result.get("command") else "",
        "",
        "## Verdict",
        "",
        *[f"- {v}" for v in verdict(result)],
        "",
    ]
    if "source_prediction" in result:
        lines += [
            "## (a) Can the source be told from the image?",
            "",
            "| features | sources | n | out-of-fold AUROC [95% CI] | accuracy | strongest features |",
            "|---|---|---:|---:|---:|---|",
        ]
        for name, r in result["source_prediction"].items():
            top = ", ".join(t["probe"] for t in r["top_features"][:3])
            lines.append(
                f"| {name} | {', '.join(r['sources'])} | {r['n']} | {format_value_ci(r['auroc'])} | "
                f"{r['accuracy']:.3f} | {top} |"
            )
        lines.append("")
    lines += [
        "## (b) Do acquisition probes predict the label within a source?",
        "",
        "AUROC of each probe for the target class (0.5 = no information; below 0.5 = lower in the target class).",
        "",
        "| probe | " + " | ".join(result["label_association"]) + " |",
        "|---|" + "---:|" * len(result["label_association"]),
    ]
    for p in result["probes"]:
        cells = []
        for s in result["label_association"]:
            r = result["label_association"][s][p]
            cells.append(format_value_ci(r["auroc"]) if r.get("auroc") else "n/a")
        lines.append(f"| {p} | " + " | ".join(cells) + " |")
    lines += ["", "Share of photos with a dark lens border (>= 2 dark corners):", ""]
    lines += ["| source | target class | other |", "|---|---:|---:|"]
    for s, r in result["prevalence"].items():
        a, b = r["lens_border_target"], r["lens_border_other"]
        lines.append(
            f"| {s} | {'n/a' if a is None else f'{100 * a:.1f} %'} | {'n/a' if b is None else f'{100 * b:.1f} %'} |"
        )
    lines += [
        "",
        "![probes](probes.png)",
        "",
        "## (c) Counterfactual sensitivity of the model",
        "",
        "Mean change in P(target) [95% CI] when only the acquisition changes; flipped = share of "
        "screening decisions that change at the threshold.",
        "",
        "| edit | images | n | ΔP(target) | flipped | became positive |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for edit, rows in result["counterfactual"].items():
        for who, r in rows.items():
            lines.append(
                f"| {edit} | {who} | {r['n']} | {format_value_ci(r['delta_p'])} | "
                f"{100 * r['flipped']:.1f} % | {100 * r['became_positive']:.1f} % |"
            )
    lines += ["", "![examples](examples.png)", "", "---", "", f"**Disclaimer.** {DISCLAIMER_EN}", ""]
    path = out_dir / "report.md"
    path.write_text("\n".join(lines))
    return path
