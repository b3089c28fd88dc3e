"""API for clinicians: review queue and replies."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks

from medlens.web.deps import CaseId, CurrentUser, LangDep, SessionDep, StateDep
from medlens.web.routers.api.cases import case_out
from medlens.web.schemas import CaseOut, ReplyIn
from medlens.web.services import cases, mailer, notices, review

router = APIRouter(prefix="/clinician", tags=["clinician"])


@router.get("/queue", response_model=list[CaseOut])
def queue(user: CurrentUser, db: SessionDep, lang: LangDep) -> list[CaseOut]:
    """Submitted, unanswered cases: urgent ones (treatment window open) first, then by priority =
    risk weight × (0.5 + uncertainty) × (1 + hours waited / 24)."""
    return [case_out(r, lang) for r in review.review_queue(db, user)]


@router.post("/cases/{case_id}/reply", response_model=CaseOut)
def reply(
    case_id: CaseId,
    body: ReplyIn,
    user: CurrentUser,
    db: SessionDep,
    state: StateDep,
    lang: LangDep,
    background: BackgroundTasks,
) -> CaseOut:
    """Answer the patient with a required verdict: ``"agree"``, another class or ``"cannot_assess"``. The
    patient gets a notice (and an e-mail when e-mail is on)."""
    row = cases.reply_case(db, user, case_id, body.body, body.feedback_label)
    mailer.send_later(background, state.mailer, notices.reply_mails(db, row, state.settings))
    return case_out(row, lang)
