"""Pages: the privacy notice and the user's own account (download all data, delete the account)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from medlens.web.deps import OptionalPageUser, PageUser, SessionDep, StateDep
from medlens.web.errors import AppError
from medlens.web.i18n import translate
from medlens.web.rendering import check_csrf, page_lang, render
from medlens.web.services import account, privacy

router = APIRouter()


@router.get("/privacy")
def privacy_page(request: Request, user: OptionalPageUser, state: StateDep) -> Response:
    notice = privacy.notice(page_lang(request), state.settings.retention_days)
    return render(request, "privacy.html", user, notice=notice)


def _account_page(
    request: Request, user: PageUser, state: StateDep, status: int = 200, error: str = ""
) -> Response:
    retention = privacy.retention_text(page_lang(request), state.settings.retention_days)
    return render(request, "account.html", user, status, error=error, retention=retention)


@router.get("/account")
def account_page(request: Request, user: PageUser, state: StateDep) -> Response:
    return _account_page(request, user, state)


@router.get("/account/export")
async def export_zip(user: PageUser, db: SessionDep, state: StateDep) -> Response:
    return await account.export_download(db, state.store, user)


@router.post("/account/delete")
def delete(
    request: Request,
    user: PageUser,
    db: SessionDep,
    state: StateDep,
    password: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        account.delete_account(db, state.store, user, password, confirm in ("1", "on", "true"))
    except AppError as exc:
        if exc.status == 403:
            raise
        msg = translate(page_lang(request), exc.key, **exc.params)
        return _account_page(request, user, state, exc.status, msg)
    request.session.clear()
    return RedirectResponse("/?deleted=1", status_code=303)
