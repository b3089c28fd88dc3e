"""Issue 11, finding 4: login throttling (per account, per client address, exponential back-off),
no account enumeration (sign-up answers and login timing), a password policy against common and
user-derived passwords."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from medlens.web.errors import AppError
from medlens.web.services import throttle
from medlens.web.services.passwords import check_password

from .conftest import PASSWORD
from .test_auth import csrf_of


class CountingHasher(PasswordHasher):
    """The tests' cheap argon2id, counting its calls."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=256, parallelism=1)
        self.calls: list[str] = []

    def hash(self, password, *, salt=None):  # type: ignore[no-untyped-def, override]
        self.calls.append("hash")
        return super().hash(password, salt=salt)

    def verify(self, hash, password):  # type: ignore[no-untyped-def, override]
        self.calls.append("verify")
        return super().verify(hash, password)


def _token(client, email: str, password: str, ip: str | None = None):
    # TestClient's client address is "testclient"; X-Forwarded-For is not trusted, so a different
    # address is simulated by a fresh throttle key in the unit test below
    return client.post("/api/v1/auth/token", data={"username": email, "password": password})


def test_thirty_wrong_passwords_lock_the_account(client, make_account):
    """The red-team finding: 30 wrong passwords, then the right one worked."""
    pat = make_account()
    codes = [_token(client, pat.email, f"wrong-{i}").status_code for i in range(30)]
    assert codes[: throttle.FREE["acct"]] == [401] * throttle.FREE["acct"]
    assert 429 in codes  # locked before the 30th attempt
    r = _token(client, pat.email, PASSWORD)
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert r.json()["code"] == "error.throttled"


def test_lock_is_per_account_and_applies_to_unknown_accounts_too(client, make_account):
    pat, other = make_account(), make_account()
    # 4 over the allowance: a 16 s lock, so a slow (loaded) machine still checks inside it
    for i in range(throttle.FREE["acct"] + 4):
        _token(client, "nobody@example.org", f"wrong-{i}")
        _token(client, pat.email, f"wrong-{i}")
    assert _token(client, "nobody@example.org", "x-anything-1").status_code == 429  # no tell
    assert _token(client, pat.email, PASSWORD).status_code == 429
    assert _token(client, other.email, PASSWORD).status_code == 200  # another account is unaffected


def test_page_login_is_throttled_too(client, make_account):
    pat = make_account()
    token = csrf_of(client.get("/login").text)
    for i in range(throttle.FREE["acct"] + 1):
        client.post("/login", data={"email": pat.email, "password": f"bad-{i}", "csrf_token": token})
    r = client.post("/login", data={"email": pat.email, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 429 and "Too many failed logins" in r.text and r.headers["retry-after"]


def test_backoff_is_exponential_and_capped_per_address(client):
    assert [throttle.lock_seconds("acct", n) for n in range(4, 10)] == [0, 1, 2, 4, 8, 16]
    assert throttle.lock_seconds("acct", 60) == throttle.CAP_S
    # an address spraying many accounts is locked once it passes its own allowance
    with client.app.state.medlens.session_factory() as db:
        for i in range(throttle.FREE["ip"] + 1):
            throttle.failed(db, throttle.keys(f"user{i}@example.org", "203.0.113.9"))
        with pytest.raises(AppError) as err:
            throttle.check(db, throttle.keys("fresh@example.org", "203.0.113.9"))
        assert err.value.status == 429
        throttle.check(db, throttle.keys("fresh@example.org", "198.51.100.1"))  # other address: fine


def test_correct_login_clears_the_account_count(client, make_account):
    pat = make_account()
    for i in range(throttle.FREE["acct"] - 1):
        _token(client, pat.email, f"wrong-{i}")
    assert _token(client, pat.email, PASSWORD).status_code == 200
    for i in range(throttle.FREE["acct"] - 1):
        _token(client, pat.email, f"wrong-{i}")
    assert _token(client, pat.email, PASSWORD).status_code == 200


def test_unknown_account_costs_a_password_check(client, make_account, monkeypatch):
    """Constant time: an unknown e-mail runs one argon2 verification, like a known one (it was 4 ms vs
    220 ms). Counted, not timed, so the test cannot flake."""
    pat = make_account()
    hasher = CountingHasher()
    monkeypatch.setattr("medlens.web.security._HASHER", hasher)
    assert _token(client, "nobody@example.org", "some-password-1").status_code == 401
    unknown = hasher.calls.count("verify")
    assert _token(client, pat.email, "some-password-1").status_code == 401
    assert unknown == 1 and hasher.calls.count("verify") == 2


def test_signup_answers_do_not_reveal_registered_emails(client, make_account, monkeypatch):
    pat = make_account()
    hasher = CountingHasher()
    monkeypatch.setattr("medlens.web.security._HASHER", hasher)
    new = client.post(
        "/api/v1/auth/signup", json={"email": "fresh@example.org", "password": PASSWORD, "consent": True}
    )
    taken = client.post(
        "/api/v1/auth/signup", json={"email": pat.email, "password": PASSWORD, "consent": True}
    )
    assert (new.status_code, new.json()) == (taken.status_code, taken.json()) == (202, new.json())
    assert hasher.calls == ["hash", "hash"]  # both paths hash a password (same time)
    # the page: the same redirect for both
    csrf = csrf_of(client.get("/signup").text)
    a = client.post(
        "/signup",
        data={"email": "fresh2@example.org", "password": PASSWORD, "consent": "1", "csrf_token": csrf},
        follow_redirects=False,
    )
    b = client.post(
        "/signup",
        data={"email": pat.email, "password": PASSWORD, "consent": "1", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert (a.status_code, a.headers["location"]) == (b.status_code, b.headers["location"])


@pytest.mark.parametrize(
    "password",
    [
        "12345678",
        "password",
        "iloveyou1",
        "qwertyuiop",
        "grandma@example.org",
        "grandma1234",
        "Youngja-Kim",
        "kimyoungja99",
    ],
)
def test_common_and_user_derived_passwords_are_refused(client, password):
    r = client.post(
        "/api/v1/auth/signup",
        json={"email": "grandma@example.org", "password": password, "name": "Youngja Kim", "consent": True},
    )
    assert r.status_code == 400 and r.json()["code"] in ("error.weak_password", "error.short_password"), (
        password,
        r.text,
    )


def test_reasonable_passwords_pass_the_policy():
    for password in (PASSWORD, "a-new-Passphrase-77", "Tr0ub4dor&3", "x" * 20 + "Q7!z"):
        check_password(password, "grandma@example.org", "Youngja Kim")
