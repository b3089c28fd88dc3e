"""FastAPI application factory: ``create_app(settings)``. No engine or model is built at import time."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from medlens import __version__
from medlens.config import Settings, get_settings
from medlens.db import make_engine, make_session_factory
from medlens.web.deps import LoginRequired
from medlens.web.error_pages import error_page
from medlens.web.errors import AppError, localize_params
from medlens.web.i18n import negotiate, translate
from medlens.web.map_tiles import tile_origin
from medlens.web.middleware import PreferencesAndHeaders
from medlens.web.rendering import remember_form
from medlens.web.secret_key import resolve_secret_key
from medlens.web.services import model_versions, scheduler
from medlens.web.services.care import CareDirectory
from medlens.web.services.decode_budget import DecodeBudget
from medlens.web.services.mailer import Mailer
from medlens.web.services.retrain import RetrainJobs
from medlens.web.services.risk import load_risk_model
from medlens.web.services.storage import ImageStore
from medlens.web.services.work_queue import EnrichQueue
from medlens.web.state import AppState, PredictorLike

log = logging.getLogger(__name__)
API_PREFIX = "/api/v1"


def load_predictors(models_dir: Path) -> dict[str, PredictorLike]:
    """One Predictor per task from ``models_dir/*/card.json`` (first by folder name wins)."""
    from medlens.card import CardError, ModelCard, load_card
    from medlens.serving import Predictor

    found: dict[str, PredictorLike] = {}
    for path in sorted(Path(models_dir).glob("*/card.json")):
        try:
            card = load_card(path)
            if not isinstance(card, ModelCard):
                log.info("skipping %s: not an image model (kind=%s)", path.parent, card.kind)
                continue
            predictor = Predictor.from_card(card)
        except CardError:
            log.exception("skipping model %s: cannot load", path.parent)
            continue
        task = predictor.card.task
        if task in found:
            log.warning("task %s already served by %s; ignoring %s", task, found[task].card.name, path.parent)
            continue
        found[task] = predictor
        log.info("loaded %s (%s) for task %s", predictor.card.name, predictor.card.version, task)
    return found


def build_state(settings: Settings) -> AppState:
    engine = make_engine(settings.database_url)
    session_factory = make_session_factory(engine)
    predictors = load_predictors(settings.models_dir)
    model_versions.apply_active(
        session_factory, predictors, model_versions.make_predictor
    )  # promoted before a restart
    return AppState(
        settings=settings,
        engine=engine,
        session_factory=session_factory,
        store=ImageStore(Path(settings.data_dir) / "uploads"),
        care=CareDirectory(settings.clinics_csv, settings.catalog_json),
        predictors=predictors,
        risk_model=load_risk_model(settings.models_dir),
        decode_budget=DecodeBudget.from_setting(settings.decode_budget_mb),
        mailer=Mailer.from_settings(settings),
        retrain_jobs=RetrainJobs(settings),
    )


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


