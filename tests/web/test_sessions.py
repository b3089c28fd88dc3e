"""Issue 11, finding 5: sessions and API tokens are server-side and revocable (logout, password change,
admin "sign out everywhere", deactivation); a Secure cookie flag for HTTPS deployments."""

from __future__ import annotations

from fastapi.testclient import TestClient

from medlens.web.app import create_app

from .conftest import PASSWORD
from .test_auth import csrf_of
from .test_pages import login


def _cookie_works(app, cookie: str) -> bool:
    """Does a copy of a session cookie (another browser, an attacker) still open a signed-in page?"""
    with TestClient(app) as other:
        other.cookies.set("medlens_session", cookie)
        return other.get("/cases", follow_redirects=False).status_code == 200


def test_logout_revokes_a_copied_session_cookie(client, make_account):
    pat = make_account()
    login(client, pat.email)
    cookie = client.cookies.get("medlens_session")
    assert _cookie_works(client.app, cookie)
    token = csrf_of(client.get("/cases").text)
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert not _cookie_works(client.app, cookie)


def test_api_logout_revokes_the_token(client, make_account):
    pat = make_account()
    other = client.post("/api/v1/auth/token", data={"username": pat.email, "password": PASSWORD}).json()
    assert client.post("/api/v1/auth/logout", headers=pat.auth).status_code == 204
    assert client.get("/api/v1/auth/me", headers=pat.auth).status_code == 401
    # only that token: another login of the same account still works
    assert client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {other['access_token']}"}
    ).is_success


def test_password_change_revokes_every_session_and_token(client, make_account):
    pat = make_account()
    login(client, pat.email)
    cookie = client.cookies.get("medlens_session")
    new = "a-new-Passphrase-77"
    r = client.post(
        "/api/v1/auth/password",
        json={"current_password": "wrong-one", "new_password": new},
        headers=pat.auth,
    )
    assert r.status_code == 400
    r = client.post(
        "/api/v1/auth/password", json={"current_password": PASSWORD, "new_password": new}, headers=pat.auth
    )
    assert r.status_code == 200, r.text
    assert client.get("/api/v1/auth/me", headers=pat.auth).status_code == 401
    assert not _cookie_works(client.app, cookie)
    fresh = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert client.get("/api/v1/auth/me", headers=fresh).status_code == 200
    assert (
        client.post("/api/v1/auth/token", data={"username": pat.email, "password": PASSWORD}).status_code
        == 401
    )
    assert client.post("/api/v1/auth/token", data={"username": pat.email, "password": new}).status_code == 200


def test_admin_signs_a_user_out_everywhere(client, make_account):
    pat, bystander, admin = make_account(), make_account(), make_account("admin")
    login(client, pat.email)
    cookie = client.cookies.get("medlens_session")
    assert client.post(f"/api/v1/admin/users/{pat.id}/revoke-sessions", headers=pat.auth).status_code == 403
    r = client.post(f"/api/v1/admin/users/{pat.id}/revoke-sessions", headers=admin.auth)
    assert r.status_code == 200 and r.json()["revoked"] == 2  # the API token and the web session
    assert client.get("/api/v1/auth/me", headers=pat.auth).status_code == 401
    assert not _cookie_works(client.app, cookie)
    assert client.get("/api/v1/auth/me", headers=bystander.auth).status_code == 200
    # the same from the admin page
    login(client, pat.email)
    cookie = client.cookies.get("medlens_session")
    login(client, admin.email)
    csrf = csrf_of(client.get("/admin/users").text)
    r = client.post(f"/admin/users/{pat.id}/revoke", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert not _cookie_works(client.app, cookie)


def test_deactivation_revokes_sessions_for_good(client, make_account):
    pat, admin = make_account(), make_account("admin")
    client.post(f"/api/v1/admin/users/{pat.id}/deactivate", headers=admin.auth)
    client.post(f"/api/v1/admin/users/{pat.id}/activate", headers=admin.auth)
    assert client.get("/api/v1/auth/me", headers=pat.auth).status_code == 401  # re-activation revives nothing


def test_secure_cookie_flag(settings, make_account, client):
    pat = make_account()
    assert "secure" not in client.get("/login").headers["set-cookie"].lower()
    with TestClient(create_app(settings.model_copy(update={"cookie_secure": True}))) as c:
        c.get("/login")  # sets the CSRF session
        csrf = csrf_of(c.get("/login").text)
        r = c.post(
            "/login",
            data={"email": pat.email, "password": PASSWORD, "csrf_token": csrf},
            follow_redirects=False,
        )
        assert "; secure" in r.headers["set-cookie"].lower()
