"""Error pages that do not look like a logout: the signed-in user's header, a link back to where they
were, and (after a form POST) the text they typed, in a form that sends it again."""

from __future__ import annotations

import logging
from urllib.parse import urlencode, urlsplit

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from medlens.db import User
from medlens.web.rendering import render
from medlens.web.services import sessions

log = logging.getLogger(__name__)


def _back_url(request: Request) -> str:
    """Where "go back" leads: the page the user came from on this site (its path), else home."""
    ref = urlsplit(request.headers.get("referer", ""))
    same_site = (
        ref.netloc in ("", request.url.netloc) and ref.path.startswith("/") and not ref.path.startswith("//")
    )
    if same_site and ref.path:
        return ref.path + (f"?{ref.query}" if ref.query else "")
    return "/"


def _session_user(request: Request) -> User | None:
    """The signed-in user of the page session, for the error page's header (None when none or on error)."""
    sid = request.session.get("sid") if "session" in request.scope else None
    if not sid:
        return None
    try:
        with request.app.state.medlens.session_factory() as db:
            return sessions.user_for(db, sid, "web")
    except Exception:  # an error page must render even when the database is the problem
        log.exception("error page: cannot look up the session user")
        return None


async def error_page(request: Request, status: int, message: str) -> Response:
    """The error page keeps the header of the signed-in user, a link back, and (after a form POST) the
    text the user typed, in a form that sends it again."""
    user = await run_in_threadpool(_session_user, request)
    posted = request.method == "POST"
    form_input = getattr(request.state, "form_input", None) if posted else None
    multipart = request.headers.get("content-type", "").startswith("multipart/form-data")
    had_file = posted and (multipart or bool(getattr(request.state, "form_had_file", False)))
    back = _back_url(request)
    if form_input and urlsplit(back).path == request.url.path:
        # the form's own page (a file cannot be given back): it comes back with the choices filled in
        back = f"{request.url.path}?{urlencode(form_input)}"
    return render(
        request,
        "error.html",
        user,
        status_code=status,
        message=message,
        back=back,
        form_input=form_input,
        form_had_file=had_file,
        form_action=request.url.path,
    )
