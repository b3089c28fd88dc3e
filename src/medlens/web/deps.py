"""``Annotated`` dependencies: settings, DB session, language, current user (API bearer / page session).

Dependencies that only read the request or app state are ``async def``: FastAPI runs a plain ``def``
dependency in the thread pool, a hop that costs more than the work. Those that touch the database stay
plain functions, off the event loop.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from medlens.db import User
from medlens.db.tables import MAX_ID as MAX_ID
from medlens.web.errors import AppError
from medlens.web.i18n import negotiate
from medlens.web.services import sessions
from medlens.web.services.users import user_for_token
from medlens.web.state import AppState, PredictorLike

# a path id outside 1..MAX_ID cannot exist and gets 404 (the validation handler maps path errors to 404)
# instead of an overflow in the driver
CaseId = Annotated[int, Path(ge=1, le=MAX_ID, description="Case id")]
UserId = Annotated[int, Path(ge=1, le=MAX_ID, description="User id")]
NoticeId = Annotated[int, Path(ge=1, le=MAX_ID, description="Notice id")]


class LoginRequired(Exception):
    """A page needs a signed-in user: the handler redirects to the login page."""


async def get_state(request: Request) -> AppState:
    return request.app.state.medlens


StateDep = Annotated[AppState, Depends(get_state)]


def get_db(state: StateDep) -> Iterator[Session]:
    with state.session_factory() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_db)]


async def get_predictors(state: StateDep) -> dict[str, PredictorLike]:
    return state.predictors


PredictorsDep = Annotated[dict[str, PredictorLike], Depends(get_predictors)]


async def get_risk_model(state: StateDep) -> Any:
    """The COVID-19 risk model; 503 when this server has none installed."""
    if state.risk_model is None:
        raise AppError(503, "error.risk_unavailable")
    return state.risk_model


RiskModelDep = Annotated[Any, Depends(get_risk_model)]


async def get_lang(request: Request, state: StateDep) -> str:
    return negotiate(request, state.settings.default_language)


LangDep = Annotated[str, Depends(get_lang)]


def _bearer(header: str) -> str:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AppError(401, "error.auth_required")
    return token.strip()


async def bearer_token(request: Request) -> str:
    """The request's bearer token (``Authorization: Bearer ...``), not yet checked; 401 when absent."""
    return _bearer(request.headers.get("authorization", ""))


BearerToken = Annotated[str, Depends(bearer_token)]


def api_user(token: BearerToken, db: SessionDep, state: StateDep) -> User:
    """The user of a bearer token; 401 otherwise."""
    return user_for_token(db, state.settings.secret_key, token)


CurrentUser = Annotated[User, Depends(api_user)]


def api_user_optional(request: Request, db: SessionDep, state: StateDep) -> User | None:
    """Anonymous (no Authorization header) -> None; a bearer token must still be valid (401 otherwise)."""
    header = request.headers.get("authorization")
    if not header:
        return None
    return user_for_token(db, state.settings.secret_key, _bearer(header))


OptionalApiUser = Annotated[User | None, Depends(api_user_optional)]


def page_user_optional(request: Request, db: SessionDep) -> User | None:
    """The user of the session cookie's live server-side session (None when revoked, expired or absent)."""
    return sessions.user_for(db, request.session.get("sid"), "web")


OptionalPageUser = Annotated[User | None, Depends(page_user_optional)]


def page_user(user: OptionalPageUser) -> User:
    if user is None:
        raise LoginRequired()
    return user


PageUser = Annotated[User, Depends(page_user)]
