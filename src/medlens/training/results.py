"""From val/test logits to ``metrics.json``, plots and the report of a run folder."""

from __future__ import annotations

import json
import logging
import platform
from pathlib import Path
from typing import Any

import numpy as np
import torch

from medlens.data.catalog import data_source
from medlens.evaluation.bootstrap import bootstrap_ci, summary_with_ci
from medlens.evaluation.calibration import fit_temperature, softmax
from medlens.evaluation.metrics import expected_calibration_error, grade_mae
from medlens.evaluation.operating import metrics_at_threshold, threshold_for_recall
from medlens.evaluation.summary import classification_summary
from medlens.serving.latency import cpu_name
from medlens.tasks import get_task
from medlens.training.config import TrainConfig
from medlens.training.report import write_run_report

log = logging.getLogger(__name__)


def energy(logits: np.ndarray) -> np.ndarray:
    """Energy OOD score ``-logsumexp(logits)`` (raw logits, T=1): higher = more unusual."""
    z = np.asarray(logits, dtype=np.float64)
    m = z.max(axis=1, keepdims=True)
    return -(m[:, 0] + np.log(np.exp(z - m).sum(axis=1)))


def hardware() -> dict[str, Any]:
    info: dict[str, Any] = {
        "machine": platform.machine(),
        "processor": cpu_name(),
        "cpu_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "device": "cuda" if torch.cuda.is_available() else "cpu",
    }
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def _single_head(
    config: TrainConfig, val: tuple[np.ndarray, np.ndarray], test: tuple[np.ndarray, np.ndarray]
) -> dict:
    spec = get_task(config.task)
    (vl, vy), (tl, ty) = val, test
    T = fit_temperature(vl, vy)
    vp, tp = softmax(vl, T), softmax(tl, T)
    out: dict[str, Any] = {
        "test": summary_with_ci(ty, tp, config.classes, target=spec.target, n_boot=config.n_boot, seed=0),
        "test_point": classification_summary(ty, tp, config.classes, target=spec.target),
        "val_point": classification_summary(vy, vp, config.classes, target=spec.target),
        "temperature": T,
        "ece_before": expected_calibration_error(ty, softmax(tl)),
        "ece_after": expected_calibration_error(ty, tp),
    }
    if spec.target is not None:
        t = spec.target_index
        op = threshold_for_recall(
            (vy == t).astype(int), vp[:, t], float(config.target_recall or spec.target_recall)
        )
        test_op = metrics_at_threshold((ty == t).astype(int), tp[:, t], op.threshold)
        out["operating_point"] = {
            "target_class": spec.target,
            "target_recall": config.target_recall,
            "threshold": op.threshold,
            "val_recall": op.recall,
            "val_precision": op.precision,
            "val_specificity": op.specificity,
            "test_recall": test_op.recall,
            "test_precision": test_op.precision,
            "test_specificity": test_op.specificity,
        }
    return out


def _per_head(
    config: TrainConfig, val: tuple[np.ndarray, np.ndarray], test: tuple[np.ndarray, np.ndarray]
) -> dict:
    """Metrics of each head of the task's label schema (softmax or CORN probabilities); ordinal heads
    add quadratic-weighted kappa and the mean absolute error in grades."""
    schema = get_task(config.task).schema
    logits, y = test
    y = y[:, None] if y.ndim == 1 else y
    probs = schema.probabilities(logits)
    out: dict[str, Any] = {"test": {}, "temperature": 1.0, "heads": {}}
    for i, head in enumerate(schema.heads):
        keep = y[:, i] >= 0
        yi, pi = y[keep, i], probs[head.name][keep]
        res = summary_with_ci(yi, pi, list(head.classes), n_boot=config.n_boot, seed=0)
        if head.ordinal:
            value, lo, hi = bootstrap_ci(
                lambda a, b: grade_mae(a, b.argmax(1)), yi, pi, n_boot=config.n_boot, seed=0
            )
            res["grade_mae"] = {"value": value, "ci_low": lo, "ci_high": hi}
        out["heads"][head.name] = res
    for name in ("accuracy", "kappa_quadratic", "auroc_macro", "grade_mae"):
        values = [h[name]["value"] for h in out["heads"].values() if name in h]
        if values:
            out["test"][f"mean_{name}"] = {
                "value": float(np.nanmean(values)),
                "ci_low": float("nan"),
                "ci_high": float("nan"),
            }
    return out


def write_results(
    run_dir: Path,
    config: TrainConfig,
    val: tuple[np.ndarray, np.ndarray],
    test: tuple[np.ndarray, np.ndarray],
    tta: list[str],
    extra: dict[str, Any],
) -> dict[str, Any]:
    """Write ``metrics.json`` (keeping training-time facts of an earlier write), plots and report."""
    run_dir = Path(run_dir)
    path = run_dir / "metrics.json"
    previous = json.loads(path.read_text()) if path.is_file() else {}
    run_info = {**previous.get("run", {}), **extra}
    plain = get_task(config.task).schema.plain
    metrics = _single_head(config, val, test) if plain else _per_head(config, val, test)
    metrics["tta"] = list(tta)
    metrics["ood"] = {
        "method": "energy",
        "definition": "-logsumexp(logits), raw logits",
        "threshold": float(np.percentile(energy(val[0]), 99)),
        "percentile": 99,
    }
    wall = run_info.get("process_wall_time_s")
    metrics["wall_time_s"] = float(wall) if wall is not None else None
    metrics["hardware"] = hardware()
    metrics["data"] = {
        "dataset": config.dataset,
        "root": config.data_root,
        **data_source(config.data_root, config.dataset),
    }
    metrics["run"] = run_info
    path.write_text(json.dumps(metrics, indent=1, default=float))
    try:
        write_run_report(run_dir, config, metrics, val, test)
    except Exception:  # a plotting/report failure must not lose the metrics
        log.exception("report for %s failed; metrics.json is written", run_dir)
    return metrics
