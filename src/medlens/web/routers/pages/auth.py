"""Pages: home, sign-up, login, logout."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from medlens.tasks import get_task
from medlens.web.deps import OptionalPageUser, PredictorsDep, SessionDep
from medlens.web.errors import AppError
from medlens.web.i18n import translate
from medlens.web.rendering import check_csrf, page_lang, render
from medlens.web.security import new_csrf_token
from medlens.web.services import sessions, uploads, users

router = APIRouter()


def _home_for(role: str) -> str:
    return {"clinician": "/clinic", "admin": "/admin"}.get(role, "/cases")


def _safe_next(next_url: str | None, fallback: str) -> str:
    if next_url and next_url.startswith("/") and not next_url.startswith("//"):
        return next_url
    return fallback


def _login(request: Request, db: SessionDep, user_id: int) -> None:
    sessions.revoke(db, request.session.get("sid"))  # a login replaces the session it was made in
    request.session.clear()
    request.session["sid"] = sessions.start(db, user_id, "web")  # server-side: revocable
    request.session["csrf"] = new_csrf_token()  # rotate on login


@router.get("/")
def home(request: Request, user: OptionalPageUser, predictors: PredictorsDep) -> Response:
    lang = page_lang(request)
    tasks = [(name, get_task(name).title.get(lang)) for name in predictors]
    # staff accounts see which screenings exist, not links into pages that are for patients (403)
    uploader = user is None or user.role in uploads.UPLOADER_ROLES
    return render(request, "home.html", user, tasks=tasks, uploader=uploader)


@router.get("/login")
def login_form(
    request: Request, user: OptionalPageUser, next: str | None = None, signed_up: bool = False
) -> Response:
    notice = translate(page_lang(request), "signup.neutral") if signed_up else ""
    return render(request, "login.html", user, next=next or "", email="", notice=notice)


@router.post("/login")
def login(
    request: Request,
    db: SessionDep,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        client = request.client.host if request.client else None
        user = users.authenticate(db, email, password, client, channel="web")
    except AppError as exc:
        msg = translate(page_lang(request), exc.key, **exc.params)
        page = render(request, "login.html", None, exc.status, error=msg, next=next, email=email)
        if "retry_after" in exc.params:
            page.headers["Retry-After"] = str(exc.params["retry_after"])
        return page
    _login(request, db, user.id)
    return RedirectResponse(_safe_next(next, _home_for(user.role)), status_code=303)


@router.get("/signup")
def signup_form(request: Request, user: OptionalPageUser) -> Response:
    return render(request, "signup.html", user, email="", name="")


@router.post("/signup")
def signup(
    request: Request,
    db: SessionDep,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    name: Annotated[str, Form()] = "",
    consent: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        users.signup(db, email, password, name, consent=consent in ("1", "on", "true"))
    except AppError as exc:
        msg = translate(page_lang(request), exc.key, **exc.params)
        return render(request, "signup.html", None, exc.status, error=msg, email=email, name=name)
    # the same answer for a new and an already registered e-mail (no account enumeration): log in next
    return RedirectResponse("/login?signed_up=1&next=/screen", status_code=303)


@router.post("/logout")
def logout(request: Request, db: SessionDep, csrf_token: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf_token)
    sessions.revoke(db, request.session.get("sid"))  # a copied cookie stops working too
    request.session.clear()
    return RedirectResponse("/", status_code=303)
