"""Learning from corrections, the web side: the confirmed-case dataset of a model (from clinicians'
verdicts) and the retrain job (``medlens retrain run`` in a child process, so the web process never
imports torch; the job registers its candidate in the model registry when it finishes).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from medlens.config import Settings
from medlens.db import Case, User
from medlens.retrain.dataset import (
    ConfirmedCase,
    DatasetError,
    DatasetVersion,
    confirmed_label,
    write_dataset,
)
from medlens.web.errors import AppError
from medlens.web.services import audit
from medlens.web.services.storage import ImageStore
from medlens.web.services.users import require_role

log = logging.getLogger(__name__)

LOG_TAIL_CHARS = 2000


def datasets_root(settings: Settings) -> Path:
    return Path(settings.data_dir) / "datasets"


def registry_root(settings: Settings) -> Path:
    return Path(settings.data_dir) / "registry"


def confirmed_cases(
    db: Session, store: ImageStore, model: str, task: str, classes: list[str]
) -> list[ConfirmedCase]:
    """Cases the model scored that a clinician confirmed (agree or correct; *cannot assess* left out),
    whose image is still stored (an erased case is gone)."""
    rows = db.scalars(
        select(Case)
        .where(Case.model_name == model, Case.task == task, Case.feedback_label.is_not(None))
        .order_by(Case.id)
    )
    out = []
    for row in rows:
        label = confirmed_label(row.predicted_label, row.feedback_label, classes)
        if label is None:
            continue
        try:
            suffix = store.suffix(row.image_sha256)
        except FileNotFoundError:
            continue
        out.append(ConfirmedCase(row.id, row.image_sha256, suffix, label))
    return out


def build_dataset(
    db: Session, user: User | None, store: ImageStore, settings: Settings, card: Any
) -> DatasetVersion:
    """Write (or reuse, when unchanged) the next version of the model's confirmed-case dataset; audited.
    422 when no case is confirmed yet."""
    if user is not None:
        require_role(user, "admin")
    cases = confirmed_cases(db, store, card.name, card.task, list(card.classes))
    try:
        ds = write_dataset(datasets_root(settings), card.name, card.task, card.classes, cases, store.read)
    except DatasetError as exc:
        raise AppError(422, "error.no_confirmed_cases", model=card.name) from exc
    audit.record(
        db, user, "model_dataset", detail=f"model={card.name} dataset={ds.version} images={ds.n_images}"
    )
    db.commit()
    return ds


def torch_available() -> bool:
    """Whether this install can train (torch importable), checked without importing it."""
    return importlib.util.find_spec("torch") is not None


def retrain_command(model: str) -> str:
    """The CLI command an admin runs where the web install cannot train."""
    return f"medlens retrain run --model {model} --compare"


@dataclass
class Job:
    model: str
    process: subprocess.Popen[bytes]
    log_path: Path
    log_file: IO[bytes]

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def tail(self) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return text[-LOG_TAIL_CHARS:]


class RetrainJobs:
    """At most one retrain job per model in this process (``medlens retrain run`` as a child process)."""

    def __init__(self, settings: Settings, extra_args: tuple[str, ...] = ()) -> None:
        self.settings = settings
        self.extra_args = extra_args  # e.g. ("--train-arg=--epochs=1",) for a quick run
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def get(self, model: str) -> Job | None:
        return self._jobs.get(model)

    def status(self, model: str) -> dict[str, Any] | None:
        job = self._jobs.get(model)
        if job is None:
            return None
        if not job.running and not job.log_file.closed:
            job.log_file.close()
        return {"running": job.running, "returncode": job.process.poll(), "log": job.tail()}

    def start(self, db: Session, user: User, card: Any) -> Job:
        """Start retraining the served model of ``card`` (409 when a job for it is running, this install
        cannot train, or the model cannot be retrained from verdicts: several heads, or no ``medlens
        train`` command in its card to re-run)."""
        require_role(user, "admin")
        model = card.name
        if card.heads or not card.training_command.startswith("medlens train "):
            raise AppError(409, "error.retrain_unsupported", model=model)
        if not torch_available():
            raise AppError(409, "error.retrain_no_torch", command=retrain_command(model))
        with self._lock:
            job = self._jobs.get(model)
            if job is not None and job.running:
                raise AppError(409, "error.retrain_running", model=model)
            log_dir = registry_root(self.settings) / model
            log_dir.mkdir(parents=True, exist_ok=True)
            log_path = log_dir / "retrain.log"
            log_file = log_path.open("wb")
            env = {
                **os.environ,
                "MEDLENS_DATABASE_URL": self.settings.database_url,
                "MEDLENS_DATA_DIR": str(self.settings.data_dir),
                "MEDLENS_MODELS_DIR": str(self.settings.models_dir),
            }
            argv = [sys.executable, "-m", "medlens.cli.main", "retrain", "run", "--model", model]
            argv += ["--by-user", str(user.id), *self.extra_args]
            process = subprocess.Popen(argv, stdout=log_file, stderr=subprocess.STDOUT, env=env)
            job = Job(model, process, log_path, log_file)
            self._jobs[model] = job
        audit.record(db, user, "model_retrain", detail=f"model={model} pid={process.pid}")
        db.commit()
        return job

    def stop_all(self) -> None:
        """Stop the running jobs (app shutdown)."""
        for job in self._jobs.values():
            if job.running:
                job.process.terminate()
            job.log_file.close()
