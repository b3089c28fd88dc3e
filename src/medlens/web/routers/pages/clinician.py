"""Pages for clinicians: review queue, case review, reply."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from medlens.db import Case, User
from medlens.db.tables import utcnow
from medlens.web.deps import CaseId, PageUser, SessionDep, StateDep
from medlens.web.errors import AppError, localize_params
from medlens.web.followup_view import followup_context
from medlens.web.i18n import translate
from medlens.web.presenters import case_summary, earlier_summary
from medlens.web.rendering import check_csrf, page_lang, render
from medlens.web.services import cases, mailer, notices, review
from medlens.web.services.storage import ImageStore
from medlens.web.services.users import require_role

router = APIRouter(prefix="/clinic")


@router.get("")
def queue(request: Request, user: PageUser, db: SessionDep, answered: bool = False) -> Response:
    lang, now = page_lang(request), utcnow()
    rows = [
        {**case_summary(r, lang), "priority": review.case_priority(r, now)}
        for r in review.review_queue(db, user, include_answered=answered)
    ]
    return render(request, "queue.html", user, cases=rows, answered=answered)


def _review_context(db: Session, store: ImageStore, user: User, row: Case, lang: str) -> dict[str, Any]:
    """What the review page shows beside the case: the patient's earlier cases, the earlier photos of the
    lesion it follows (side by side) and the reply templates."""
    return {
        "case": case_summary(row, lang, cases.same_photo_cases(db, user, row)),
        "earlier": [earlier_summary(r, lang) for r in review.earlier_cases(db, user, row)],
        "templates": review.reply_templates(row.task, lang),
        **followup_context(db, store, user, row, lang, "/clinic/cases"),
    }


@router.get("/cases/{case_id}")
def review_page(
    case_id: CaseId, request: Request, user: PageUser, db: SessionDep, state: StateDep
) -> Response:
    require_role(user, "clinician", "admin")
    row = cases.view_case(db, state.store, user, case_id)
    notices.mark_all_read(db, user, case_id)  # an "overdue" notice of this case is dealt with by opening it
    context = _review_context(db, state.store, user, row, page_lang(request))
    return render(request, "review.html", user, **context)


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
    state: StateDep,
    background: BackgroundTasks,
    body: Annotated[str, Form()] = "",
    feedback_label: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf_token)
    try:
        row = cases.reply_case(db, user, case_id, body, feedback_label or None)
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
            **_review_context(db, state.store, user, cases.visible_case(db, user, case_id), lang),
            form_error=translate(lang, exc.key, **localize_params(exc.params, lang)),
            form_body=body,
            form_label=feedback_label,
        )
    mailer.send_later(background, state.mailer, notices.reply_mails(db, row, state.settings))
    return RedirectResponse("/clinic?replied=1", status_code=303)
