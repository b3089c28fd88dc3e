"""Password hashing (argon2), API bearer tokens and CSRF tokens (itsdangerous)."""

from __future__ import annotations

import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer

_HASHER = PasswordHasher()
TOKEN_MAX_AGE_S = 12 * 3600


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY: dict[int, str] = {}


def verify_dummy(password: str) -> None:
    """Spend the time of one real password check (for an unknown account, so that its answer takes as
    long as a known account's: no enumeration by timing)."""
    hasher = _HASHER
    dummy = _DUMMY.get(id(hasher))
    if dummy is None:
        dummy = _DUMMY[id(hasher)] = hasher.hash(secrets.token_urlsafe(16))
    verify_password(dummy, password)


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="medlens-api-token")


def issue_token(secret_key: str, session_token: str) -> str:
    """A signed, time-limited bearer token for the JSON API, carrying its server-side session's token
    (:mod:`medlens.web.services.sessions`): revoking the session revokes the bearer token."""
    return _serializer(secret_key).dumps({"sid": session_token})


def read_token(secret_key: str, token: str) -> str | None:
    """The session token inside a bearer token, or None if it is forged or expired."""
    try:
        data = _serializer(secret_key).loads(token, max_age=TOKEN_MAX_AGE_S)
    except BadSignature:
        return None
    sid = data.get("sid") if isinstance(data, dict) else None
    return sid if isinstance(sid, str) else None


def new_csrf_token() -> str:
    return secrets.token_urlsafe(24)


def csrf_matches(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))
