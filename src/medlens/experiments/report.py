"""The experiment report: ``results.md`` / ``report.html`` / ``results.csv`` / PNGs in the experiment
folder (default ``runs/experiments/NAME``; committed copies live in ``reports/experiments/``)."""

from __future__ import annotations

import csv
import json
import math
import platform
from pathlib import Path
from typing import Any

from medlens.evaluation.report import format_value_ci, write_report
from medlens.experiments.plots import plot_in_vs_cross, plot_metric_ci_bars, plot_pareto
from medlens.experiments.spec import ExperimentSpec
from medlens.experiments.table import TrialRow, collect_rows, headline_metrics

__all__ = ["results_markdown", "write_experiment_report"]


def _num(v: Any, digits: int = 2, scale: float = 1.0) -> str:
    if v is None or not math.isfinite(float(v)):
        return "n/a"
    return f"{float(v) / scale:.{digits}f}"


def _paired_cell(paired: dict[str, Any], metric: str) -> str:
    if "skipped" in paired:
        return f"n/a ({paired['skipped']})"
    if metric not in paired:
        return ""
    d = paired[metric]
    sign = "+" if d["value"] >= 0 else ""
    text = f"{sign}{d['value']:.3f} [{d['ci_low']:+.3f}, {d['ci_high']:+.3f}]"
    excludes_zero = math.isfinite(d["ci_low"]) and (d["ci_low"] > 0 or d["ci_high"] < 0)
    return f"**{text}**" if excludes_zero else text


CROSS_METRICS = ("target_auroc", "target_sensitivity", "target_specificity")
CROSS_NAMES = {"target_auroc": "AUROC", "target_sensitivity": "recall", "target_specificity": "specificity"}


def _cross_head(spec: ExperimentSpec) -> list[str]:
    if spec.cross_source is None:
        return []
    t = spec.cross_source.title
    head = [f"{t} (cross-source) {CROSS_NAMES[m]}" for m in CROSS_METRICS]
    return head + ([f"Δ {t} AUROC vs {spec.reference}"] if spec.reference else [])


def _cross_cells(spec: ExperimentSpec, r: TrialRow) -> list[str]:
    if spec.cross_source is None:
        return []
    m = r.cross.get("metrics", {})
    cells = [
        format_value_ci(m[k], 3) if k in m else ("error" if r.cross.get("error") else "")
        for k in CROSS_METRICS
    ]
    if spec.reference:
        d = r.cross_paired
        cells.append("—" if r.name == spec.reference else (_paired_cell({"auroc": d}, "auroc") if d else ""))
    return cells


def _published_cell(figures: dict[str, float]) -> str:
    return " · ".join(f"{k} {v:.4f}" for k, v in figures.items())


def results_markdown(spec: ExperimentSpec, rows: list[TrialRow]) -> str:
    """The results table (Markdown): metrics [95% CI], paired Δ vs reference, size/speed, seed figures."""
    metrics = headline_metrics(rows)
    paired_names = sorted({k for r in rows for k in r.paired if k != "skipped"})
    ref = spec.reference
    head = ["trial", "state", *metrics]
    head += [f"Δ {m} vs {ref}" for m in paired_names] if ref else []
    head += _cross_head(spec)
    head += ["params (M)", "MMACs", "ONNX MB", "latency ms", "train s"]
    has_pub = any(r.published for r in rows)
    if has_pub:
        head.append(f"published: {spec.published_label or 'seed'}")
    lines = ["| " + " | ".join(head) + " |", "|---|---|" + "---:|" * (len(head) - 2)]
    for r in rows:
        cells = [
            r.name + (" (ref)" if r.name == ref else ""),
            r.state if not r.error else f"failed: {r.error[:80]}",
        ]
        cells += [format_value_ci(r.test[m], 3) if m in r.test else "" for m in metrics]
        cells += [("—" if r.name == ref else _paired_cell(r.paired, m)) for m in paired_names] if ref else []
        cells += _cross_cells(spec, r)
        p = r.profile
        cells += [
            _num(p.get("params"), 2, 1e6),
            _num(p.get("macs"), 1, 1e6),
            _num(p.get("onnx_mb"), 2),
            _num(p.get("latency_ms"), 2),
            _num(r.train_time_s, 0),
        ]
        if has_pub:
            cells.append(_published_cell(r.published))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _ci_values(ms: dict[str, dict[str, float]], names: tuple[str, ...] | list[str]) -> list[Any]:
    """value, ci_low, ci_high of each metric in ``names`` (None where missing), flat, for a CSV row."""
    return [ms.get(m, {}).get(k) for m in names for k in ("value", "ci_low", "ci_high")]


