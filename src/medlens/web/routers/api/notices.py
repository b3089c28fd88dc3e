"""API: the caller's own in-app notices (a clinician's reply, a case waiting too long)."""

from __future__ import annotations

from fastapi import APIRouter

from medlens.web.deps import CurrentUser, LangDep, NoticeId, SessionDep
from medlens.web.schemas import NoticeOut, NoticesOut
from medlens.web.services import notices

router = APIRouter(prefix="/notices", tags=["notices"])


def _out(notice, role: str, lang: str) -> NoticeOut:  # type: ignore[no-untyped-def]
    view = notices.notice_view(notice, role, lang)
    return NoticeOut(
        id=notice.id,
        kind=notice.kind,
        case_id=notice.case_id,
        text=view["text"],
        created_at=notice.created_at,
        read=view["read"],
    )


@router.get("", response_model=NoticesOut)
def list_notices(user: CurrentUser, db: SessionDep, lang: LangDep) -> NoticesOut:
    """The caller's notices, newest first, and how many are unread (nobody else's, whatever the role)."""
    rows = notices.list_notices(db, user)
    return NoticesOut(
        unread=notices.unread_count(db, user.id), notices=[_out(n, user.role, lang) for n in rows]
    )


@router.post("/{notice_id}/read", response_model=NoticeOut)
def mark_read(notice_id: NoticeId, user: CurrentUser, db: SessionDep, lang: LangDep) -> NoticeOut:
    """Mark one of the caller's notices read (404 for anyone else's)."""
    return _out(notices.mark_read(db, user, notice_id), user.role, lang)
