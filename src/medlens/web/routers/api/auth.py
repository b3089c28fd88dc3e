"""API accounts: sign-up (patients), token (OAuth2 password form), me."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form

from medlens.web.deps import CurrentUser, SessionDep, StateDep
from medlens.web.schemas import SignupIn, TokenOut, UserOut
from medlens.web.security import TOKEN_MAX_AGE_S, issue_token
from medlens.web.services import users

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/signup", response_model=UserOut, status_code=201)
def signup(body: SignupIn, db: SessionDep) -> UserOut:
    """Patients sign themselves up; clinicians and admins are created by an admin."""
    return UserOut.model_validate(users.create_user(db, body.email, body.password, body.name, "patient"))


@router.post("/token", response_model=TokenOut)
def token(
    username: Annotated[str, Form()], password: Annotated[str, Form()], db: SessionDep, state: StateDep
) -> TokenOut:
    """Exchange e-mail (``username``) and password for a bearer token."""
    user = users.authenticate(db, username, password)
    return TokenOut(access_token=issue_token(state.settings.secret_key, user.id), expires_in=TOKEN_MAX_AGE_S)


@router.get("/me", response_model=UserOut)
def me(user: CurrentUser) -> UserOut:
    return UserOut.model_validate(user)