def _write_csv(rows: list[TrialRow], path: Path) -> Path:
    metrics = headline_metrics(rows)
    cross = any(r.cross.get("metrics") for r in rows)
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        head = ["trial", "state"]
        for m in metrics:
            head += [m, f"{m}_ci_low", f"{m}_ci_high"]
        if cross:
            head += [f"cross_{m}{s}" for m in CROSS_METRICS for s in ("", "_ci_low", "_ci_high")] + [
                "cross_n"
            ]
        w.writerow([*head, "params", "macs", "onnx_mb", "latency_ms", "train_time_s", "n_test", "error"])
        for r in rows:
            vals: list[Any] = [r.name, r.state, *_ci_values(r.test, metrics)]
            if cross:
                vals += [*_ci_values(r.cross.get("metrics", {}), CROSS_METRICS), r.cross.get("n")]
            p = r.profile
            vals += [
                p.get("params"),
                p.get("macs"),
                p.get("onnx_mb"),
                p.get("latency_ms"),
                r.train_time_s,
                r.n_test,
                r.error,
            ]
            w.writerow(vals)
    return path


def _invocations_text(invocations: list[dict[str, Any]]) -> str:
    """The compute of every invocation that trained trials (the last one may only have written the table)."""
    if not invocations:
        return ""
    lines = [
        f"- {i.get('started') or 'start not recorded'}: {len(i.get('done', []))} trained, "
        f"{len(i.get('failed', {}))} failed, {_num(i.get('wall_s'), 0)} s wall"
        + (f", {i['max_concurrent']} at a time" if i.get("max_concurrent") else "")
        + (f" on {i['cpus']} CPUs" if i.get("cpus") else "")
        + (f" ({i['note']})" if i.get("note") else "")
        for i in invocations
    ]
    total = sum(float(i.get("wall_s") or 0.0) for i in invocations)
    return f"\n\nInvocations that trained trials (total {total:.0f} s wall):\n\n" + "\n".join(lines)


def _cross_text(spec: ExperimentSpec, rows: list[TrialRow]) -> str:
    cs = spec.cross_source
    assert cs is not None
    done = [r for r in rows if r.cross.get("metrics")]
    ns = sorted({(r.cross["n"], r.cross["n_dropped"]) for r in done})
    sizes = "; ".join(f"{n} photos ({d} dropped)" for n, d in ns) or "no trial measured yet"
    return (
        f"Every finished trial is exported (ONNX, calibrated and thresholded on its own val split at the "
        f"task's target recall) and run exactly as served on the {cs.split} split of `{cs.dataset}` "
        f"(`{cs.data_root}`), a source no trial trained on. Photos whose copy a trial trained or validated "
        f"on, and every other photo of the same lesion, are dropped for that trial: {sizes}. Recall and "
        "specificity are at the trial's own threshold; AUROC does not depend on it. Δ is the paired "
        "bootstrap of the AUROC difference on the photos both trials kept."
    )


