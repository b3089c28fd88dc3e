"""API for clinicians: review queue and replies."""

from __future__ import annotations

from fastapi import APIRouter

from medlens.web.deps import CaseId, CurrentUser, LangDep, SessionDep
from medlens.web.routers.api.cases import case_out
from medlens.web.schemas import CaseOut, ReplyIn
from medlens.web.services import cases

router = APIRouter(prefix="/clinician", tags=["clinician"])


@router.get("/queue", response_model=list[CaseOut])
def queue(user: CurrentUser, db: SessionDep, lang: LangDep) -> list[CaseOut]:
    """Submitted, unanswered cases: highest risk first, then most uncertain."""
    return [case_out(r, lang) for r in cases.review_queue(db, user)]


@router.post("/cases/{case_id}/reply", response_model=CaseOut)
def reply(case_id: CaseId, body: ReplyIn, user: CurrentUser, db: SessionDep, lang: LangDep) -> CaseOut:
    """Answer the patient and agree with (``"agree"``) or correct the label."""
    return case_out(cases.reply_case(db, user, case_id, body.body, body.feedback_label), lang)
