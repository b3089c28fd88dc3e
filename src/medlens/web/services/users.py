"""Accounts: patient sign-up, login, admin-created clinicians/admins, deactivation."""

from __future__ import annotations

import re

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from medlens.db import ROLES, User
from medlens.web.errors import AppError, forbidden, not_found
from medlens.web.security import hash_password, read_token, verify_password
from medlens.web.services import audit

_ACTIVE_ID = select(User.id).where(User.id == bindparam("uid"), User.active.is_(True))
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8


def create_user(db: Session, email: str, password: str, name: str = "", role: str = "patient") -> User:
    """Create and commit a user; 400 on a bad e-mail/password, 409 when the e-mail is taken."""
    email = email.strip().lower()
    if not _EMAIL.match(email) or len(email) > 255:
        raise AppError(400, "error.bad_email")
    if len(password) < MIN_PASSWORD:
        raise AppError(400, "error.short_password", n=MIN_PASSWORD)
    if role not in ROLES:
        raise AppError(400, "error.bad_role")
    if db.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise AppError(409, "error.email_taken")
    user = User(email=email, name=name.strip()[:120], password_hash=hash_password(password), role=role)
    db.add(user)
    try:
        db.flush()
        audit.record(db, user, "signup", detail=f"role={role}")
        db.commit()
    except IntegrityError as exc:
        db.rollback()
        raise AppError(409, "error.email_taken") from exc
    return user


def authenticate(db: Session, email: str, password: str) -> User:
    user = db.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not verify_password(user.password_hash, password):
        raise AppError(401, "error.bad_login")
    if not user.active:
        raise AppError(403, "error.inactive")
    return user


def active_user(db: Session, uid: object) -> User | None:
    """The active user with id ``uid``, or None (unknown id, deactivated, or not an int)."""
    if not isinstance(uid, int):
        return None
    user = db.get(User, uid)
    return user if user is not None and user.active else None


def user_for_token(db: Session, secret_key: str, token: str) -> User:
    """The active user a bearer token was issued to; 401 when forged, expired or deactivated."""
    user = active_user(db, read_token(secret_key, token))
    if user is None:
        raise AppError(401, "error.bad_token")
    return user


def user_id_for_token(db: Session, secret_key: str, token: str) -> int:
    """:func:`user_for_token` as one Core ``SELECT`` of the id (no ORM object): for the upload, which only
    needs the owner's id; same 401s."""
    uid = read_token(secret_key, token)
    if uid is None or db.connection().execute(_ACTIVE_ID, {"uid": uid}).scalar() is None:
        raise AppError(401, "error.bad_token")
    return uid


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
    audit.record(db, admin, "activate" if active else "deactivate", detail=user.email)
    db.commit()
    return user


def list_users(db: Session, admin: User) -> list[User]:
    require_role(admin, "admin")
    return list(db.scalars(select(User).order_by(User.role, User.email)))
