"""API: the caller's followed lesions (issue 17 follow-up) and their next-check dates."""

from __future__ import annotations

from fastapi import APIRouter

from medlens.web.deps import CaseId, CurrentUser, SessionDep
from medlens.web.schemas import LesionOut, NextCheckIn
from medlens.web.services import lesions

router = APIRouter(tags=["lesions"])


def _out(lesion, last, n: int) -> LesionOut:  # type: ignore[no-untyped-def]
    return LesionOut(
        id=lesion.id,
        body_site=lesion.body_site,
        label=lesion.label,
        created_at=lesion.created_at,
        next_check=lesion.next_check,
        last_photo_at=last,
        n_photos=n,
    )


@router.get("/lesions/sites", response_model=list[str])
def sites() -> list[str]:
    """The body-site codes a new lesion may have (``lesion_site`` of ``POST /cases``)."""
    return list(lesions.LESION_SITES)


@router.get("/lesions", response_model=list[LesionOut])
def own(user: CurrentUser, db: SessionDep) -> list[LesionOut]:
    """The caller's own lesions, newest first, with their photo count and newest photo's time (nobody
    else's, whatever the role)."""
    return [_out(lesion, last, n) for lesion, last, n in lesions.own_lesions(db, user)]


@router.put("/cases/{case_id}/next-check", response_model=LesionOut)
def next_check(case_id: CaseId, body: NextCheckIn, user: CurrentUser, db: SessionDep) -> LesionOut:
    """Set (or, with '', clear) the next-check date of the lesion the caller's case follows; one reminder
    per date (``medlens notify reminders``). Someone else's case, or one that follows no lesion: 404."""
    lesion = lesions.set_next_check(db, user, case_id, body.next_check)
    return _out(lesion, *lesions.photo_stats(db, lesion.id))
