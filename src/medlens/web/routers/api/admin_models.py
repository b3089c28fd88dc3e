"""API for admins: the model registry (versions, confirmed-case dataset, retrain, compare, promote,
roll back). Every change is audited; promote and roll back swap the served model without a restart."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from medlens.web.deps import MAX_ID, CurrentUser, SessionDep, StateDep
from medlens.web.schemas import DatasetOut, ModelVersionOut, RegistryModelOut
from medlens.web.services import model_versions as mv
from medlens.web.services import retrain

router = APIRouter(prefix="/admin/models", tags=["admin"])
Model = Annotated[str, Path(pattern=mv.MODEL_NAME, description="Model name (its card's name)")]
Version = Annotated[int, Path(ge=1, le=MAX_ID, description="Registry version")]


@router.get("", response_model=list[RegistryModelOut])
def list_models(user: CurrentUser, db: SessionDep, state: StateDep) -> list[RegistryModelOut]:
    return [
        RegistryModelOut.model_validate(m)
        for m in mv.overview(db, user, state.predictors, state.retrain_jobs)
    ]


@router.post("/{model}/dataset", response_model=DatasetOut, status_code=201)
def dataset(model: Model, user: CurrentUser, db: SessionDep, state: StateDep) -> DatasetOut:
    """Write (or reuse when unchanged) the next version of the model's clinician-confirmed dataset."""
    card = mv.served_card(user, state.predictors, model)
    ds = retrain.build_dataset(db, user, state.store, state.settings, card)
    m = ds.manifest
    return DatasetOut(
        model=model,
        version=ds.version,
        n_images=ds.n_images,
        n_cases=m["n_cases"],
        counts=m["counts"],
        sha256=ds.sha256,
        created_at=m["created_at"],
    )


@router.post("/{model}/retrain", status_code=202)
def start_retrain(model: Model, user: CurrentUser, db: SessionDep, state: StateDep) -> dict[str, str]:
    """Start ``medlens retrain run`` for the model in the background (409 without torch: use the CLI)."""
    card = mv.served_card(user, state.predictors, model)
    if state.retrain_jobs is None:
        raise RuntimeError("retrain jobs are built in the lifespan")
    state.retrain_jobs.start(db, user, card)
    return {"status": "started"}


@router.post("/{model}/versions/{version}/compare", response_model=ModelVersionOut)
def compare(
    model: Model, version: Version, user: CurrentUser, db: SessionDep, state: StateDep
) -> ModelVersionOut:
    """Paired bootstrap of the candidate vs the active version on the active version's test split."""
    row = mv.version_for(db, user, state.predictors, model, version)
    return ModelVersionOut.model_validate(mv.compare(db, user, row, state.settings.promote_margin))


@router.post("/{model}/versions/{version}/promote", response_model=ModelVersionOut)
def promote(
    model: Model, version: Version, user: CurrentUser, db: SessionDep, state: StateDep
) -> ModelVersionOut:
    """Serve the candidate (only when its comparison with the active version says not worse)."""
    row = mv.version_for(db, user, state.predictors, model, version)
    return ModelVersionOut.model_validate(mv.promote(db, user, row, state.predictors, mv.make_predictor))


@router.post("/{model}/rollback", response_model=ModelVersionOut)
def rollback(model: Model, user: CurrentUser, db: SessionDep, state: StateDep) -> ModelVersionOut:
    """Serve again the version the active one replaced; returns the version now served."""
    mv.served_card(user, state.predictors, model)
    return ModelVersionOut.model_validate(mv.rollback(db, user, model, state.predictors, mv.make_predictor))
