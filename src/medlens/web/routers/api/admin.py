"""API for admins: statistics, users, audit log, dataset export."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from medlens.web.deps import MAX_ID, CurrentUser, SessionDep, StateDep, UserId
from medlens.web.schemas import AuditOut, RevokedOut, UserCreateIn, UserOut
from medlens.web.services import audit, export, stats, users

router = APIRouter(prefix="/admin", tags=["admin"])


@router.get("/stats")
def statistics(user: CurrentUser, db: SessionDep) -> dict[str, dict[str, int]]:
    return stats.case_statistics(db, user)


@router.get("/users", response_model=list[UserOut])
def list_users(user: CurrentUser, db: SessionDep) -> list[UserOut]:
    return [UserOut.model_validate(u) for u in users.list_users(db, user)]


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(body: UserCreateIn, user: CurrentUser, db: SessionDep) -> UserOut:
    return UserOut.model_validate(
        users.admin_create_user(db, user, body.email, body.password, body.name, body.role)
    )


@router.post("/users/{user_id}/deactivate", response_model=UserOut)
def deactivate(user_id: UserId, user: CurrentUser, db: SessionDep) -> UserOut:
    return UserOut.model_validate(users.set_active(db, user, user_id, False))


@router.post("/users/{user_id}/activate", response_model=UserOut)
def activate(user_id: UserId, user: CurrentUser, db: SessionDep) -> UserOut:
    return UserOut.model_validate(users.set_active(db, user, user_id, True))


@router.post("/users/{user_id}/revoke-sessions", response_model=RevokedOut)
def revoke_sessions(user_id: UserId, user: CurrentUser, db: SessionDep) -> RevokedOut:
    """Sign the user out everywhere: every web session and API token of the account stops working."""
    return RevokedOut(revoked=users.revoke_sessions(db, user, user_id))


@router.get("/audit", response_model=list[AuditOut])
def audit_log(
    user: CurrentUser,
    db: SessionDep,
    case_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[AuditOut]:
    users.require_role(user, "admin")
    return [AuditOut.model_validate(a) for a in audit.recent(db, limit, case_id)]


@router.get("/export")
async def export_dataset(task: str, user: CurrentUser, db: SessionDep, state: StateDep) -> StreamingResponse:
    """Zip of clinician-confirmed images, one folder per class, plus labels.csv."""
    return await export.export_download(db, state.store, user, task)