def _latency_text(rows: list[TrialRow]) -> str:
    """How the latency column was measured, and each architecture's figure with its spread."""
    arch = {r.profile["architecture"]: r.profile for r in rows if r.profile.get("architecture")}
    if not arch:
        return ""
    first = next(iter(arch.values()))
    lines = [
        f"- `{key}`: {_num(p.get('latency_ms'), 2)} ms (quartiles of the rounds {_num(p.get('latency_q1_ms'), 2)}"
        f"-{_num(p.get('latency_q3_ms'), 2)}), {p.get('trials', '?')} trial(s)"
        for key, p in sorted(arch.items())
    ]
    return (
        "Params, MACs and ONNX size are per trial. Latency is per architecture (backbone, input size, classes): "
        "trials that share one run the same graph, so it is timed once for all of them, on one exported model, "
        f"with ONNX Runtime on {first.get('threads')} thread, batch 1, in {first.get('rounds')} interleaved rounds "
        f"of {first.get('runs')} calls (median of the round medians; {first.get('hardware')}). "
        "Differences inside the quartile ranges are noise.\n\n" + "\n".join(lines)
    )


def write_experiment_report(spec: ExperimentSpec, out: Path, n_boot: int = 1000) -> tuple[Path, Path]:
    """Write the report of the finished trials into ``out``; returns (report.md, report.html)."""
    out = Path(out)
    rows = collect_rows(spec, out, n_boot=n_boot)
    table = results_markdown(spec, rows)
    (out / "results.md").write_text(table + "\n")
    _write_csv(rows, out / "results.csv")
    metrics = headline_metrics(rows)
    images: list[Path] = []
    for m in metrics[:1] + [m for m in metrics if m.endswith("auroc") or m == "auroc_macro"][:1]:
        if any(m in r.test for r in rows):
            images.append(plot_metric_ci_bars(rows, m, out / f"bars_{m}.png", reference=spec.reference))
    if spec.cross_source is not None and any("target_auroc" in r.cross.get("metrics", {}) for r in rows):
        title = spec.cross_source.title
        images.append(
            plot_metric_ci_bars(
                rows, "target_auroc", out / "bars_cross_target_auroc.png", spec.reference, cross_label=title
            )
        )
        scatter = plot_in_vs_cross(rows, "target_auroc", out / "in_vs_cross_auroc.png", title)
        if scatter is not None:
            images.append(scatter)
    if metrics:
        pareto = plot_pareto(rows, metrics[0], out / "pareto_latency.png")
        if pareto is not None:
            images.append(pareto)
    status = json.loads((out / "experiment.json").read_text()) if (out / "experiment.json").is_file() else {}
    inv = status.get("last_invocation", {})
    counts = {s: sum(r.state == s for r in rows) for s in ("done", "failed", "pending")}
    first = next((r for r in rows if r.n_test), None)
    sections = [
        (
            "Command",
            f"```\nmedlens experiment run {spec.source}\n```\n\nLast invocation: "
            f"{len(inv.get('done', []))} trained, {len(inv.get('skipped', []))} already done, "
            f"{len(inv.get('failed', {}))} failed, wall time {_num(inv.get('wall_s'), 0)} s "
            f"on {platform.node() or 'this machine'} (shared CPUs: timings are indicative)."
            + _invocations_text(status.get("invocations", [])),
        ),
        (
            "Trials",
            f"{len(rows)} trials: {counts['done']} done, {counts['failed']} failed, {counts['pending']} pending. "
            f"Test images per trial: {first.n_test if first else 'n/a'}. Base settings: `{json.dumps(spec.base)}`"
            + (f"; data protocol `{json.dumps(spec.protocol)}`" if spec.protocol else "")
            + ".",
        ),
        (
            "Results (95% bootstrap CIs; Δ = paired bootstrap of the difference on the same test images, "
            "bold when the interval excludes 0)",
            table,
        ),
    ]
    if spec.cross_source is not None:
        sections.append(("Cross-source", _cross_text(spec, rows)))
    speed = _latency_text(rows)
    if speed:
        sections.append(("Size and speed", speed))
    if spec.published_label:
        sections.append(
            (
                "Published figures",
                f"The last column quotes: {spec.published_label}. "
                "Their protocol (data, split, resolution, epochs) differs from ours; compare with care.",
            )
        )
    return write_report(out, f"Experiment {spec.name} ({spec.task})", sections, images)
