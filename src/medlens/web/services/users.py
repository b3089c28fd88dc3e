"""Accounts: patient sign-up, login, admin-created clinicians/admins, deactivation."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from medlens.db import ROLES, User
from medlens.db.tables import utcnow
from medlens.web.errors import AppError, forbidden, not_found
from medlens.web.security import hash_password, read_token, verify_dummy, verify_password
from medlens.web.services import audit, sessions, throttle
from medlens.web.services.passwords import check_password
from medlens.web.services.privacy import NOTICE_VERSION

# Dot-separated domain labels, so the match is linear in the input (the earlier ``[^@\s]+\.[^@\s]+``
# backtracked quadratically on a long run of dots); the length is checked before the pattern runs.
_EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+$")


def create_user(
    db: Session,
    email: str,
    password: str,
    name: str = "",
    role: str = "patient",
    consent_version: str | None = None,
) -> User:
    """Create and commit a user; 400 on a bad e-mail/password, 409 when the e-mail is taken.
    ``consent_version``: the privacy notice the user accepted (stored with the time)."""
    email = email.strip().lower()
    if len(email) > 255 or not _EMAIL.match(email):
        raise AppError(400, "error.bad_email")
    check_password(password, email, name)
    if role not in ROLES:
        raise AppError(400, "error.bad_role")
    if db.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise AppError(409, "error.email_taken")
    user = User(
        email=email,
        name=name.strip()[:120],
        password_hash=hash_password(password),
        role=role,
        consent_at=utcnow() if consent_version else None,
        consent_version=consent_version,
    )
    db.add(user)
    try:
        db.flush()
        audit.record(db, user, "signup", detail=f"role={role} consent={consent_version or '-'}")
        db.commit()
    except IntegrityError as exc:
        db.rollback()
        raise AppError(409, "error.email_taken") from exc
    return user


def signup(db: Session, email: str, password: str, name: str = "", consent: bool = False) -> User | None:
    """Patient self sign-up without account enumeration: the new user, or None when the e-mail is
    already registered (after spending a password hash's time, so both take as long). Bad input: 400,
    judged on the input alone; without consent to the privacy notice (``consent``) too."""
    if not consent:
        raise AppError(400, "error.consent_required", field="consent")
    try:
        return create_user(db, email, password, name, "patient", consent_version=NOTICE_VERSION)
    except AppError as exc:
        if exc.status != 409:
            raise
        hash_password(password)
        return None


def authenticate(
    db: Session, email: str, password: str, client: str | None = None, channel: str = ""
) -> User:
    """The user with this e-mail and password; 401 otherwise, 429 while the account or the client address
    (``client``) is throttled, 403 for a deactivated account (only with the right password). An unknown
    e-mail costs one password check too (no enumeration by timing).

    Every attempt is audited (``login``, ``login_failed``, ``login_throttled``, ``login_inactive``; detail
    ``via=<channel>``): a failure is linked to the account when it exists, and an unknown address is not
    stored."""
    names = throttle.keys(email, client)
    user = db.scalar(select(User).where(User.email == email.strip().lower()))
    via = f"via={channel or '-'}"
    try:
        throttle.check(db, names)
    except AppError:
        _audit_login(db, user, "login_throttled", via)
        raise
    if user is None:
        verify_dummy(password)
    if user is None or not verify_password(user.password_hash, password):
        _audit_login(db, user, "login_failed", via if user else f"{via} unknown_account")
        throttle.failed(db, names)
        raise AppError(401, "error.bad_login")
    throttle.succeeded(db, email)
    if not user.active:
        _audit_login(db, user, "login_inactive", via)
        raise AppError(403, "error.inactive")
    _audit_login(db, user, "login", via)
    return user


def _audit_login(db: Session, user: User | None, action: str, detail: str) -> None:
    audit.record(db, user, action, detail=detail)
    db.commit()


def user_for_token(db: Session, secret_key: str, token: str) -> User:
    """The active user of a bearer token's live session; 401 when forged, expired, revoked or deactivated."""
    user = sessions.user_for(db, read_token(secret_key, token), "api")
    if user is None:
        raise AppError(401, "error.bad_token")
    return user


def user_id_for_token(db: Session, secret_key: str, token: str) -> tuple[int, str]:
    """:func:`user_for_token` as one Core ``SELECT`` of the id and role (no ORM object): for the upload,
    which needs only those; same 401s."""
    found = sessions.user_id_and_role_for(db, read_token(secret_key, token), "api")
    if found is None:
        raise AppError(401, "error.bad_token")
    return found


def change_password(db: Session, user: User, current: str, new: str) -> None:
    """Set a new password (the current one must match: 400 otherwise) and end every session and token of
    the account; committed."""
    if not verify_password(user.password_hash, current):
        raise AppError(400, "error.bad_current_password")
    check_password(new, user.email, user.name)
    user.password_hash = hash_password(new)
    sessions.revoke_all(db, user.id)
    audit.record(db, user, "password_change")
    db.commit()


def revoke_sessions(db: Session, admin: User, user_id: int) -> int:
    """An admin signs a user out everywhere (web sessions and API tokens); how many were live."""
    require_role(admin, "admin")
    user = db.get(User, user_id)
    if user is None:
        raise not_found()
    n = sessions.revoke_all(db, user.id)
    audit.record(db, admin, "revoke_sessions", detail=f"{user.email} n={n}")
    db.commit()
    return n


def require_role(user: User, *roles: str) -> None:
    if user.role not in roles:
        raise forbidden()


def admin_create_user(db: Session, admin: User, email: str, password: str, name: str, role: str) -> User:
    require_role(admin, "admin")
    user = create_user(db, email, password, name, role)
    audit.record(db, admin, "create_user", detail=f"{user.email} role={role}")
    db.commit()
    return user


def set_active(db: Session, admin: User, user_id: int, active: bool) -> User:
    require_role(admin, "admin")
    user = db.get(User, user_id)
    if user is None:
        raise not_found()
    if user.id == admin.id and not active:
        raise AppError(400, "error.cannot_deactivate_self")
    user.active = active
    if not active:
        sessions.revoke_all(db, user.id)
    audit.record(db, admin, "activate" if active else "deactivate", detail=user.email)
    db.commit()
    return user


def list_users(db: Session, admin: User) -> list[User]:
    require_role(admin, "admin")
    return list(db.scalars(select(User).order_by(User.role, User.email)))
