"""Issue 11, finding 1: the signing key is never a known constant; a rotated key invalidates tokens and
sessions. (The old default ``change-me-in-production`` let anyone forge an admin token and session.)"""

from __future__ import annotations

import base64
import json
import secrets
import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from typer.testing import CliRunner

from medlens.config import Settings
from medlens.web.app import create_app
from medlens.web.secret_key import KEY_FILE, InsecureSecretKey, resolve_secret_key

from .conftest import PASSWORD

OLD_DEFAULT = "change-me-in-production"


def _forged_token(key: str, uid: int) -> str:
    return URLSafeTimedSerializer(key, salt="medlens-api-token").dumps({"uid": uid})


def _forged_session(key: str, uid: int) -> str:
    """A Starlette session cookie for ``uid`` signed with ``key`` (what SessionMiddleware would write)."""
    data = base64.b64encode(json.dumps({"uid": uid, "csrf": "x"}).encode())
    return TimestampSigner(key).sign(data).decode()


def test_default_settings_generate_a_private_random_key(tmp_path: Path):
    settings = Settings(_env_file=None, data_dir=tmp_path / "var")
    assert settings.secret_key == ""  # no constant default any more
    key = resolve_secret_key(settings.secret_key, settings.data_dir)
    path = tmp_path / "var" / KEY_FILE
    assert len(key) >= 32 and key != OLD_DEFAULT
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert resolve_secret_key("", settings.data_dir) == key  # reused across restarts
    assert resolve_secret_key("", tmp_path / "other") != key  # another install, another key


@pytest.mark.parametrize("key", [OLD_DEFAULT, "test-secret-key", "x" * 31])
def test_known_or_short_key_refused_unless_dev(tmp_path: Path, key: str):
    with pytest.raises(InsecureSecretKey, match="MEDLENS_SECRET_KEY"):
        create_app(Settings(_env_file=None, data_dir=tmp_path, secret_key=key))
    create_app(Settings(_env_file=None, data_dir=tmp_path, secret_key=key, dev=True))  # explicit dev mode


def test_serve_refuses_a_known_key(tmp_path: Path, monkeypatch):
    from medlens.cli.main import app as cli
    from medlens.config import get_settings

    monkeypatch.setenv("MEDLENS_SECRET_KEY", OLD_DEFAULT)
    monkeypatch.setenv("MEDLENS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MEDLENS_DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    get_settings.cache_clear()
    try:
        r = CliRunner().invoke(cli, ["serve", "--port", "1"])
    finally:
        get_settings.cache_clear()
    assert r.exit_code == 2 and "known placeholder" in r.output
    assert not (tmp_path / "x.db").exists()  # refused before anything started


def test_forged_admin_token_and_session_with_old_default_are_refused(settings: Settings, make_account):
    """The red-team attack: sign a token / session cookie for an admin with the old default key."""
    admin = make_account("admin")
    app = create_app(settings.model_copy(update={"secret_key": ""}))  # a fresh install: generated key
    with TestClient(app) as c:
        forged = {"Authorization": f"Bearer {_forged_token(OLD_DEFAULT, admin.id)}"}
        assert c.get("/api/v1/admin/users", headers=forged).status_code == 401
        c.cookies.set("medlens_session", _forged_session(OLD_DEFAULT, admin.id))
        assert c.get("/admin/users", follow_redirects=False).status_code == 303  # to the login page


def test_rotating_the_key_invalidates_tokens_and_sessions(settings: Settings, client, make_account):
    admin = make_account("admin")
    assert client.get("/api/v1/admin/users", headers=admin.auth).status_code == 200
    page = client.get("/login")
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    r = client.post(
        "/login",
        data={"email": admin.email, "password": PASSWORD, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    cookie = client.cookies.get("medlens_session")
    assert client.get("/admin/users", follow_redirects=False).status_code == 200

    rotated = create_app(settings.model_copy(update={"secret_key": secrets.token_urlsafe(48)}))
    with TestClient(rotated) as c:
        assert c.get("/api/v1/admin/users", headers=admin.auth).status_code == 401
        c.cookies.set("medlens_session", cookie)
        assert c.get("/admin/users", follow_redirects=False).status_code == 303
