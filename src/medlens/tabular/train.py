"""Train one risk model end to end: load, split, fit, threshold on validation, test metrics with
bootstrap CIs, save ``model.joblib`` + ``card.json``."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from medlens.card import DataInfo, Thresholds, sha256_file
from medlens.tabular.card import TabularCard
from medlens.tabular.experiment import Cohort, RunResult, dedup_view, make_cohort, run_one
from medlens.tabular.io import DATA_LICENSE, DATA_SOURCE, CovidData
from medlens.tabular.split import covid_split

log = logging.getLogger(__name__)
CLASSES = ["negative", "positive"]
_CI_NAMES = {
    "target_sensitivity": "recall", "target_precision": "precision", "target_f1": "f1",
    "target_specificity": "specificity", "target_auroc": "auroc", "target_average_precision": "auprc",
}  # fmt: skip
ENCODINGS = {
    "yes/no columns": "1 = yes, 0 = no (raw 1/2); raw 97/98/99 -> missing -> imputed 0 (no); no missing indicators",
    "SEX": "1 = female, 0 = male (raw 1 = female, 2 = male)",
    "PREGNANT": "not applicable for male patients (-1) -> 0; missing -> 0",
    "AGE": "years, as recorded; missing imputed with the training median",
    "COVID_POSITIVE": "CLASIFFICATION_FINAL 1-3 -> 1, 4-7 -> 0",
    "DEATH": "DATE_DIED '9999-99-99' -> 0, a date -> 1",
    "ICU/INTUBED": "97 -> -1 not applicable (went home), 98/99 -> missing, 1/2 -> 1/0",
}  # fmt: skip


def metrics_with_ci(y: np.ndarray, score: np.ndarray, threshold: float, n_boot: int = 1000, seed: int = 0
                    ) -> dict[str, dict[str, float]]:  # fmt: skip
    """Test metrics at the operating point with 95% percentile bootstrap CIs (+ Brier, no CI)."""
    from medlens.evaluation.bootstrap import summary_with_ci
    from medlens.evaluation.metrics import brier_score

    proba = np.stack([1 - score, score], axis=1)
    s = summary_with_ci(y, proba, CLASSES, target=1, threshold=threshold, n_boot=n_boot, seed=seed)
    out = {new: s[old] for old, new in _CI_NAMES.items()}
    out["brier"] = {"value": float(brier_score(y, score))}
    out["n"] = {"value": len(y)}
    out["prevalence"] = {"value": float(np.mean(y))}
    return out


@dataclass
class TrainOutput:
    run: RunResult
    cohort: Cohort
    card: TabularCard
    directory: Path


def train_and_save(
    data: CovidData,
    out_dir: Path,
    target: str = "death-positive",
    group: str = "all",
    model: str = "lgbm",
    imbalance: str = "class_weight",
    target_recall: float = 0.80,
    max_train_rows: int | None = None,
    seed: int = 0,
    n_boot: int = 1000,
    command: str = "",
    task: str = "covid-death",
) -> TrainOutput:
    import joblib

    from medlens.tabular.targets import get_target

    split = covid_split(data.raw, data.clean, seed=seed)
    t = get_target(target)
    cohort = make_cohort(data.clean, split, t, group)
    run = run_one(cohort, model, imbalance, target_recall, max_train_rows, seed, keep=True)
    y_test = cohort.y["test"]
    assert run.score_test is not None and run.clf is not None
    m = metrics_with_ci(y_test, run.score_test, run.threshold, n_boot, seed)
    yd, sd = dedup_view(y_test, run.score_test, cohort.group["test"])
    md = metrics_with_ci(yd, sd, run.threshold, n_boot, seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    wpath = out_dir / "model.joblib"
    joblib.dump(run.clf, wpath, compress=3)
    card = TabularCard(
        name=f"{task}-{model}", task=task, target=target, description=t.description, model=model,
        imbalance=imbalance, feature_group=group, split_seed=seed, features=list(cohort.features), encoded_features=run.clf.feature_names_out_,
        encodings=ENCODINGS,
        thresholds=Thresholds(
            target_class=t.label, target_recall=target_recall, threshold=run.threshold,
            val_recall=run.val["recall"], val_precision=run.val["precision"],
            val_specificity=run.val["specificity"],
        ),
        metrics=m, metrics_dedup=md,
        data=DataInfo(
            dataset="covid_mexico", source=DATA_SOURCE, license=DATA_LICENSE,
            split=f"profile groups (identical raw rows) kept whole, stratified by DEATH x COVID_POSITIVE, "
            f"70/15/15 rows, seed {seed}; cohort: {t.description}",
            fingerprint=sha256_file(Path(data.source)) if Path(data.source).exists() else "",
            n_train=len(cohort.y["train"]), n_val=len(cohort.y["val"]), n_test=len(y_test),
        ),
        weights_sha256=sha256_file(wpath), training_command=command,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        limitations=[
            "Trained on Mexican government surveillance data (2020-2021); other countries, variants, "
            "vaccination and treatment eras differ.",
            "No patient id: identical rows are treated as one profile group; metrics per unique profile are "
            "in metrics_dedup.",
            "Probabilities of class-weighted / resampled models overstate the base rate; use at_risk.",
            "Screening aid, not a diagnosis.",
        ],
    )  # fmt: skip
    card.save(out_dir)
    log.info("saved %s (threshold %.4f)", out_dir, run.threshold)
    return TrainOutput(run=run, cohort=cohort, card=card, directory=out_dir)


def card_metrics_line(metrics: dict[str, Any]) -> str:
    def f(k: str) -> str:
        v = metrics[k]
        return f"{k} {v['value']:.3f} [{v['ci_low']:.3f}, {v['ci_high']:.3f}]"

    return ", ".join(f(k) for k in ("recall", "precision", "specificity", "f1", "auroc", "auprc"))
