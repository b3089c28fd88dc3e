"""Issue 11, finding 9: ``medlens serve --workers 2`` starts (an app factory: uvicorn cannot hand an app
object to several processes) and its workers share all state through the database: a token issued by
one is honoured and revoked by all, login throttling counts across them."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from .conftest import PASSWORD
from .live_server import free_port as _free_port


@pytest.fixture
def two_workers(models_dir: Path, tmp_path: Path):
    port = _free_port()
    env = {
        **os.environ,
        "MEDLENS_DATABASE_URL": f"sqlite:///{tmp_path}/w.db",
        "MEDLENS_DATA_DIR": str(tmp_path / "var"),
        "MEDLENS_SECRET_KEY": "",  # generated once into the data dir, read by both workers
        "MEDLENS_DEFAULT_LANGUAGE": "en",
        "PYTHONPATH": os.pathsep.join(
            [str(Path(__file__).resolve().parents[2] / "src"), os.environ.get("PYTHONPATH", "")]
        ),
    }
    cmd = [
        sys.executable,
        "-m",
        "medlens.cli.main",
        "serve",
        "--port",
        str(port),
        "--workers",
        "2",
        "--models-dir",
        str(models_dir),
        "--no-access-log",
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    try:
        while time.time() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"server exited: {proc.stdout.read()[-2000:] if proc.stdout else ''}")
            try:
                if httpx.get(f"{base}/api/v1/tasks", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            pytest.fail("server did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.mark.slow
def test_two_workers_share_sessions_and_throttling(two_workers):
    base = two_workers
    email = f"w{secrets.token_hex(4)}@example.org"
    with httpx.Client(base_url=base, timeout=30) as c:
        assert (
            c.post(
                "/api/v1/auth/signup", json={"email": email, "password": PASSWORD, "consent": True}
            ).status_code
            == 202
        )
        token = c.post("/api/v1/auth/token", data={"username": email, "password": PASSWORD}).json()
        auth = {"Authorization": f"Bearer {token['access_token']}"}
        # new connections: the kernel spreads them over both workers
        for _ in range(20):
            assert httpx.get(f"{base}/api/v1/auth/me", headers=auth, timeout=30).status_code == 200
        assert httpx.post(f"{base}/api/v1/auth/logout", headers=auth, timeout=30).status_code == 204
        for _ in range(10):
            assert httpx.get(f"{base}/api/v1/auth/me", headers=auth, timeout=30).status_code == 401
        codes = [
            httpx.post(
                f"{base}/api/v1/auth/token", data={"username": email, "password": f"bad-{i}"}, timeout=30
            ).status_code
            for i in range(8)
        ]
        assert codes[:5] == [401] * 5 and codes[-1] == 429
