"""Login throttling with exponential back-off, per account and per client address.

Each failed login counts against ``acct:<e-mail>`` (whether or not the account exists, so a lock tells
nothing) and ``ip:<client address>``. Past a free allowance (:data:`FREE`), every further failure locks
the key for ``BASE_S * 2**(failures - free)`` seconds, capped at :data:`CAP_S`; a locked key is refused
with 429 and ``Retry-After`` before any password is checked. Failures are forgotten after
:data:`FORGET` without one, and a successful login clears its account's count (not the address's).
The counts live in the database, so every worker process sees the same ones.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from medlens.db import LoginThrottle
from medlens.db.tables import utcnow
from medlens.web.errors import AppError

FREE = {"acct": 5, "ip": 20}
BASE_S = 1.0
CAP_S = 15 * 60.0
FORGET = timedelta(hours=1)


def keys(email: str, client: str | None) -> list[str]:
    out = [f"acct:{email.strip().lower()[:300]}"]
    if client:
        out.append(f"ip:{client[:300]}")
    return out


def lock_seconds(kind: str, failures: int) -> float:
    """The lock after ``failures`` consecutive failures of a key of ``kind`` (0 within the allowance)."""
    over = failures - FREE[kind]
    return 0.0 if over < 0 else min(CAP_S, BASE_S * 2.0**over)


def check(db: Session, names: list[str], now: datetime | None = None) -> None:
    """429 (``Retry-After``) while any of ``names`` is locked."""
    now = now or utcnow()
    waits = [
        (row.locked_until - now).total_seconds()
        for name in names
        if (row := db.get(LoginThrottle, name)) is not None and row.locked_until and row.locked_until > now
    ]
    if waits:
        seconds = math.ceil(max(waits))
        raise AppError(429, "error.throttled", seconds=seconds, retry_after=seconds)


def failed(db: Session, names: list[str], now: datetime | None = None) -> None:
    """Count a failed login against each of ``names`` (committed)."""
    now = now or utcnow()
    for name in names:
        for _ in range(2):  # a concurrent first failure may insert the row under us: then update it
            row = db.get(LoginThrottle, name)
            if row is None:
                row = LoginThrottle(key=name, failures=0, updated_at=now)
                db.add(row)
            elif now - row.updated_at > FORGET:
                row.failures = 0
            row.failures += 1
            row.updated_at = now
            wait = lock_seconds(name.split(":", 1)[0], row.failures)
            row.locked_until = now + timedelta(seconds=wait) if wait else None
            try:
                db.commit()
                break
            except IntegrityError:
                db.rollback()


def succeeded(db: Session, email: str) -> None:
    """A correct password clears the account's count (committed)."""
    row = db.get(LoginThrottle, keys(email, None)[0])
    if row is not None:
        db.delete(row)
        db.commit()
