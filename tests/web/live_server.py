"""One real ``medlens serve`` process for the browser tests: start it on a free port with its own SQLite
database, data folder and secret key, wait until it answers, create the users a walk needs, stop it."""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from .conftest import PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_chromium() -> None:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip("headless Chromium not installed (apt-get install -y chromium chromium-driver)")


@dataclass
class Live:
    base: str  # http://127.0.0.1:PORT
    env: dict[str, str]  # the server's environment (for CLI calls against the same database)
    cli: list[str]  # the medlens command


@contextmanager
def live_server(
    models: Path,
    tmp: Path,
    users: Sequence[tuple[str, str, str | None]] = (),
    env_extra: Mapping[str, str | None] | None = None,
    start_timeout: float = 240,  # a loaded machine (2 shared cores) can take minutes
) -> Iterator[Live]:
    """``users``: (email, role, display name or None), created with ``medlens admin create-user`` and
    the shared test ``PASSWORD``. ``env_extra``: settings to add (a value of None removes the variable)."""
    require_chromium()
    env = {
        **os.environ,
        "MEDLENS_DATABASE_URL": f"sqlite:///{tmp}/e2e.db",
        "MEDLENS_DATA_DIR": str(tmp / "var"),
        "MEDLENS_SECRET_KEY": secrets.token_urlsafe(48),
        "MEDLENS_DEFAULT_LANGUAGE": "ko",
        "MEDLENS_JOBS_EVERY_MINUTES": "0",  # the walks call `medlens notify ...` themselves
    }
    for key, value in (env_extra or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    cli = [str(Path(sys.executable).with_name("medlens"))]
    port = free_port()
    proc = subprocess.Popen(
        [*cli, "serve", "--host", "127.0.0.1", "--port", str(port), "--models-dir", str(models)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + start_timeout
        while time.time() < deadline:
            try:
                if httpx.get(f"{base}/api/v1/tasks", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
            if proc.poll() is not None:
                pytest.fail(f"server exited: {proc.stdout.read().decode()[-2000:]}")  # type: ignore[union-attr]
        else:
            proc.terminate()
            out = proc.communicate(timeout=10)[0].decode(errors="replace")  # type: ignore[union-attr]
            pytest.fail(f"server did not start in {start_timeout:.0f} s: {out[-3000:]}")
        for email, role, name in users:
            args = [*cli, "admin", "create-user", "--email", email, "--password", PASSWORD, "--role", role]
            r = subprocess.run(
                [*args, *(["--name", name] if name else [])], env=env, capture_output=True, text=True
            )
            assert r.returncode == 0, r.stdout + r.stderr
        yield Live(base, env, cli)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
