"""Pages: the signed-in user's own notices (open, mark read)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from medlens.web.deps import NoticeId, PageUser, SessionDep
from medlens.web.rendering import check_csrf, page_lang, render
from medlens.web.services import notices

router = APIRouter(prefix="/notices")


@router.get("")
def notices_page(request: Request, user: PageUser, db: SessionDep) -> Response:
    lang = page_lang(request)
    rows = [notices.notice_view(n, user.role, lang) for n in notices.list_notices(db, user)]
    return render(request, "notices.html", user, notices=rows)


@router.post("/{notice_id}/read")
def mark_read(
    notice_id: NoticeId,
    request: Request,
    user: PageUser,
    db: SessionDep,
    csrf_token: Annotated[str, Form()] = "",
    open_case: Annotated[str, Form()] = "",
) -> Response:
    """Mark a notice read; ``open_case=1`` then goes to its case, otherwise back to the list."""
    check_csrf(request, csrf_token)
    view = notices.notice_view(notices.mark_read(db, user, notice_id), user.role, page_lang(request))
    target = view["link"] if open_case == "1" and view["link"] else "/notices"
    return RedirectResponse(target, status_code=303)


@router.post("/read-all")
def mark_all_read(
    request: Request, user: PageUser, db: SessionDep, csrf_token: Annotated[str, Form()] = ""
) -> Response:
    check_csrf(request, csrf_token)
    notices.mark_all_read(db, user)
    return RedirectResponse("/notices", status_code=303)
