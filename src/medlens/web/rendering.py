"""Jinja2 page rendering with the shared context (language, translate, user, CSRF token, large type)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import SQLAlchemyError

from medlens import __version__
from medlens.db import User
from medlens.web.charts import bar_chart, diverging_bar_chart
from medlens.web.errors import AppError
from medlens.web.formatting import format_probability
from medlens.web.i18n import LANGUAGES, negotiate, translate
from medlens.web.security import csrf_matches, new_csrf_token
from medlens.web.services.notices import unread_count

log = logging.getLogger(__name__)
TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
LARGE_COOKIE = "medlens_large"


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = new_csrf_token()
        request.session["csrf"] = token
    return token


SECRET_FIELDS = ("password", "csrf", "token")  # never echoed back on an error page


def remember_form(request: Request, form: Any = None) -> None:
    """Keep the text fields of this request's form in ``request.state`` so an error page can give them
    back (passwords, tokens and files are left out). ``form``: the parsed form, default the one
    FastAPI parsed for this route (Starlette caches it on the request)."""
    form = form if form is not None else getattr(request, "_form", None)
    if form is None or not hasattr(form, "multi_items"):
        return
    items = form.multi_items()
    request.state.form_input = [
        (k, v) for k, v in items if isinstance(v, str) and not any(s in k.lower() for s in SECRET_FIELDS)
    ]
    request.state.form_had_file = any(not isinstance(v, str) for _, v in items)


def check_csrf(request: Request, given: str | None) -> None:
    """Every form POST must echo the session's CSRF token (its input is remembered for error pages)."""
    remember_form(request)
    if not csrf_matches(request.session.get("csrf"), given):
        raise AppError(403, "error.csrf")


def page_lang(request: Request) -> str:
    return negotiate(request, request.app.state.medlens.settings.default_language)


def unread_notices(request: Request, user: User | None) -> int:
    """How many unread notices the header's badge shows (0 when signed out or the database fails)."""
    if user is None:
        return 0
    try:
        with request.app.state.medlens.session_factory() as db:
            return unread_count(db, user.id)
    except SQLAlchemyError:  # a page (an error page above all) must render without its badge
        log.exception("cannot count the unread notices of user #%s", user.id)
        return 0


def render(
    request: Request, template: str, user: User | None = None, status_code: int = 200, **ctx: Any
) -> HTMLResponse:
    lang = page_lang(request)
    large = request.query_params.get("large", request.cookies.get(LARGE_COOKIE, "0")) == "1"
    context = {
        "request": request,
        "lang": lang,
        "other_lang": "en" if lang == "ko" else "ko",
        "languages": LANGUAGES,
        "t": lambda key, **kw: translate(lang, key, **kw),
        "user": user,
        "unread_notices": unread_notices(request, user),
        "csrf": csrf_token(request),
        "large": large,
        "version": __version__,
        "path": request.url.path,
        "bar_chart": bar_chart,
        "diverging_bar_chart": diverging_bar_chart,
        "format_probability": format_probability,
        **ctx,
    }
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status_code)
