"""Issue 11, finding 3: inputs that gave 500s. Ids out of range on every id route (API and pages), a plain
value where a file is expected, a file where a text field is expected, and timestamps without a zone."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from .conftest import photo_bytes, stored_files, upload
from .test_pages import login

BAD_IDS = ("9223372036854775808", "99999999999999999999", "-1", "0", "2147483648")


PAGE_ID_ROUTES = [
    ("GET", "/cases/{case_id}"),
    ("POST", "/cases/{case_id}/submit"),
    ("GET", "/cases/{case_id}/image"),
    ("GET", "/cases/{case_id}/heatmap"),
    ("GET", "/cases/{case_id}/report.pdf"),
    ("GET", "/clinic/cases/{case_id}"),
    ("POST", "/clinic/cases/{case_id}/reply"),
    ("POST", "/admin/users/{user_id}/active"),
    ("GET", "/admin/products/{product_id}"),
    ("POST", "/admin/products/{product_id}"),
    ("POST", "/admin/products/{product_id}/delete"),
    ("POST", "/admin/models/melanoma/versions/{version}/compare"),
    ("POST", "/admin/models/melanoma/versions/{version}/promote"),
]


def _api_id_routes(app) -> list[tuple[str, str]]:
    """Every (method, path) of the published API with a case or user id in its path."""
    paths = app.openapi()["paths"]
    return [(m.upper(), p) for p, ops in paths.items() if re.search(r"\{(case|user)_id\}", p) for m in ops]


@pytest.mark.parametrize("bad_id", BAD_IDS)
def test_out_of_range_ids_are_404_on_every_api_route(client, make_account, bad_id):
    admin = make_account("admin")
    routes = _api_id_routes(client.app)
    assert len(routes) >= 9
    for method, path in routes:
        url = re.sub(r"\{(case|user)_id\}", bad_id, path)
        r = client.request(method, url, headers=admin.auth, json={"body": "x"})
        assert r.status_code == 404, (method, url, r.status_code, r.text)
        assert r.json()["code"] == "error.not_found"


@pytest.mark.parametrize("bad_id", BAD_IDS[:3])
def test_out_of_range_ids_are_404_on_every_page_route(client, make_account, bad_id):
    admin = make_account("admin")
    login(client, admin.email)
    for method, path in PAGE_ID_ROUTES:
        url = re.sub(r"\{(case|user|product)_id\}|\{version\}", bad_id, path)
        r = client.request(method, url, follow_redirects=False)
        assert r.status_code == 404, (method, url, r.status_code)
        assert "text/html" in r.headers["content-type"]


def test_plain_value_where_a_file_is_expected_is_a_json_422(client, make_account):
    pat = make_account()
    r = client.post(
        "/api/v1/cases",
        data={"task": "melanoma", "file": "hello"},
        files={"other": ("x.txt", b"x", "text/plain")},  # multipart, but no file under "file"
        headers=pat.auth,
    )
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "error.invalid_form" and body["errors"][0]["loc"] == ["body", "file"]


def test_username_sent_as_a_file_is_a_json_422(client, make_account):
    pat = make_account()
    r = client.post(
        "/api/v1/auth/token",
        data={"password": "whatever-1"},
        files={"username": ("u.txt", pat.email.encode(), "text/plain")},
    )
    assert r.status_code == 422, r.text
    assert [e["loc"] for e in r.json()["errors"]] == [["body", "username"]]


def test_timestamps_carry_their_zone(client, make_account):
    pat, admin = make_account(), make_account("admin")
    case = upload(client, pat, photo_bytes()).json()
    me = client.get("/api/v1/auth/me", headers=pat.auth).json()
    audit = client.get("/api/v1/admin/audit", headers=admin.auth).json()
    for stamp in (case["created_at"], me["created_at"], audit[0]["at"]):
        assert datetime.fromisoformat(stamp).utcoffset() is not None, stamp


@pytest.mark.parametrize("lesion_id", ["²", "٣", "0", "99999999999", "9" * 20])
def test_a_lesion_id_that_is_no_database_id_is_a_400_naming_the_field(
    client, make_account, settings, lesion_id
):
    """'²' and '٣' pass str.isdigit() but not int(); 99999999999 and twenty nines (the form's
    longest) overflow PostgreSQL's INTEGER. Each gave a 500 (the last two on PostgreSQL)."""
    pat = make_account()
    r = upload(client, pat, photo_bytes(), lesion="same", lesion_id=lesion_id)
    assert r.status_code == 400, r.text
    assert r.json()["field"] == "lesion_id"
    assert not stored_files(settings)


def test_nul_characters_are_a_4xx_and_store_nothing(client, make_account, settings):
    """PostgreSQL text refuses NUL (psycopg raised a DataError, a 500); SQLite stores it. Either way the
    answer is a 4xx, and where the database refuses it is a 400 naming the reason, with nothing stored."""
    from sqlalchemy import select

    from medlens.db import User

    on_postgres = settings.database_url.startswith("postgresql")
    r = client.post("/api/v1/auth/token", data={"username": "a\x00b@example.org", "password": "whatever-1"})
    assert r.status_code == (400 if on_postgres else 401), r.text
    r = client.post(
        "/api/v1/auth/signup",
        json={"email": "nul@example.org", "password": "long-enough-pw-1", "name": "K\x00im", "consent": True},
    )
    assert r.status_code == (400 if on_postgres else 202), r.text
    if on_postgres:
        assert r.json()["code"] == "error.unstorable" and "NUL" in r.json()["detail"]
        with client.app.state.medlens.session_factory() as db:
            assert db.scalar(select(User).where(User.email == "nul@example.org")) is None
