"""Subgroup check of a tabular risk model: its test split (rebuilt as ``medlens tabular evaluate`` does)
per sex and age band, at the card's threshold."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from medlens.evaluation.subgroups import age_bands, subgroup_metrics, subsample

log = logging.getLogger(__name__)


def sex_names(female: np.ndarray) -> np.ndarray:
    """The clean frame's ``SEX`` (1 = female, 0 = male) as ``female`` / ``male``."""
    return np.where(np.asarray(female) == 1, "female", "male").astype(object)


def tabular_subgroups(
    model: Path,
    data: Path | None = None,
    limit: int | None = None,
    min_n: int = 30,
    min_class: int = 10,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Subgroup metrics of the risk model at ``model`` on its test cohort (same seed and cohort as its card)."""
    from medlens.tabular.experiment import make_cohort
    from medlens.tabular.io import load_covid
    from medlens.tabular.risk import RiskModel
    from medlens.tabular.split import covid_split
    from medlens.tabular.targets import get_target

    rm = RiskModel.load(model)
    d = load_covid(data)
    split = covid_split(d.raw, d.clean, seed=rm.card.split_seed)
    target = get_target(rm.card.target)
    cohort = make_cohort(d.clean, split, target, rm.card.feature_group)
    X, y = cohort.X["test"], cohort.y["test"]
    rows = subsample(list(range(len(y))), limit, seed)
    X, y = X.iloc[rows], y[rows]
    score = rm.predict_frame(X)
    frame = d.clean.loc[X.index]
    groups = {"sex": sex_names(frame["SEX"].to_numpy()), "age": age_bands(frame["AGE"].to_numpy())}
    label = rm.card.thresholds.target_class or target.label
    classes = [f"no {label}", label]
    proba = np.stack([1.0 - score, score], axis=1)
    log.info("%s: %d test rows of cohort %s", rm.card.name, len(y), target.description)
    attributes = {
        name: subgroup_metrics(
            y,
            proba,
            g,
            classes,
            label,
            rm.threshold,
            min_n=min_n,
            min_class=min_class,
            n_boot=n_boot,
            seed=seed,
        )
        for name, g in groups.items()
    }
    n_all = len(cohort.y["test"])
    return {
        "model": rm.card.name,
        "task": rm.card.task,
        "test_set": "card",
        "data": f"{rm.card.data.dataset} test split, cohort: {target.description} ({n_all:,} rows)"
        + (f", {len(y):,} drawn (seed {seed})" if len(y) < n_all else ""),
        "role": "in-source",
        "n": len(y),
        "n_target": int(y.sum()),
        "target": label,
        "threshold": rm.threshold,
        "min_n": min_n,
        "min_class": min_class,
        "n_boot": n_boot,
        "seed": seed,
        "attributes": attributes,
        "model_inputs": [a for a, col in (("sex", "SEX"), ("age", "AGE")) if col in rm.features],
    }
