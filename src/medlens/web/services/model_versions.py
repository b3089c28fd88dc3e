"""The model registry: versions of each served image model, compare, promote and roll back (audited).

The served model of a task lives in ``AppState.predictors``; promote and roll back load the new
bundle first (a bundle that does not load changes nothing), then, under the state's model lock, commit
the registry change and swap the predictor in the running app: the next prediction uses it, with no
restart. At start-up :func:`apply_active` serves each model's active registry version.

Statuses: ``candidate`` -> ``active`` (promote; the active one becomes ``retired``) and back
(roll back: the active one becomes ``rolled_back``, the version it replaced is ``active`` again).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from medlens.card import CardError, ModelCard, load_card
from medlens.db import ModelVersion, User
from medlens.db.tables import utcnow
from medlens.web.errors import AppError
from medlens.web.services import audit
from medlens.web.services.periodic import PeriodicThread
from medlens.web.services.users import require_role

log = logging.getLogger(__name__)

MODEL_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"  # a card name in a URL path
HEADLINE = ("accuracy", "auroc_macro", "target_auroc", "target_sensitivity", "target_specificity")
_LOCK = threading.Lock()  # registry writes that swap a served model (one at a time per process)


def card_metrics(card: Any) -> dict[str, Any]:
    """The card's headline test metrics (``{name: {value, ci_low, ci_high}}``) kept with the version."""
    test = (card.metrics or {}).get("test", {})
    return {k: test[k] for k in HEADLINE if isinstance(test.get(k), dict)}


def _audit_detail(row: ModelVersion, extra: str = "") -> str:
    return f"model={row.model} version={row.version}" + (f" {extra}" if extra else "")


def versions(db: Session, model: str | None = None) -> list[ModelVersion]:
    q = select(ModelVersion).order_by(ModelVersion.model, ModelVersion.version.desc())
    if model is not None:
        q = q.where(ModelVersion.model == model)
    return list(db.scalars(q))


def get_version(db: Session, model: str, version: int) -> ModelVersion:
    row = db.scalar(select(ModelVersion).where(ModelVersion.model == model, ModelVersion.version == version))
    if row is None:
        raise AppError(404, "error.model_version_unknown", model=model, version=version)
    return row


def active(db: Session, model: str) -> ModelVersion | None:
    return db.scalar(select(ModelVersion).where(ModelVersion.model == model, ModelVersion.status == "active"))


def next_version(db: Session, model: str) -> int:
    return int(db.scalar(select(func.max(ModelVersion.version)).where(ModelVersion.model == model)) or 0) + 1


def ensure_baseline(db: Session, card: ModelCard) -> ModelVersion:
    """The model's active version, registering the served bundle as version 1 when the registry has
    none for it yet (not audited: nothing changes in what is served)."""
    row = active(db, card.name)
    if row is not None:
        return row
    row = db.scalar(select(ModelVersion).where(ModelVersion.model == card.name).limit(1))
    if row is not None:  # versions but none active: should not happen; serve nothing new
        raise AppError(409, "error.model_no_active", model=card.name)
    row = ModelVersion(
        model=card.name,
        task=card.task,
        version=1,
        card_version=card.version,
        bundle_dir=str(card.directory),
        weights_sha256=card.weights_sha256,
        status="active",
        metrics=card_metrics(card),
        dataset_sha256="",
    )
    db.add(row)
    try:
        db.commit()
    except IntegrityError:  # another request registered it at the same moment
        db.rollback()
        found = active(db, card.name)
        if found is None:
            raise
        return found
    return row


def served_models(db: Session, user: User, predictors: dict[str, Any]) -> dict[str, list[ModelVersion]]:
    """Admins only: every served image model (by name) with its versions, newest first."""
    require_role(user, "admin")
    out: dict[str, list[ModelVersion]] = {}
    for predictor in predictors.values():
        card = predictor.card
        if not isinstance(card, ModelCard):
            continue
        ensure_baseline(db, card)
        out[card.name] = versions(db, card.name)
    return out


def make_predictor(card: ModelCard) -> Any:
    """A Predictor for an image model card (what promote and roll back swap in)."""
    from medlens.serving import Predictor

    return Predictor.from_card(card)


def model_task(predictors: dict[str, Any], model: str) -> str:
    """The task served by the model named ``model`` (404 when no served model has that name)."""
    for task, predictor in predictors.items():
        if getattr(predictor.card, "name", None) == model:
            return task
    raise AppError(404, "error.model_unknown", model=model)


