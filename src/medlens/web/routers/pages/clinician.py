"""Pages for clinicians: review queue, case review, reply."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from medlens.web.deps import CaseId, PageUser, SessionDep, StateDep
from medlens.web.errors import AppError, localize_params
from medlens.web.i18n import translate
from medlens.web.presenters import case_summary
from medlens.web.rendering import check_csrf, page_lang, render
from medlens.web.services import cases
from medlens.web.services.users import require_role

router = APIRouter(prefix="/clinic")


@router.get("")
def queue(request: Request, user: PageUser, db: SessionDep, answered: bool = False) -> Response:
    lang = page_lang(request)
    rows = [case_summary(r, lang) for r in cases.review_queue(db, user, include_answered=answered)]
    return render(request, "queue.html", user, cases=rows, answered=answered)


@router.get("/cases/{case_id}")
def review(case_id: CaseId, request: Request, user: PageUser, db: SessionDep, state: StateDep) -> Response:
    require_role(user, "clinician", "admin")
    row = cases.view_case(db, state.store, user, case_id)
    summary = case_summary(row, page_lang(request), cases.same_photo_cases(db, row))
    return render(request, "review.html", user, case=summary)


# errors in what the clinician typed or chose: the review page comes back with the message and the input
FORM_ERRORS = frozenset(
    {
        "error.verdict_required",
        "error.correct_to_own",
        "error.bad_label",
        "error.empty_reply",
        "error.long_reply",
    }
)


@router.post("/cases/{case_id}/reply")
def reply(
    case_id: CaseId,
    request: Request,
    user: PageUser,
    db: SessionDep,
    body: Annotated[str, Form()] = "",
    feedback_label: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        cases.reply_case(db, user, case_id, body, feedback_label or None)
    except AppError as exc:
        if exc.key not in FORM_ERRORS:
            raise
        db.rollback()
        lang = page_lang(request)
        return render(
            request,
            "review.html",
            user,
            status_code=exc.status,
            case=case_summary(cases.visible_case(db, user, case_id), lang),
            form_error=translate(lang, exc.key, **localize_params(exc.params, lang)),
            form_body=body,
            form_label=feedback_label,
        )
    return RedirectResponse("/clinic?replied=1", status_code=303)
