"""Plots and the Markdown/HTML report of a run folder."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from medlens import DISCLAIMER_EN
from medlens.evaluation.calibration import softmax
from medlens.evaluation.metrics import confusion_matrix
from medlens.evaluation.report import write_report
from medlens.tasks import get_task
from medlens.training.config import TrainConfig

log = logging.getLogger(__name__)


def write_plots(
    run_dir: Path, config: TrainConfig, metrics: dict, test: tuple[np.ndarray, np.ndarray]
) -> list[Path]:
    """Confusion matrix, ROC, PR, reliability (test, calibrated) and learning curves (PNG)."""
    from medlens.evaluation import plots

    logits, y = test
    paths: list[Path] = []
    history_path = run_dir / "history.json"
    if history_path.is_file():
        history = json.loads(history_path.read_text())
        skip = ("phase", "lr", "epoch_time_s")
        first = (
            f"val_{config.monitor}"  # the plot marks the best epoch of the first metric: make it the monitor
        )
        rows = [
            {"epoch": r["epoch"], **({first: r[first]} if first in r and config.monitor != "loss" else {})}
            | {k: v for k, v in r.items() if k not in skip}
            for r in history
        ]
        for r in rows:
            r["epoch"] = r["epoch"] + 1
        paths.append(plots.plot_learning_curves(rows, run_dir / "learning_curves.png"))
    if config.heads:
        return paths
    proba = softmax(logits, metrics.get("temperature", 1.0))
    cm = confusion_matrix(y, proba.argmax(1), len(config.classes))
    paths.append(
        plots.plot_confusion_matrix(
            cm, config.classes, run_dir / "confusion_matrix.png", title="Test confusion matrix"
        )
    )
    paths.append(plots.plot_roc(y, proba, config.classes, run_dir / "roc.png", title="Test ROC"))
    paths.append(plots.plot_pr(y, proba, config.classes, run_dir / "pr.png", title="Test precision-recall"))
    paths.append(
        plots.plot_reliability(y, proba, run_dir / "reliability.png", title="Test reliability (calibrated)")
    )
    return paths


def _fmt(m: dict[str, float]) -> str:
    return f"{m['value']:.4f} [{m['ci_low']:.4f}, {m['ci_high']:.4f}]"


def report_sections(config: TrainConfig, metrics: dict) -> list[tuple[str, str]]:
    spec = get_task(config.task)
    run = metrics.get("run", {})
    test = metrics["test"]
    rows = "\n".join(f"| {k} | {_fmt(v)} |" for k, v in test.items())
    floors = spec.floors
    floor_lines = []
    for k, floor in floors.items():
        if k in test:
            v = test[k]["value"]
            floor_lines.append(f"- {k}: {v:.4f} vs floor {floor} -> **{'met' if v >= floor else 'MISSED'}**")
    published = "\n".join(f"| {r.what} | {r.figures} |" for r in spec.published)
    op = metrics.get("operating_point")
    op_text = (
        f"Threshold on calibrated P({op['target_class']}) chosen on validation for recall >= {op['target_recall']}: "
        f"**{op['threshold']:.4f}**.\n\n| | recall | precision | specificity |\n|---|---|---|---|\n"
        f"| val | {op['val_recall']:.4f} | {op['val_precision']:.4f} | {op['val_specificity']:.4f} |\n"
        f"| test | {op['test_recall']:.4f} | {op['test_precision']:.4f} | {op['test_specificity']:.4f} |"
        if op
        else "No target class for this task."
    )
    hw = metrics.get("hardware", {})
    wall = metrics.get("wall_time_s")
    setup = (
        f"- task `{config.task}` ({spec.title.en}); classes {', '.join(config.classes)}\n"
        f"- backbone `{config.backbone}`, pretrained `{config.pretrained}`, input {config.input_size} px "
        f"(squash resize), mean {list(config.mean)}, std {list(config.std)}\n"
        f"- epochs {config.epochs} (ran {run.get('epochs_run')}, best epoch {run.get('best_epoch')}, "
        f"early stop {run.get('stopped_early')}), LP epochs {config.lp_epochs}, batch {config.batch_size}, "
        f"{config.optimizer} lr {config.lr} wd {config.weight_decay}, {config.scheduler} schedule, "
        f"dropout {config.drop_rate}\n"
        f"- augmentation preset `{config.preset}`, loss `{config.loss}`, class-weighted {config.class_weighted}, "
        f"sampler `{config.sampler}`, selection on val `{config.monitor}` (patience {config.patience}), "
        f"TTA {metrics.get('tta') or 'off'}, seed {config.seed}\n"
        f"- split `{run.get('split_method', config.split)}`: train {run.get('n_train')}, val {run.get('n_val')}, "
        f"test {run.get('n_test')} (split fingerprint `{str(run.get('split_fingerprint', ''))[:16]}`)"
    )
    command = (
        f"```\n{config.command or '(not recorded)'}\n```\n\n"
        + (
            f"Metrics below were recomputed from `best.pt` with:\n\n```\n{run['evaluate_command']}\n```\n\n"
            if run.get("evaluate_command")
            else ""
        )
        + (
            f"Wall time: **{wall:.0f} s** ({wall / 60:.1f} min) for the whole command; training epochs "
            f"{run.get('train_time_s', 0):.0f} s.\n\n"
            if wall
            else ""
        )
        + f"Hardware: {hw.get('processor')} ({hw.get('device')}, {hw.get('cpu_threads')} threads), torch {hw.get('torch')}."
    )
    data = metrics.get("data", {})
    return [
        ("Command", command),
        ("Data", f"- {data.get('source')}\n- licence: {data.get('license')}\n- root: `{data.get('root')}`"),
        ("Setup", setup),
        (
            "Test metrics (95% bootstrap CI, 1000 resamples)",
            "| metric | value [95% CI] |\n|---|---|\n" + rows,
        ),
        ("Floors", "\n".join(floor_lines) or "No floors defined for this task."),
        (
            "Comparison with published numbers",
            "| reference | numbers |\n|---|---|\n" + published if published else "-",
        ),
        (
            "Calibration and operating point",
            (
                f"Temperature (fit on val): {metrics.get('temperature', 1.0):.3f}; test ECE before "
                f"{metrics.get('ece_before', float('nan')):.4f}, after {metrics.get('ece_after', float('nan')):.4f}.\n\n"
                + op_text
                + f"\n\nOOD gate: energy score, threshold {metrics['ood']['threshold']:.4f} "
                "(99th percentile of validation energy)."
            ),
        ),
        ("Disclaimer", DISCLAIMER_EN),
    ]


def leakage_text(path: Path) -> str:
    """Counts from ``leakage_audit.json`` (written by medlens.data.audit)."""
    if not path.is_file():
        return "No leakage audit recorded."
    audit = json.loads(path.read_text())
    if audit.get("available") is False:
        return audit.get("reason", "leakage audit unavailable")
    near = len(audit.get("near_duplicates", [])) if audit.get("near_checked", True) else "not checked"
    return (
        f"- method `{audit.get('method')}`, groups {audit.get('n_groups')}\n"
        f"- groups in more than one split: {len(audit.get('group_overlap', []))}\n"
        f"- exact duplicate image pairs across splits: {len(audit.get('exact_duplicates', []))}\n"
        f"- near-duplicate pairs across splits: {near}\n"
        f"- verdict: {'no leakage found' if audit.get('ok') else 'duplicates across splits present (see leakage_audit.json)'}"
    )


def write_run_report(
    run_dir: Path, config: TrainConfig, metrics: dict, val: Any, test: tuple[np.ndarray, np.ndarray]
) -> None:
    images = write_plots(run_dir, config, metrics, test)
    title = f"medlens {config.task} on {metrics.get('data', {}).get('dataset', config.dataset)}: {Path(config.out).name}"
    sections = report_sections(config, metrics)
    sections.insert(3, ("Leakage audit", leakage_text(run_dir / "leakage_audit.json")))
    notes = run_dir / "notes.md"
    if notes.is_file():  # the person running it explains choices and misses in their own words
        sections.insert(len(sections) - 1, ("Notes", notes.read_text().strip()))
    write_report(run_dir, title, sections, images)
