"""API: the privacy notice, and the caller's own data (export as a zip, delete the account)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from medlens.web.deps import CurrentUser, LangDep, SessionDep, StateDep
from medlens.web.schemas import AccountDeletedOut, AccountDeleteIn, PrivacyOut
from medlens.web.services import account, privacy

router = APIRouter(tags=["privacy"])


@router.get("/privacy", response_model=PrivacyOut)
def privacy_notice(lang: LangDep, state: StateDep) -> PrivacyOut:
    """What is stored, why, who can see it, how long, how to export or delete it (accepted at sign-up)."""
    return PrivacyOut(**privacy.notice(lang, state.settings.retention_days))


@router.get("/account/export")
async def export_own_data(user: CurrentUser, db: SessionDep, state: StateDep) -> StreamingResponse:
    """Zip of everything stored about the caller: profile.json, cases.json (results, answers), images/."""
    return await account.export_download(db, state.store, user)


@router.post("/account/delete", response_model=AccountDeletedOut)
def delete_account(
    body: AccountDeleteIn, user: CurrentUser, db: SessionDep, state: StateDep
) -> AccountDeletedOut:
    """Patients: delete the account with every case, answer and image for good (password and
    ``confirm: true`` required; staff get 403). Every token of the account stops working."""
    done = account.delete_account(db, state.store, user, body.password, body.confirm)
    return AccountDeletedOut(deleted=True, cases=done.cases, files=done.files)
