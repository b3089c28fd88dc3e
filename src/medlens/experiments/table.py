"""The results table of an experiment: one row per trial from its run folder.

Per trial: test metrics with their 95 % bootstrap CIs (``metrics.json``, written by the run),
params / MACs / ONNX size / latency (:mod:`medlens.experiments.profile`), train time, the paired
difference to the reference trial (:mod:`medlens.experiments.compare`), the seed's own figures and
the trial's state (done / failed / pending: failed trials stay in the table).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medlens.experiments.compare import load_test_predictions, paired_difference
from medlens.experiments.cross import load_cross_scores, paired_cross_auroc, trial_cross_source
from medlens.experiments.profile import architecture_latencies, trial_profile
from medlens.experiments.spec import ExperimentSpec

__all__ = ["TrialRow", "collect_rows", "headline_metrics"]

log = logging.getLogger(__name__)

TARGET_HEADLINE = ("accuracy", "target_sensitivity", "target_precision", "target_f1", "target_auroc")
PLAIN_HEADLINE = ("accuracy", "balanced_accuracy", "f1_macro", "auroc_macro")


@dataclass
class TrialRow:
    name: str
    state: str  # done | failed | pending
    test: dict[str, dict[str, float]] = field(default_factory=dict)
    profile: dict[str, Any] = field(default_factory=dict)
    train_time_s: float | None = None
    n_test: int | None = None
    paired: dict[str, Any] = field(default_factory=dict)
    published: dict[str, float] = field(default_factory=dict)
    error: str = ""
    cross: dict[str, Any] = field(default_factory=dict)  # held-out source: n, metrics (experiments.cross)
    cross_paired: dict[str, float] | None = None  # Δ held-out AUROC vs the reference, paired


def headline_metrics(rows: list[TrialRow]) -> list[str]:
    """The metrics every table shows: screening (target) metrics when the task has a target class."""
    keys = {k for r in rows for k in r.test}
    if "target_sensitivity" in keys:
        return [m for m in TARGET_HEADLINE if m in keys]
    chosen = [m for m in PLAIN_HEADLINE if m in keys]
    return chosen or sorted(keys)[:5]


def _state(run_dir: Path) -> tuple[str, str]:
    if (run_dir / "metrics.json").is_file():
        return "done", ""
    err = run_dir / "error.txt"
    if err.is_file():
        lines = err.read_text().strip().splitlines()
        return "failed", lines[-1] if lines else "error"
    return "pending", ""


def collect_rows(
    spec: ExperimentSpec,
    out: Path,
    paired_metrics: tuple[str, ...] = ("accuracy", "auroc_macro"),
    n_boot: int = 1000,
    profile: bool = True,
) -> list[TrialRow]:
    """One :class:`TrialRow` per trial of ``spec`` (in declaration order) from ``out/trials``."""
    trials_dir = Path(out) / "trials"
    rows: list[TrialRow] = []
    preds: dict[str, Any] = {}
    for trial in spec.trials:
        run_dir = trials_dir / trial.name
        state, error = _state(run_dir)
        row = TrialRow(trial.name, state, published=spec.published.get(trial.name, {}), error=error)
        if state == "done":
            metrics = json.loads((run_dir / "metrics.json").read_text())
            row.test = metrics.get("test", {})
            run = metrics.get("run", {})
            row.train_time_s = run.get("train_time_s")
            row.n_test = run.get("n_test")
            if profile:
                try:
                    row.profile = trial_profile(run_dir)
                except Exception as e:  # a profile failure must not hide the metrics
                    log.warning("profile of %s failed: %s", run_dir, e)
            preds[trial.name] = load_test_predictions(run_dir)
            if spec.cross_source is not None:
                row.cross = _cross(run_dir, spec, Path(out), n_boot)
        rows.append(row)
    if profile:
        _add_latency(rows, trials_dir, Path(out) / "latency.json")
    ref = spec.reference
    if ref and preds.get(ref) is not None:
        for row in rows:
            if row.name != ref and preds.get(row.name) is not None:
                row.paired = paired_difference(preds[row.name], preds[ref], paired_metrics, n_boot=n_boot)
    if ref and spec.cross_source is not None:
        _pair_cross(rows, trials_dir, ref, n_boot)
    return rows


def _add_latency(rows: list[TrialRow], trials_dir: Path, cache: Path) -> None:
    """Each done row's latency: its architecture's, timed once for all trials that share it."""
    done = [r for r in rows if r.state == "done"]
    try:
        per_run = architecture_latencies([trials_dir / r.name for r in done], cache)
        for r in done:
            r.profile.update(per_run[trials_dir / r.name])
    except Exception as e:  # a timing failure must not hide the metrics
        log.warning("latency timing failed: %s", e)


def _cross(run_dir: Path, spec: ExperimentSpec, out: Path, n_boot: int) -> dict[str, Any]:
    assert spec.cross_source is not None
    try:
        return trial_cross_source(run_dir, spec.cross_source, out, n_boot=n_boot)
    except Exception as e:  # a held-out source that cannot be read must not hide the in-source table
        log.warning("cross-source evaluation of %s failed: %s", run_dir, e)
        return {"error": str(e)}


def _pair_cross(rows: list[TrialRow], trials_dir: Path, ref: str, n_boot: int) -> None:
    scores = {r.name: load_cross_scores(trials_dir / r.name) for r in rows if r.cross.get("metrics")}
    ref_scores = scores.get(ref)
    if ref_scores is None:
        return
    for row in rows:
        sc = scores.get(row.name)
        if row.name != ref and sc is not None:
            row.cross_paired = paired_cross_auroc(sc, ref_scores, n_boot=n_boot)
