"""COVID risk classifiers as scikit-learn estimators: encoder + optional resampling + model.

``CovidRiskClassifier(model="lgbm", imbalance="class_weight")`` follows the estimator
conventions (``__init__`` stores params, fitted attributes end in ``_``, ``fit`` returns self).
Resampling (SMOTE, random undersampling) touches only the training data inside ``fit``.
``max_train_rows`` subsamples (stratified) before fitting, for models too slow on 1M rows.
``n_jobs`` defaults to 1: on 2 cores shared with other jobs, OpenMP threads of LightGBM spin-wait
and run several times slower than one thread (the benchmark measures n_jobs=2 separately).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from threadpoolctl import threadpool_limits

from medlens.tabular.encoder import TabularEncoder

MODELS = ("lr", "rf", "hgb", "lgbm")
IMBALANCE = ("none", "class_weight", "smote", "undersample")


def _make_model(name: str, balanced: bool, seed: int, n_jobs: int):
    cw = "balanced" if balanced else None
    if name == "lr":
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=500, class_weight=cw))
    if name == "rf":
        from sklearn.ensemble import RandomForestClassifier

        return RandomForestClassifier(
            n_estimators=100, min_samples_leaf=20, max_features="sqrt", class_weight=cw, n_jobs=n_jobs,
            random_state=seed,
        )  # fmt: skip
    if name == "hgb":
        from sklearn.ensemble import HistGradientBoostingClassifier

        return HistGradientBoostingClassifier(
            max_iter=300,
            learning_rate=0.05,
            max_leaf_nodes=7,
            early_stopping=False,
            class_weight=cw,
            random_state=seed,
        )
    if name == "lgbm":
        from lightgbm import LGBMClassifier

        return LGBMClassifier(
            n_estimators=300, learning_rate=0.05, num_leaves=7, min_child_samples=100, class_weight=cw,
            n_jobs=n_jobs, random_state=seed,
            verbose=-1,
        )  # fmt: skip
    raise ValueError(f"unknown model {name!r}; valid: {MODELS}")


DEDUP_MIN_ROWS = 20_000


def pack_rows(Xe: np.ndarray) -> np.ndarray | None:
    """One int64 key per row when every column holds small non-negative integers (mixed radix);
    None when the rows are not discrete or the key space exceeds 2**62."""
    if Xe.size == 0:
        return None
    lo, hi = Xe.min(axis=0), Xe.max(axis=0)
    if (lo < 0).any() or not np.array_equal(Xe, np.floor(Xe)):
        return None
    radices = [int(h) + 1 for h in hi]
    total = 1
    for r in radices:
        total *= r
    if total >= 2**62:
        return None
    keys = np.zeros(len(Xe), dtype=np.int64)
    for j, r in enumerate(radices):
        if r > 1:
            keys = keys * r + Xe[:, j].astype(np.int64)
    return keys


def stratified_subsample(y: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of a class-stratified random subsample of size about n (all rows if n >= len(y))."""
    if n >= len(y):
        return np.arange(len(y))
    idx = []
    for c in np.unique(y):
        ids = np.flatnonzero(y == c)
        k = max(1, round(n * ids.size / len(y)))
        idx.append(rng.choice(ids, size=k, replace=False))
    return np.sort(np.concatenate(idx))


class CovidRiskClassifier(ClassifierMixin, BaseEstimator):
    """Binary risk classifier over a clean COVID frame."""

    def __init__(
        self,
        features: tuple[str, ...] | list[str] = (),
        model: str = "lgbm",
        imbalance: str = "class_weight",
        max_train_rows: int | None = None,
        random_state: int = 0,
        n_jobs: int = 1,
        missing_indicators: bool = False,
    ):
        self.features = features
        self.model = model
        self.imbalance = imbalance
        self.max_train_rows = max_train_rows
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.missing_indicators = missing_indicators

    def fit(self, X: pd.DataFrame, y) -> CovidRiskClassifier:
        if self.imbalance not in IMBALANCE:
            raise ValueError(f"unknown imbalance strategy {self.imbalance!r}; valid: {IMBALANCE}")
        y = np.asarray(y).astype(np.int64)
        rng = np.random.default_rng(self.random_state)
        self.classes_ = np.unique(y)
        if self.classes_.size != 2:
            raise ValueError(f"need two classes in y, got {self.classes_}")
        if self.max_train_rows:
            keep = stratified_subsample(y, self.max_train_rows, rng)
            X, y = X.iloc[keep], y[keep]
        self.encoder_ = TabularEncoder(list(self.features), self.missing_indicators).fit(X)
        Xe = self.encoder_.transform(X)
        seed = int(rng.integers(2**31 - 1))
        if self.imbalance == "smote":
            from imblearn.over_sampling import SMOTE

            Xe, y = SMOTE(random_state=seed).fit_resample(Xe, y)
        elif self.imbalance == "undersample":
            from imblearn.under_sampling import RandomUnderSampler

            Xe, y = RandomUnderSampler(random_state=seed).fit_resample(Xe, y)
        self.n_train_rows_ = len(y)
        self.estimator_ = _make_model(self.model, self.imbalance == "class_weight", seed, self.n_jobs)
        with threadpool_limits(self.n_jobs):  # HistGradientBoosting / BLAS: OpenMP threads
            self.estimator_.fit(Xe, y)
        self.feature_names_out_ = list(self.encoder_.get_feature_names_out())
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Class probabilities. Rows are discrete (integer codes), so large batches for tree models
        are scored once per distinct encoded row and scattered back: exact, and several times
        faster on this data (1M rows hold about 45k distinct patient-feature rows)."""
        Xe = self.encoder_.transform(X)
        keys = (
            pack_rows(Xe) if len(Xe) >= DEDUP_MIN_ROWS and self.model != "lr" else None
        )  # LR: cheaper direct
        with threadpool_limits(self.n_jobs):
            if keys is None:
                return self.estimator_.predict_proba(Xe)
            _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
            return self.estimator_.predict_proba(Xe[first])[inverse]

    def decision_score(self, X: pd.DataFrame) -> np.ndarray:
        """Positive-class probability (1-D)."""
        return self.predict_proba(X)[:, 1]

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return (self.decision_score(X) >= 0.5).astype(np.int64)
