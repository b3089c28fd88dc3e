"""Model card for a tabular risk model (JSON beside ``model.joblib``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from medlens import DISCLAIMER_EN, __version__
from medlens.card import CardError, DataInfo, Thresholds, sha256_file

CARD_FILE = "card.json"


class TabularCard(BaseModel):
    schema_version: int = 1
    kind: str = "tabular"
    name: str
    task: str  # e.g. "covid-death"
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
    metrics: dict[str, Any] = Field(default_factory=dict)  # test, each {value, ci_low, ci_high}
    metrics_dedup: dict[str, Any] = Field(default_factory=dict)
    data: DataInfo
    weights_file: str = "model.joblib"
    weights_sha256: str = ""
    training_command: str = ""
    created: str = ""
    medlens_version: str = __version__
    intended_use: str = (
        "Screening aid that flags COVID-19 patients at higher risk so that they are seen sooner. "
        + DISCLAIMER_EN
    )
    limitations: list[str] = Field(default_factory=list)

    def save(self, directory: Path) -> Path:
        path = Path(directory) / CARD_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n")
        return path

    @classmethod
    def load(cls, directory: Path, verify: bool = True) -> TabularCard:
        directory = Path(directory)
        path = directory / CARD_FILE if directory.is_dir() else directory
        try:
            card = cls.model_validate_json(path.read_text())
        except FileNotFoundError:
            raise CardError(f"{path}: no such tabular model card") from None
        except ValueError as exc:
            raise CardError(f"{path}: invalid tabular model card ({exc})") from exc
        if verify:
            wp = path.parent / card.weights_file
            if not wp.exists():
                raise CardError(f"{wp}: model file named by the card is missing")
            digest = sha256_file(wp)
            if digest != card.weights_sha256:
                raise CardError(
                    f"{wp}: sha256 {digest[:12]}… does not match the card's {card.weights_sha256[:12]}…"
                )
        return card
