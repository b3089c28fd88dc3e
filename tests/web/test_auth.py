"""Accounts: API sign-up/token, page login with CSRF, signed HttpOnly SameSite=Lax session cookie."""

from __future__ import annotations

import re

import pytest

from .conftest import PASSWORD


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_signup_token_me(client):
    r = client.post(
        "/api/v1/auth/signup",
        json={"email": "Grandma@Example.org", "password": PASSWORD, "name": "Kim", "consent": True},
    )
    assert r.status_code == 202 and "log in" in r.json()["detail"]
    assert "password" not in r.text
    r = client.post("/api/v1/auth/token", data={"username": "grandma@example.org", "password": PASSWORD})
    token = r.json()["access_token"]
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["name"] == "Kim" and me.json()["role"] == "patient"
    assert me.json()["email"] == "grandma@example.org"


def test_signup_rejects_weak_input_and_never_creates_staff(client):
    body = {"email": "a@example.org", "password": PASSWORD, "consent": True}
    assert client.post("/api/v1/auth/signup", json=body).status_code == 202
    assert (
        client.post(
            "/api/v1/auth/signup", json={"email": "b@example.org", "password": "short", "consent": True}
        ).status_code
        == 400
    )
    assert (
        client.post(
            "/api/v1/auth/signup", json={"email": "nope", "password": PASSWORD, "consent": True}
        ).status_code
        == 400
    )
    # sign-up can never create staff
    body = {"email": "c@example.org", "password": PASSWORD, "role": "admin", "consent": True}
    assert client.post("/api/v1/auth/signup", json=body).status_code == 202
    token = client.post("/api/v1/auth/token", data={"username": body["email"], "password": PASSWORD}).json()
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.json()["role"] == "patient"


def test_wrong_password_and_deactivated_user(client, make_account):
    pat, admin = make_account("patient"), make_account("admin")
    r = client.post("/api/v1/auth/token", data={"username": pat.email, "password": "wrong-password"})
    assert r.status_code == 401
    assert (
        client.post(f"/api/v1/admin/users/{pat.id}/deactivate", headers=admin.auth).json()["active"] is False
    )
    assert client.get("/api/v1/auth/me", headers=pat.auth).status_code == 401  # old token no longer works
    assert (
        client.post("/api/v1/auth/token", data={"username": pat.email, "password": PASSWORD}).status_code
        == 403
    )
    assert client.post(f"/api/v1/admin/users/{admin.id}/deactivate", headers=admin.auth).status_code == 400


def test_page_signup_login_logout_with_csrf(client):
    page = client.get("/signup")
    token = csrf_of(page.text)
    # missing / wrong CSRF token is refused
    form = {"email": "p@example.org", "password": PASSWORD, "consent": "1"}
    r = client.post("/signup", data=form, follow_redirects=False)
    assert r.status_code == 403
    r = client.post("/signup", data={**form, "csrf_token": "forged"}, follow_redirects=False)
    assert r.status_code == 403
    r = client.post("/signup", data={**form, "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?signed_up=1&next=/screen"
    assert "your account is ready" in client.get(r.headers["location"]).text
    token = csrf_of(client.get("/login").text)
    r = client.post(
        "/login",
        data={"email": "p@example.org", "password": PASSWORD, "csrf_token": token, "next": "/screen"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/screen"
    cookie = r.headers["set-cookie"].lower()
    assert "medlens_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert client.get("/cases").status_code == 200
    token = csrf_of(client.get("/cases").text)
    assert client.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    r = client.get("/cases", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_page_login_errors_are_shown(client, make_account):
    pat = make_account()
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"email": pat.email, "password": "bad-password", "csrf_token": token})
    assert r.status_code == 401 and "Wrong e-mail or password" in r.text
    r = client.post(
        "/login?lang=ko", data={"email": pat.email, "password": "bad-password", "csrf_token": token}
    )
    assert "비밀번호가 틀렸습니다" in r.text


def test_session_cookie_is_signed(client, make_account):
    pat = make_account()
    client.cookies.set("medlens_session", "eyJ1aWQiOiAxfQ==.forged.sig")
    r = client.get("/cases", follow_redirects=False)
    assert r.status_code == 303  # forged cookie = anonymous
    assert pat.id


def test_login_redirect_is_local_only(client, make_account):
    pat = make_account()
    token = csrf_of(client.get("/login").text)
    r = client.post(
        "/login",
        data={"email": pat.email, "password": PASSWORD, "csrf_token": token, "next": "//evil.example.com/"},
        follow_redirects=False,
    )
    assert r.headers["location"] == "/cases"


def test_email_pattern_is_checked_after_the_length_and_classifies_addresses(monkeypatch):
    """The pattern once backtracked quadratically on 'a@' + many dots (a page sign-up has no length cap
    before the service): an over-long address is refused without running the pattern at all."""
    from medlens.web.errors import AppError
    from medlens.web.services import users

    pattern = users._EMAIL
    for good in ("kim@example.org", "a.b+c@mail.example.co.kr"):
        assert pattern.match(good), good
    for bad in ("a@b", "a@.b", "a@b.", "a@b..c", "a b@c.d", "a@b@c.d", "@b.c"):
        assert not pattern.match(bad), bad
    calls: list[str] = []

    class Spy:
        def match(self, text: str) -> re.Match[str] | None:
            calls.append(text)
            return pattern.match(text)

    monkeypatch.setattr(users, "_EMAIL", Spy())
    with pytest.raises(AppError) as err:
        users.create_user(None, "a@" + "." * 100_000 + "@", "long-enough-pw-1")  # type: ignore[arg-type]
    assert (err.value.status, err.value.key) == (400, "error.bad_email") and calls == []