def _clean_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Pydantic's errors reduced to JSON-safe ``loc``/``msg``/``type`` (their ``ctx``/``input`` may hold
    exceptions or uploaded files, which made the 422 itself fail with a 500)."""
    out = []
    for e in errors:
        loc = [p if isinstance(p, int) else str(p) for p in e.get("loc", ())]
        out.append({"loc": loc, "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))})
    return out


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def app_error(request: Request, exc: AppError) -> Response:
        lang = negotiate(request, app.state.medlens.settings.default_language)
        message = translate(lang, exc.key, **localize_params(exc.params, lang))
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {}
        if "retry_after" in exc.params:
            headers["Retry-After"] = str(exc.params["retry_after"])
        if _wants_json(request):
            body: dict[str, object] = {"detail": message, "code": exc.key}
            if isinstance(exc.params.get("field"), str):
                body["field"] = exc.params["field"]
            return JSONResponse(body, status_code=exc.status, headers=headers)
        response = await error_page(request, exc.status, message)
        response.headers.update(headers)
        return response

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = _clean_errors(exc.errors())
        if any(e["loc"][:1] == ["path"] for e in errors):
            # a malformed or out-of-range id names no resource: 404, like an unknown one
            return await app_error(request, AppError(404, "error.not_found"))
        lang = negotiate(request, app.state.medlens.settings.default_language)
        fields = ", ".join(str(e["loc"][-1]) if e["loc"] else "?" for e in errors)
        message = translate(lang, "error.invalid_form", fields=fields)
        if _wants_json(request):
            return JSONResponse(
                {"detail": message, "code": "error.invalid_form", "errors": errors}, status_code=422
            )
        if exc.body is not None:
            remember_form(request, exc.body)
        return await error_page(request, 422, message)

    @app.exception_handler(DataError)
    async def unstorable(request: Request, exc: DataError) -> Response:
        # a value the database refuses (PostgreSQL: a NUL character in text, a number beyond the column's
        # range) is the client's input, not a server fault; the request's session is rolled back on exit
        log.info("refused a value the database cannot store: %s", type(exc.orig).__name__)
        return await app_error(request, AppError(400, "error.unstorable"))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        lang = negotiate(request, app.state.medlens.settings.default_language)
        key = {404: "error.not_found", 405: "error.method", 413: "error.too_large"}.get(exc.status_code)
        mb = app.state.medlens.settings.max_upload_bytes // (1024 * 1024)
        message = translate(lang, key, mb=mb) if key else str(exc.detail)
        if _wants_json(request):
            return JSONResponse({"detail": message}, status_code=exc.status_code, headers=exc.headers)
        return await error_page(request, exc.status_code, message)


def create_app(settings: Settings | None = None, freeze_gc: bool = False) -> FastAPI:
    """Build the app; the DB engine, image store and models are created in the lifespan.

    ``freeze_gc`` (the server process, not tests that build many apps): once the models are loaded, move
    every object that exists into the collector's permanent generation (``gc.freeze``). The cyclic
    collector then no longer walks the ~250k start-up objects: over 100 in-process uploads
    (``benchmarks/upload_path.py``), GC time per upload fell from 1.4-1.5 ms to 0.08-0.09 ms on average
    (the rare older-generation collections were the cost)."""
    settings = settings or get_settings()
    # never sign with a known constant: refuses (InsecureSecretKey) a placeholder or short key outside dev mode
    key = resolve_secret_key(settings.secret_key, settings.data_dir, dev=settings.dev)
    settings = settings.model_copy(update={"secret_key": key})

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = build_state(settings)
        state.enrich_queue = EnrichQueue(state.session_factory, state.store, state.predictors)
        state.enrich_queue.start()  # first finishes work left pending before this start
        watcher = model_versions.RegistryWatcher(state.session_factory, state.predictors)
        watcher.start()  # promotions by other workers or the CLI reach this process without a restart
        jobs = None
        if settings.jobs_every_minutes > 0:  # the periodic notices (and purge) without cron
            jobs = scheduler.JobScheduler(
                state.session_factory, settings, scheduler.default_jobs(settings, state.store)
            )
            jobs.start()
        app.state.medlens = state
        log.info("medlens web: %d model(s) loaded: %s", len(state.predictors), ", ".join(state.predictors))
        if freeze_gc:
            gc.collect()
            gc.freeze()
        try:
            yield
        finally:
            if jobs is not None:
                jobs.stop()
            watcher.stop()
            state.enrich_queue.stop()
            if state.retrain_jobs is not None:
                state.retrain_jobs.stop_all()
            state.engine.dispose()

    app = FastAPI(
        title="medlens",
        version=__version__,
        description="AI screening (not diagnosis) of medical images for patients, clinicians and admins.",
        lifespan=lifespan,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="medlens_session",
        same_site="lax",
        https_only=settings.cookie_secure,
        max_age=7 * 24 * 3600,
    )

    # added last = outermost: oversize bodies are refused before the session cookie is even read
    app.add_middleware(
        PreferencesAndHeaders,
        max_upload_bytes=settings.max_upload_bytes,
        default_language=settings.default_language,
        api_prefix=API_PREFIX,
        img_origin=tile_origin(settings.map_tile_url),
    )

    _install_handlers(app)
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")

    from medlens.web.routers import api, pages

    app.include_router(api.router, prefix=API_PREFIX)
    app.include_router(pages.router)
    return app
