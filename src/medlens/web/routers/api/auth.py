"""API accounts: sign-up (patients), token (OAuth2 password form), me, logout, password change."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from medlens.web.deps import BearerToken, CurrentUser, LangDep, SessionDep, StateDep
from medlens.web.i18n import translate
from medlens.web.schemas import PasswordChangeIn, SignupIn, SignupOut, TokenOut, UserOut
from medlens.web.security import TOKEN_MAX_AGE_S, issue_token, read_token
from medlens.web.services import sessions, users

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/signup", response_model=SignupOut, status_code=202)
def signup(body: SignupIn, db: SessionDep, lang: LangDep) -> SignupOut:
    """Patients sign themselves up (clinicians and admins are created by an admin), then log in with
    ``/auth/token``. The answer is the same whether or not the e-mail was registered already.
    ``consent`` must be true: the privacy notice (``GET /privacy``) was shown and accepted."""
    users.signup(db, body.email, body.password, body.name, consent=body.consent)
    return SignupOut(detail=translate(lang, "signup.neutral"))


@router.post("/token", response_model=TokenOut)
def token(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    db: SessionDep,
    state: StateDep,
) -> TokenOut:
    """Exchange e-mail (``username``) and password for a bearer token (throttled: 429 with Retry-After)."""
    client = request.client.host if request.client else None
    user = users.authenticate(db, username, password, client, channel="api")
    return _new_token(db, state.settings.secret_key, user.id)


def _new_token(db: SessionDep, secret_key: str, user_id: int) -> TokenOut:
    sid = sessions.start(db, user_id, "api")
    return TokenOut(access_token=issue_token(secret_key, sid), expires_in=TOKEN_MAX_AGE_S)


@router.post("/logout", status_code=204, response_class=Response)
def logout(token: BearerToken, user: CurrentUser, db: SessionDep, state: StateDep) -> Response:
    """Revoke this bearer token (its server-side session)."""
    sessions.revoke(db, read_token(state.settings.secret_key, token))
    return Response(status_code=204)


@router.post("/password", response_model=TokenOut)
def change_password(body: PasswordChangeIn, user: CurrentUser, db: SessionDep, state: StateDep) -> TokenOut:
    """Change the password: every session and token of the account is revoked; a fresh token is returned."""
    users.change_password(db, user, body.current_password, body.new_password)
    return _new_token(db, state.settings.secret_key, user.id)


@router.get("/me", response_model=UserOut)
def me(user: CurrentUser) -> UserOut:
    return UserOut.model_validate(user)
