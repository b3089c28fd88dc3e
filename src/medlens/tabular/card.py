"""Model card for a tabular risk model (JSON beside ``model.joblib``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from medlens import DISCLAIMER_EN
from medlens.card import BaseCard, Thresholds


class TabularCard(BaseCard):
    kind: Literal["tabular"] = "tabular"
    target: str  # registered target name (medlens.tabular.targets)
    description: str = ""
    model: str  # lr | rf | hgb | lgbm
    imbalance: str
    feature_group: str = "all"
    split_seed: int = 0
    features: list[str]
    encoded_features: list[str] = Field(default_factory=list)
    encodings: dict[str, str] = Field(default_factory=dict)
    thresholds: Thresholds
    metrics_dedup: dict[str, Any] = Field(default_factory=dict)
    weights_file: str = "model.joblib"
    intended_use: str = (
        "Screening aid that flags COVID-19 patients at higher risk so that they are seen sooner. "
        + DISCLAIMER_EN
    )