def register_candidate(
    db: Session,
    user: User | None,
    card: ModelCard,
    version: int,
    parent_version: int | None,
    dataset_version: int | None,
    dataset_sha256: str = "",
) -> ModelVersion:
    """Add a trained bundle as a ``candidate`` (not served); audited."""
    row = ModelVersion(
        model=card.name,
        task=card.task,
        version=version,
        card_version=card.version,
        bundle_dir=str(card.directory),
        weights_sha256=card.weights_sha256,
        status="candidate",
        parent_version=parent_version,
        dataset_version=dataset_version,
        dataset_sha256=dataset_sha256,
        metrics=card_metrics(card),
        created_by=user.id if user else None,
    )
    db.add(row)
    audit.record(
        db,
        user,
        "model_candidate",
        detail=_audit_detail(row, f"parent={parent_version} dataset={dataset_version}"),
    )
    db.commit()
    return row


def load_bundle(row: ModelVersion) -> ModelCard:
    """The version's card, its weights checked against the registry's sha256 (409 when it does not load)."""
    try:
        card = load_card(Path(row.bundle_dir))
    except CardError as exc:
        log.warning("model %s v%d does not load: %s", row.model, row.version, exc)
        raise AppError(409, "error.model_bundle", model=row.model, version=row.version) from exc
    if not isinstance(card, ModelCard) or (row.weights_sha256 and card.weights_sha256 != row.weights_sha256):
        raise AppError(409, "error.model_bundle", model=row.model, version=row.version)
    return card


def compare(
    db: Session,
    user: User | None,
    row: ModelVersion,
    margin: float,
    n_boot: int = 1000,
) -> ModelVersion:
    """Compare a candidate with the active version on the active version's fixed test split (paired
    bootstrap, :mod:`medlens.retrain.compare`); the result is stored with the candidate and audited.
    409 when the row is not a candidate or the two cannot be compared."""
    from medlens.retrain.compare import ComparisonError, compare_cards

    if user is not None:
        require_role(user, "admin")
    if row.status != "candidate":
        raise AppError(409, "error.model_not_candidate", model=row.model, version=row.version)
    current = active(db, row.model)
    if current is None:
        raise AppError(409, "error.model_no_active", model=row.model)
    try:
        result = compare_cards(
            load_bundle(current),
            load_bundle(row),
            margin,
            n_boot=n_boot,
        )
    except ComparisonError as exc:
        audit.record(db, user, "model_compare", detail=_audit_detail(row, f"failed: {exc}"))
        db.commit()
        raise AppError(409, "error.model_compare", reason=str(exc)) from exc
    result["against_version"] = current.version
    row.comparison = result
    diff = result["difference"]
    summary = " ".join(
        f"{m}={d['value']:+.3f}[{d['ci_low']:+.3f},{d['ci_high']:+.3f}]" for m, d in diff.items()
    )
    audit.record(
        db,
        user,
        "model_compare",
        detail=_audit_detail(row, f"vs={current.version} not_worse={result['not_worse']} {summary}"),
    )
    db.commit()
    return row


def _swap(predictors: dict[str, Any], task: str, predictor: Any) -> None:
    predictors[task] = predictor  # one dict item store: readers see the old or the new model, never neither
    log.info("now serving %s version %s for task %s", predictor.card.name, predictor.card.version, task)


def promote(
    db: Session,
    user: User | None,
    row: ModelVersion,
    predictors: dict[str, Any] | None,
    make_predictor: Callable[[ModelCard], Any] = make_predictor,
) -> ModelVersion:
    """Serve a candidate whose stored comparison against the *current* active version says it is not
    worse (409 otherwise); the active one becomes ``retired``. Audited; swaps the served model in
    ``predictors`` (None: the CLI, whose change running servers pick up, see :class:`RegistryWatcher`)."""
    if user is not None:
        require_role(user, "admin")
    if row.status != "candidate":
        raise AppError(409, "error.model_not_candidate", model=row.model, version=row.version)
    with _LOCK:
        current = active(db, row.model)
        if current is None:
            raise AppError(409, "error.model_no_active", model=row.model)
        comparison = row.comparison or {}
        if comparison.get("against_version") != current.version:
            raise AppError(
                409, "error.model_not_compared", model=row.model, version=row.version, active=current.version
            )
        if not comparison.get("not_worse"):
            raise AppError(409, "error.model_worse", model=row.model, version=row.version)
        card = load_bundle(row)
        predictor = make_predictor(card) if predictors is not None else None
        current.status = "retired"
        row.status, row.previous_version = "active", current.version
        row.promoted_by, row.promoted_at = (user.id if user else None), utcnow()
        audit.record(db, user, "model_promote", detail=_audit_detail(row, f"replaces={current.version}"))
        db.commit()
        if predictors is not None:
            _swap(predictors, row.task, predictor)
    return row


