"""Password policy: long enough, not common, not derived from the account's own e-mail or name.

"Common" is zxcvbn's judgement (PyPI ``zxcvbn``, a maintained port of Dropbox's estimator): its
frequency lists of leaked passwords, English words, names and keyboard patterns, plus the account's
own e-mail, its local part and name words as ``user_inputs``. A password scoring below
:data:`MIN_SCORE` (of 0-4) is refused: ``12345678``, ``password``, ``iloveyou1`` or the user's own
e-mail score 0-1; ``correct-horse-9`` scores 4.
"""

from __future__ import annotations

import re

from medlens.web.errors import AppError

MIN_LENGTH = 8
MIN_SCORE = 2
_MAX_CHECKED = 72  # zxcvbn's cost grows with length; longer passwords are judged by their first 72 chars


def user_words(email: str, name: str) -> list[str]:
    """What an attacker who knows the account would try first."""
    local = email.split("@", 1)[0]
    return [w for w in {email, local, *re.split(r"[\W_]+", local), name, *name.split()} if len(w) >= 3]


def check_password(password: str, email: str = "", name: str = "") -> None:
    """400 ``error.short_password`` / ``error.weak_password`` unless the policy holds."""
    if len(password) < MIN_LENGTH:
        raise AppError(400, "error.short_password", n=MIN_LENGTH)
    from zxcvbn import zxcvbn

    words = user_words(email.strip().lower(), name.strip().lower())
    lowered = password.lower()
    if any(len(w) >= 4 and w in lowered and len(lowered) - len(w) < MIN_LENGTH for w in words):
        raise AppError(400, "error.weak_password")  # the e-mail or name with a few characters around it
    if zxcvbn(password[:_MAX_CHECKED], user_inputs=words)["score"] < MIN_SCORE:
        raise AppError(400, "error.weak_password")
