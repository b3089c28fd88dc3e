"""Admin page of the model registry (/admin/models): versions with metrics and comparison intervals;
retrain, compare, promote and roll back as CSRF-protected forms. Admins only (403 for other roles);
a refused action (409/422) re-renders the page with its message and stores nothing."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from medlens.db import ModelVersion, User
from medlens.web import admin_view
from medlens.web.deps import MAX_ID, PageUser, SessionDep, StateDep
from medlens.web.errors import AppError
from medlens.web.i18n import translate
from medlens.web.rendering import check_csrf, page_lang, render
from medlens.web.services import model_versions as mv
from medlens.web.services import retrain
from medlens.web.services.users import require_role

router = APIRouter(prefix="/admin/models")
Model = Annotated[str, Path(pattern=mv.MODEL_NAME)]
Version = Annotated[int, Path(ge=1, le=MAX_ID)]
SHOWN = (("accuracy", "models.m.accuracy"), ("auroc_macro", "models.m.auroc"))


def _ci(d: dict[str, Any] | None, signed: bool = False) -> str:
    if not d:
        return "—"
    fmt = "{:+.3f}" if signed else "{:.3f}"
    return f"{fmt.format(d['value'])} [{fmt.format(d['ci_low'])}, {fmt.format(d['ci_high'])}]"


def _row(row: ModelVersion, active: ModelVersion | None, lang: str) -> dict[str, Any]:
    comp = row.comparison or {}
    metrics = dict(row.metrics or {})
    metrics.setdefault("auroc_macro", metrics.get("target_auroc"))
    current_comparison = bool(comp) and active is not None and comp.get("against_version") == active.version
    return {
        "version": row.version,
        "card_version": row.card_version,
        "status": row.status,
        "status_title": translate(lang, f"models.status.{row.status}"),
        "created": admin_view.utc_time(row.created_at, seconds=False),
        "promoted": admin_view.utc_time(row.promoted_at, seconds=False) if row.promoted_at else "",
        "parent": row.parent_version,
        "dataset": row.dataset_version,
        "metrics": [(translate(lang, key), _ci(metrics.get(name))) for name, key in SHOWN],
        "comparison": {
            "against": comp.get("against_version"),
            "n": comp.get("n_test"),
            "margin": comp.get("margin"),
            "not_worse": comp.get("not_worse"),
            "current": current_comparison,
            "diffs": [
                (translate(lang, key), _ci(comp.get("difference", {}).get(name), signed=True))
                for name, key in SHOWN
            ],
        }
        if comp
        else None,
        "can_compare": row.status == "candidate",
        "can_promote": row.status == "candidate" and current_comparison and bool(comp.get("not_worse")),
        "can_rollback": row.status == "active" and row.previous_version is not None,
    }


def _page(
    request: Request, user: User, db: SessionDep, state: StateDep, status: int = 200, error: str = ""
) -> Response:
    require_role(user, "admin")
    lang = page_lang(request)
    models = []
    for m in mv.overview(db, user, state.predictors, state.retrain_jobs):
        versions: list[ModelVersion] = m["versions"]
        active = next((r for r in versions if r.status == "active"), None)
        card = state.predictors[m["task"]].card
        confirmed = retrain.confirmed_cases(db, state.store, m["model"], m["task"], list(card.classes))
        models.append(
            {
                **m,
                "title": admin_view.task_title(m["task"], lang),
                "active_card_version": card.version,
                "n_confirmed": len(confirmed),
                "rows": [_row(r, active, lang) for r in versions],
            }
        )
    return render(request, "admin_models.html", user, status, models=models, error=error)


def _act(request: Request, user: User, db: SessionDep, state: StateDep, action: Any) -> Response:
    try:
        action()
    except AppError as exc:
        if exc.status in (403, 404):
            raise
        msg = translate(page_lang(request), exc.key, **exc.params)
        return _page(request, user, db, state, exc.status, msg)
    return RedirectResponse("/admin/models", status_code=303)


@router.get("")
def models_page(request: Request, user: PageUser, db: SessionDep, state: StateDep) -> Response:
    return _page(request, user, db, state)


@router.post("/{model}/retrain")
def retrain_model(
    model: Model,
    request: Request,
    user: PageUser,
    db: SessionDep,
    state: StateDep,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    card = mv.served_card(user, state.predictors, model)
    jobs = state.retrain_jobs
    if jobs is None:
        raise RuntimeError("retrain jobs are built in the lifespan")
    return _act(request, user, db, state, lambda: jobs.start(db, user, card))


@router.post("/{model}/versions/{version}/compare")
def compare(
    model: Model,
    version: Version,
    request: Request,
    user: PageUser,
    db: SessionDep,
    state: StateDep,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    row = mv.version_for(db, user, state.predictors, model, version)
    return _act(request, user, db, state, lambda: mv.compare(db, user, row, state.settings.promote_margin))


@router.post("/{model}/versions/{version}/promote")
def promote(
    model: Model,
    version: Version,
    request: Request,
    user: PageUser,
    db: SessionDep,
    state: StateDep,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    row = mv.version_for(db, user, state.predictors, model, version)
    return _act(
        request, user, db, state, lambda: mv.promote(db, user, row, state.predictors, mv.make_predictor)
    )


@router.post("/{model}/rollback")
def rollback(
    model: Model,
    request: Request,
    user: PageUser,
    db: SessionDep,
    state: StateDep,
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    mv.served_card(user, state.predictors, model)
    return _act(
        request, user, db, state, lambda: mv.rollback(db, user, model, state.predictors, mv.make_predictor)
    )
