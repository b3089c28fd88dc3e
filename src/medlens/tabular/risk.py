"""Serving side of a tabular risk model: ``RiskModel.load(dir).predict_one({...})``. Torch-free;
loads a joblib'd :class:`CovidRiskClassifier` checked against its card's sha256."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from medlens.tabular.card import TabularCard
from medlens.tabular.inputs import feature_schema, features_from_dict


@dataclass
class RiskResult:
    probability: float  # model score for the positive class (e.g. death)
    at_risk: bool  # probability >= threshold (the validated operating point)
    threshold: float
    top_factors: list[tuple[str, float]]  # (feature, contribution to the log-odds), largest |.| first

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["top_factors"] = [{"feature": f, "contribution": c} for f, c in self.top_factors]
        return d


def contributions(clf: Any, Xe: np.ndarray) -> np.ndarray | None:
    """Per-encoded-column contributions to the log-odds: SHAP (LightGBM ``pred_contrib``) or
    coefficient x standardised value (logistic regression). None for other models."""
    est = clf.estimator_
    if clf.model == "lgbm":
        return est.booster_.predict(Xe, pred_contrib=True)[:, :-1]
    if clf.model == "lr":
        scaler, lr = est[0], est[-1]
        return scaler.transform(Xe) * lr.coef_[0]
    return None


class RiskModel:
    """A saved tabular risk model and its card."""

    def __init__(self, clf: Any, card: TabularCard):
        self.clf = clf
        self.card = card
        self.threshold = float(card.thresholds.threshold if card.thresholds.threshold is not None else 0.5)

    @classmethod
    def load(cls, directory: str | Path, verify: bool = True) -> RiskModel:
        import joblib

        directory = Path(directory)
        card = TabularCard.load(directory, verify=verify)
        clf = joblib.load(directory / card.weights_file)
        if list(clf.features) != card.features:
            from medlens.card import CardError

            raise CardError(f"{directory}: model features {list(clf.features)} differ from the card's")
        if hasattr(clf.estimator_, "n_jobs"):
            clf.estimator_.set_params(n_jobs=1)  # serving: one request, one thread
        return cls(clf, card)

    @property
    def features(self) -> list[str]:
        return list(self.card.features)

    def feature_schema(self) -> list[dict[str, Any]]:
        return feature_schema(self.features)

    def predict_frame(self, clean: pd.DataFrame) -> np.ndarray:
        return self.clf.decision_score(clean[self.features])

    def predict_one(self, features: dict[str, Any], top_k: int = 5) -> RiskResult:
        X = features_from_dict(features, self.features)
        Xe = self.clf.encoder_.transform(X)
        p = float(self.clf.estimator_.predict_proba(Xe)[0, 1])
        factors: list[tuple[str, float]] = []
        contrib = contributions(self.clf, Xe)
        if contrib is not None:
            per: dict[str, float] = {}
            for src, c in zip(self.clf.encoder_.source_feature(), contrib[0], strict=True):
                per[src] = per.get(src, 0.0) + float(c)
            factors = sorted(per.items(), key=lambda kv: -abs(kv[1]))[:top_k]
        return RiskResult(
            probability=p, at_risk=p >= self.threshold, threshold=self.threshold, top_factors=factors
        )
