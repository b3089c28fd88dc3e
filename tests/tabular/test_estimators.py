"""Estimator conventions, every model x imbalance strategy, and the validation operating point."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from medlens.evaluation.operating import metrics_at_threshold
from medlens.tabular.encoder import TabularEncoder
from medlens.tabular.estimators import IMBALANCE, MODELS, CovidRiskClassifier
from medlens.tabular.experiment import make_cohort, run_one
from medlens.tabular.split import covid_split
from medlens.tabular.targets import FEATURE_GROUPS, TARGETS, get_target


@pytest.fixture(scope="module")
def cohort(covid_small):
    split = covid_split(covid_small.raw, covid_small.clean, seed=0)
    return make_cohort(covid_small.clean, split, get_target("death-all"), "all")


def test_sklearn_conventions(cohort) -> None:
    clf = CovidRiskClassifier(cohort.features, "lr", "class_weight", random_state=1)
    assert clf.get_params()["model"] == "lr"
    assert not hasattr(clf, "estimator_")
    assert clf.fit(cohort.X["train"], cohort.y["train"]) is clf
    assert hasattr(clf, "encoder_") and hasattr(clf, "classes_")
    c2 = clone(clf)
    assert c2.get_params() == clf.get_params() and not hasattr(c2, "estimator_")
    p = clf.predict_proba(cohort.X["val"])
    assert p.shape == (len(cohort.X["val"]), 2) and np.allclose(p.sum(1), 1)


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("imbalance", IMBALANCE)
def test_every_model_and_strategy_learns(cohort, model: str, imbalance: str) -> None:
    n = 3000 if model == "rf" else len(cohort.y["train"])
    r = run_one(cohort, model, imbalance, target_recall=0.8, max_train_rows=n)
    assert r.test["auroc"] > 0.75  # synthetic death depends on age and pneumonia
    assert r.val["recall"] >= 0.8
    if imbalance == "undersample":
        assert r.n_train_rows < n
    if imbalance == "smote":
        assert r.n_train_rows > n


def test_threshold_meets_recall_target_on_validation(cohort) -> None:
    for target in (0.8, 0.9):
        r = run_one(cohort, "lgbm", "none", target_recall=target, keep=True)
        again = metrics_at_threshold(cohort.y["val"], r.score_val, r.threshold)
        assert again.recall >= target and abs(again.precision - r.val["precision"]) < 1e-12


def test_subsample_and_bad_params(cohort) -> None:
    clf = CovidRiskClassifier(cohort.features, "lr", "none", max_train_rows=500).fit(
        cohort.X["train"], cohort.y["train"]
    )
    assert abs(clf.n_train_rows_ - 500) <= 2
    with pytest.raises(ValueError, match="unknown imbalance"):
        CovidRiskClassifier(cohort.features, "lr", "oversample").fit(cohort.X["train"], cohort.y["train"])
    with pytest.raises(ValueError, match="unknown model"):
        CovidRiskClassifier(cohort.features, "svm", "none").fit(cohort.X["train"], cohort.y["train"])


def test_encoder_imputes_and_optionally_flags_missing(covid_small) -> None:
    X = covid_small.clean[["AGE", "PREGNANT", "DIABETES"]]
    e = TabularEncoder(["AGE", "PREGNANT", "DIABETES"]).fit(X)
    Z = e.transform(X)
    assert not np.isnan(Z).any() and Z.shape == (len(X), 3) and set(np.unique(Z[:, 1])) <= {0.0, 1.0}
    e2 = TabularEncoder(["AGE", "PREGNANT", "DIABETES"], missing_indicators=True).fit(X)
    assert list(e2.get_feature_names_out()) == [
        "AGE",
        "PREGNANT",
        "DIABETES",
        "PREGNANT__missing",
        "DIABETES__missing",
    ]


def test_encoder_one_hot_for_medical_unit(covid_small) -> None:
    X = covid_small.clean[["AGE", "MEDICAL_UNIT"]]
    e = TabularEncoder(["AGE", "MEDICAL_UNIT"]).fit(X.iloc[:2000])
    Z = e.transform(X)
    assert Z.shape[1] == 1 + len(e.categories_["MEDICAL_UNIT"])
    assert np.allclose(Z[:, 1:].sum(1), 1) and e.source_feature()[1:] == ["MEDICAL_UNIT"] * (Z.shape[1] - 1)


def test_targets_exclude_leaking_features() -> None:
    for name in TARGETS.names():
        t = get_target(name)
        feats = t.features("all")
        assert t.label not in feats
        assert not {"ICU", "INTUBED", "HOSPITALISED", "DEATH", "DATE_DIED", "USMER", "MEDICAL_UNIT"} & set(
            feats
        )
    assert (
        "COVID_POSITIVE" in get_target("death-all").features()
        and "COVID_POSITIVE" not in get_target("death-positive").features()
    )
    assert get_target("death-positive").features("lung") == list(FEATURE_GROUPS["lung"])
    assert "MEDICAL_UNIT" in get_target("death-positive").features("all_with_unit")
    with pytest.raises(ValueError, match="unknown feature group"):
        get_target("icu").features("nope")


def test_cohorts(covid_small) -> None:
    c = covid_small.clean
    icu_rows = get_target("icu").select(c)
    assert (c["HOSPITALISED"].to_numpy()[icu_rows] == 1).all() and (
        c["COVID_POSITIVE"].to_numpy()[icu_rows] == 1
    ).all()
    assert np.isin(c["ICU"].to_numpy()[icu_rows], (0, 1)).all()
    assert len(get_target("death-positive").select(c)) == int(c["COVID_POSITIVE"].sum())


def test_dedup_scoring_is_exact(cohort) -> None:
    from medlens.tabular import estimators

    clf = CovidRiskClassifier(cohort.features, "lgbm", "none").fit(cohort.X["train"], cohort.y["train"])
    X = cohort.X["train"]
    direct = clf.estimator_.predict_proba(clf.encoder_.transform(X))
    old = estimators.DEDUP_MIN_ROWS
    estimators.DEDUP_MIN_ROWS = 1
    try:
        cached = clf.predict_proba(X)
    finally:
        estimators.DEDUP_MIN_ROWS = old
    assert np.array_equal(direct, cached)
    keys = estimators.pack_rows(clf.encoder_.transform(X))
    assert keys is not None and np.unique(keys).size == len(np.unique(clf.encoder_.transform(X), axis=0))
    assert estimators.pack_rows(np.array([[0.5, 1.0]], dtype=np.float32)) is None