def rollback(
    db: Session,
    user: User | None,
    model: str,
    predictors: dict[str, Any] | None,
    make_predictor: Callable[[ModelCard], Any] = make_predictor,
) -> ModelVersion:
    """Serve again the version the active one replaced; the active one becomes ``rolled_back``. 409 when
    the active version replaced none. Audited; swaps the served model. Returns the version now served."""
    if user is not None:
        require_role(user, "admin")
    with _LOCK:
        current = active(db, model)
        if current is None:
            raise AppError(404, "error.model_unknown", model=model)
        if current.previous_version is None:
            raise AppError(409, "error.model_no_rollback", model=model, version=current.version)
        back = get_version(db, model, current.previous_version)
        card = load_bundle(back)
        predictor = make_predictor(card) if predictors is not None else None
        current.status = "rolled_back"
        back.status = "active"
        back.promoted_by, back.promoted_at = (user.id if user else None), utcnow()
        audit.record(db, user, "model_rollback", detail=_audit_detail(current, f"back_to={back.version}"))
        db.commit()
        if predictors is not None:
            _swap(predictors, back.task, predictor)
    return back


def apply_active(
    session_factory: sessionmaker[Session],
    predictors: dict[str, Any],
    make_predictor: Callable[[ModelCard], Any] = make_predictor,
) -> None:
    """Serve each model's active registry version where it is not the bundle served now (a promotion
    or roll-back made before a restart, by another worker or by the CLI). Logs and keeps the served
    bundle when the registry is absent (older schema) or the version does not load."""
    with _LOCK:  # not between a promotion's commit and its swap
        try:
            with session_factory() as db:
                rows = list(db.scalars(select(ModelVersion).where(ModelVersion.status == "active")))
        except SQLAlchemyError as exc:
            log.warning("model registry not read (%s); serving the models folder", exc.__class__.__name__)
            return
        for row in rows:
            served = predictors.get(row.task)
            if served is None or getattr(served.card, "name", None) != row.model:
                continue
            if Path(row.bundle_dir).resolve() == Path(served.card.directory).resolve():
                continue
            try:
                _swap(predictors, row.task, make_predictor(load_bundle(row)))
            except AppError:
                log.warning("active version %s v%d does not load; still serving %s", row.model, row.version,
                            served.card.directory)  # fmt: skip


WATCH_INTERVAL_S = 10.0


class RegistryWatcher(PeriodicThread):
    """Follows the registry in a background thread: every ``interval_s`` serves each model's active
    version when it is not the one served (a promotion made by another worker process or the CLI)."""

    thread_name = "medlens-registry"
    join_timeout_s = 5.0

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        predictors: dict[str, Any],
        interval_s: float = WATCH_INTERVAL_S,
    ) -> None:
        super().__init__(interval_s)
        self.session_factory, self.predictors = session_factory, predictors

    def tick(self) -> None:
        apply_active(self.session_factory, self.predictors, make_predictor)


def served_card(user: User, predictors: dict[str, Any], model: str) -> ModelCard:
    """Admins only (403 first): the card of the served model named ``model`` (404 when none)."""
    require_role(user, "admin")
    card: ModelCard = predictors[model_task(predictors, model)].card
    return card


def version_for(
    db: Session, user: User, predictors: dict[str, Any], model: str, version: int
) -> ModelVersion:
    """Admins only (403 first): a version of a served model (404 when the model or version is unknown)."""
    ensure_baseline(db, served_card(user, predictors, model))
    return get_version(db, model, version)


def overview(db: Session, user: User, predictors: dict[str, Any], jobs: Any) -> list[dict[str, Any]]:
    """Admins only: each served model with its versions (newest first) and its retrain job's state."""
    from medlens.web.services.retrain import retrain_command, torch_available

    can_train = torch_available()
    out = []
    for model, rows in served_models(db, user, predictors).items():
        current = next((r for r in rows if r.status == "active"), None)
        out.append(
            {
                "model": model,
                "task": rows[0].task if rows else "",
                "active_version": current.version if current else None,
                "can_train": can_train,
                "retrain_command": retrain_command(model),
                "retrain": jobs.status(model) if jobs is not None else None,
                "versions": rows,
            }
        )
    return out
