"""Fit / choose threshold on validation / score test: the pieces the report script and CLI share."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from medlens.tabular.estimators import CovidRiskClassifier
from medlens.tabular.split import GroupSplit
from medlens.tabular.targets import Target

log = logging.getLogger(__name__)


@dataclass
class Cohort:
    """One target's cohort cut into train/val/test (row positions into the clean frame)."""

    target: Target
    features: list[str]
    X: dict[str, pd.DataFrame]
    y: dict[str, np.ndarray]
    group: dict[str, np.ndarray]


def make_cohort(clean: pd.DataFrame, split: GroupSplit, target: Target, group: str = "all") -> Cohort:
    rows = target.select(clean)
    feats = target.features(group)
    X, y, g = {}, {}, {}
    for name in ("train", "val", "test"):
        idx = np.intersect1d(rows, split.indices(name), assume_unique=True)
        X[name] = clean.iloc[idx][feats]
        y[name] = clean[target.label].to_numpy()[idx].astype(np.int64)
        g[name] = split.group[idx]
    return Cohort(target, feats, X, y, g)


def dedup_view(y: np.ndarray, score: np.ndarray, group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One row per profile group (identical rows have identical features, label and score)."""
    _, first = np.unique(group, return_index=True)
    return y[first], score[first]


@dataclass
class RunResult:
    name: str
    model: str
    imbalance: str
    n_train_rows: int
    fit_s: float
    predict_rows_per_s: float
    threshold: float
    val: dict[str, float]
    test: dict[str, float]
    test_dedup: dict[str, float]
    clf: CovidRiskClassifier | None = field(default=None, repr=False)
    score_test: np.ndarray | None = field(default=None, repr=False)
    score_val: np.ndarray | None = field(default=None, repr=False)

    def row(self) -> dict[str, object]:
        return {
            "model": self.model, "imbalance": self.imbalance, "train_rows": self.n_train_rows,
            "fit_s": round(self.fit_s, 1), "threshold": round(self.threshold, 4),
            "val_recall": self.val["recall"], "val_precision": self.val["precision"],
            "test_recall": self.test["recall"], "test_precision": self.test["precision"],
            "test_specificity": self.test["specificity"], "test_f1": self.test["f1"],
            "test_auroc": self.test["auroc"], "test_auprc": self.test["auprc"], "test_brier": self.test["brier"],
            "dedup_recall": self.test_dedup["recall"], "dedup_precision": self.test_dedup["precision"],
            "dedup_auroc": self.test_dedup["auroc"],
        }  # fmt: skip


def point_metrics(y: np.ndarray, score: np.ndarray, threshold: float) -> dict[str, float]:
    from medlens.evaluation.metrics import average_precision, brier_score, roc_auc
    from medlens.evaluation.operating import metrics_at_threshold

    op = metrics_at_threshold(y, score, threshold)
    return {
        "recall": op.recall, "precision": op.precision, "specificity": op.specificity, "f1": op.f1,
        "auroc": float(roc_auc(y, score)), "auprc": float(average_precision(y, score)),
        "brier": float(brier_score(y, score)), "prevalence": float(np.mean(y)), "n": len(y),
    }  # fmt: skip


def run_one(
    cohort: Cohort,
    model: str,
    imbalance: str,
    target_recall: float = 0.80,
    max_train_rows: int | None = None,
    seed: int = 0,
    keep: bool = False,
) -> RunResult:
    """Fit on train, pick the threshold on validation (recall >= target, best precision), score test."""
    from medlens.evaluation.operating import threshold_for_recall

    clf = CovidRiskClassifier(cohort.features, model, imbalance, max_train_rows, seed)
    t0 = time.perf_counter()
    clf.fit(cohort.X["train"], cohort.y["train"])
    fit_s = time.perf_counter() - t0
    s_val = clf.decision_score(cohort.X["val"])
    t0 = time.perf_counter()
    s_test = clf.decision_score(cohort.X["test"])
    rate = len(s_test) / max(time.perf_counter() - t0, 1e-9)
    op = threshold_for_recall(cohort.y["val"], s_val, target_recall)
    yd, sd = dedup_view(cohort.y["test"], s_test, cohort.group["test"])
    res = RunResult(
        name=f"{model}+{imbalance}", model=model, imbalance=imbalance, n_train_rows=clf.n_train_rows_,
        fit_s=fit_s, predict_rows_per_s=rate, threshold=op.threshold,
        val=op.to_dict() | {"brier": float(np.mean((s_val - cohort.y["val"]) ** 2))},
        test=point_metrics(cohort.y["test"], s_test, op.threshold),
        test_dedup=point_metrics(yd, sd, op.threshold),
    )  # fmt: skip
    if keep:
        res.clf, res.score_test, res.score_val = clf, s_test, s_val
    log.info(
        "%s %s: fit %.1fs, val recall %.3f prec %.3f | test recall %.3f prec %.3f auroc %.4f",
        cohort.target.name, res.name, fit_s, op.recall, op.precision, res.test["recall"],
        res.test["precision"], res.test["auroc"],
    )  # fmt: skip
    return res
