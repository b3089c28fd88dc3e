"""Everything the app builds once at startup (lifespan) and shares between requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from medlens.config import Settings
from medlens.web.services.care import CareDirectory
from medlens.web.services.decode_budget import DecodeBudget
from medlens.web.services.mailer import Mailer
from medlens.web.services.retrain import RetrainJobs
from medlens.web.services.storage import ImageStore


class PredictorLike(Protocol):
    """What the web needs from ``medlens.serving.Predictor``."""

    card: Any

    def predict(self, image: Any, cam: bool = False) -> Any: ...


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    store: ImageStore
    care: CareDirectory
    predictors: dict[str, PredictorLike] = field(default_factory=dict)  # task name -> predictor
    risk_model: Any | None = None  # medlens.tabular.RiskModel (COVID-19 death risk) when installed
    decode_budget: DecodeBudget | None = None  # bounds the memory of concurrent decodes
    mailer: Mailer | None = None  # e-mail notices (disabled without MEDLENS_SMTP_HOST)
    enrich_queue: Any | None = None  # medlens.web.services.work_queue.EnrichQueue (after-upload work)
    retrain_jobs: RetrainJobs | None = None  # retrain runs (child processes), one per model
