"""Issue 11, finding 7: a retried upload (the client never saw the 201) returns the first case instead of
storing a duplicate: ``Idempotency-Key`` on the API, the upload form's own token on the page."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from medlens.db import Case

from .conftest import photo_bytes, upload
from .test_pages import login


def _count(client) -> int:
    with client.app.state.medlens.session_factory() as db:
        return db.query(Case).count()


def test_api_retry_with_the_same_key_returns_the_first_case(client, make_account):
    pat, other = make_account(), make_account()
    data = photo_bytes()
    key = {"Idempotency-Key": "retry-7f3a"}
    first = client.post(
        "/api/v1/cases",
        data={"task": "melanoma"},
        files={"file": ("a.jpg", data, "image/jpeg")},
        headers={**pat.auth, **key},
    )
    again = client.post(
        "/api/v1/cases",
        data={"task": "melanoma"},
        files={"file": ("a.jpg", data, "image/jpeg")},
        headers={**pat.auth, **key},
    )
    assert first.status_code == 201 and again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true" and again.json()["id"] == first.json()["id"]
    assert _count(client) == 1
    # keys are per account, and no key means a new case each time
    theirs = client.post(
        "/api/v1/cases",
        data={"task": "melanoma"},
        files={"file": ("a.jpg", data, "image/jpeg")},
        headers={**other.auth, **key},
    )
    assert theirs.status_code == 201 and theirs.json()["id"] != first.json()["id"]
    assert upload(client, pat, data).status_code == 201
    assert _count(client) == 3


def test_concurrent_retries_store_one_case(client, make_account):
    pat = make_account()
    data = photo_bytes()

    def send(_: int):
        return client.post(
            "/api/v1/cases",
            data={"task": "melanoma"},
            files={"file": ("a.jpg", data, "image/jpeg")},
            headers={**pat.auth, "Idempotency-Key": "same-key"},
        )

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(send, range(4)))
    assert sorted(r.status_code for r in results) == [200, 200, 200, 201]
    assert len({r.json()["id"] for r in results}) == 1 and _count(client) == 1


def test_bad_key_is_400(client, make_account):
    pat = make_account()
    r = client.post(
        "/api/v1/cases",
        data={"task": "melanoma"},
        files={"file": ("a.jpg", photo_bytes(), "image/jpeg")},
        headers={**pat.auth, "Idempotency-Key": "has space"},
    )
    assert r.status_code == 400 and _count(client) == 0


def test_page_form_resubmission_shows_the_first_case(client, make_account):
    pat = make_account()
    login(client, pat.email)
    form = client.get("/screen/melanoma").text
    fields = dict(re.findall(r'name="(csrf_token|upload_token)" value="([^"]+)"', form))
    assert set(fields) == {"csrf_token", "upload_token"}
    data = {**fields, "sex": "female", "age_group": "70-79", "body_site": "back", "symptom_onset": "months"}
    files = {"file": ("a.jpg", photo_bytes(), "image/jpeg")}
    a = client.post("/screen/melanoma", data=data, files=files, follow_redirects=False)
    b = client.post("/screen/melanoma", data=data, files=files, follow_redirects=False)
    assert a.status_code == b.status_code == 303 and a.headers["location"] == b.headers["location"]
    assert _count(client) == 1
    # a fresh form (new token) makes a new case
    fresh = dict(
        re.findall(r'name="(csrf_token|upload_token)" value="([^"]+)"', client.get("/screen/melanoma").text)
    )
    c = client.post("/screen/melanoma", data={**data, **fresh}, files=files, follow_redirects=False)
    assert c.headers["location"] != a.headers["location"] and _count(client) == 2
