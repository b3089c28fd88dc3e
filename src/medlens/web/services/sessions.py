"""Server-side sessions: every web login and API token is a row of ``auth_sessions`` that can be revoked.

The client holds a random token (inside the signed session cookie, or inside the signed bearer token);
the database holds only its sha256. A request is authenticated only while its row exists, is not revoked
or expired, and its user is active: logout, a password change, an admin's "sign out everywhere" and
deactivation take effect at once, on every worker process.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import and_, bindparam, delete, select, update
from sqlalchemy.orm import Session

from medlens.db import AuthSession, User
from medlens.db.tables import utcnow

WEB_TTL = timedelta(days=7)
API_TTL = timedelta(hours=12)
KINDS = {"web": WEB_TTL, "api": API_TTL}

_LIVE = and_(
    AuthSession.token_hash == bindparam("h"),
    AuthSession.kind == bindparam("kind"),
    AuthSession.revoked_at.is_(None),
    AuthSession.expires_at > bindparam("now"),
    User.active.is_(True),
)
_LIVE_USER_ID_ROLE = select(User.id, User.role).join(AuthSession, AuthSession.user_id == User.id).where(_LIVE)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(db: Session, user_id: int, kind: str) -> str:
    """A new session for ``user_id`` (committed); returns the token for the client. Also drops this
    user's expired rows."""
    now = utcnow()
    token = secrets.token_urlsafe(32)
    db.execute(delete(AuthSession).where(AuthSession.user_id == user_id, AuthSession.expires_at < now))
    db.add(
        AuthSession(
            user_id=user_id, token_hash=_hash(token), kind=kind, created_at=now, expires_at=now + KINDS[kind]
        )
    )
    db.commit()
    return token


def user_for(db: Session, token: object, kind: str) -> User | None:
    """The active user of a live session token, or None."""
    if not isinstance(token, str) or not token:
        return None
    query = select(User).join(AuthSession, AuthSession.user_id == User.id).where(_LIVE)
    return db.scalars(query, {"h": _hash(token), "kind": kind, "now": utcnow()}).first()


def user_id_and_role_for(db: Session, token: object, kind: str) -> tuple[int, str] | None:
    """:func:`user_for` as one Core ``SELECT`` of the id and role (the upload path needs no more)."""
    if not isinstance(token, str) or not token:
        return None
    params = {"h": _hash(token), "kind": kind, "now": utcnow()}
    row = db.connection().execute(_LIVE_USER_ID_ROLE, params).first()
    return None if row is None else (int(row[0]), str(row[1]))


def revoke(db: Session, token: object) -> None:
    """End one session (logout); committed."""
    if isinstance(token, str) and token:
        db.execute(
            update(AuthSession)
            .where(AuthSession.token_hash == _hash(token), AuthSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        db.commit()


def revoke_all(db: Session, user_id: int) -> int:
    """End every live session and token of ``user_id`` (the caller commits); how many were live."""
    result = db.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return int(getattr(result, "rowcount", 0) or 0)
