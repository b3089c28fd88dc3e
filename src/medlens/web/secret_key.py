"""The signing key of sessions and API tokens: never a known constant.

``MEDLENS_SECRET_KEY`` when set; otherwise a random key generated on first start into
``<data_dir>/secret_key`` (mode 0600) and reused after. A known placeholder or a key shorter than
:data:`MIN_KEY_CHARS` is refused unless the server runs in explicit dev mode (``medlens serve --dev`` /
``MEDLENS_DEV=1``). Changing the key invalidates every API token and session cookie signed with the old one.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

log = logging.getLogger(__name__)

MIN_KEY_CHARS = 32
KEY_FILE = "secret_key"
# placeholders seen in this project's history and in common templates
KNOWN_KEYS = frozenset(
    {
        "change-me-in-production",
        "changeme",
        "change-me",
        "secret",
        "secret-key",
        "test-secret-key",
        "dev",
        "development",
        "insecure",
    }
)


class InsecureSecretKey(RuntimeError):
    """The configured key is a known placeholder or too short (and dev mode is off)."""


def _problem(key: str) -> str | None:
    if key.strip().lower() in KNOWN_KEYS:
        return "is a known placeholder"
    if len(key) < MIN_KEY_CHARS:
        return f"is shorter than {MIN_KEY_CHARS} characters"
    return None


def _read_or_create(path: Path) -> str:
    """The key stored at ``path``; a new random one written there (0600, atomically) when absent."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # an earlier start, or another worker that won the race
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(key + "\n")
    log.info("generated a new secret key in %s (mode 0600)", path)
    return key


def resolve_secret_key(configured: str, data_dir: Path, dev: bool = False) -> str:
    """The key to sign with: ``configured`` when given, else the data directory's generated key.

    Raises :class:`InsecureSecretKey` for a known or short key unless ``dev``."""
    path = Path(data_dir) / KEY_FILE
    key, source = (configured, "MEDLENS_SECRET_KEY") if configured else (_read_or_create(path), str(path))
    problem = _problem(key)
    if problem is None:
        if not configured and path.stat().st_mode & 0o077:
            log.warning("%s is readable by other users; chmod 600 it", path)
        return key
    if dev:
        log.warning("dev mode: the secret key from %s %s; never use this in production", source, problem)
        return key
    raise InsecureSecretKey(
        f"the secret key from {source} {problem}. Unset MEDLENS_SECRET_KEY to have a random key generated "
        f"in {path}, or set it to at least {MIN_KEY_CHARS} random characters "
        "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'); "
        "`medlens serve --dev` (MEDLENS_DEV=1) accepts it for local development only."
    )
