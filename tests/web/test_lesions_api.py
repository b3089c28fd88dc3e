"""Follow-up of a lesion through the JSON API: the same fields as the upload form (``lesion``,
``lesion_site``, ``lesion_label``, ``lesion_id``), the caller's own lesions (``GET /lesions``) and the
next-check date (``PUT /cases/{id}/next-check``). Only one's own lesions; bad input is a 4xx and stores
nothing."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from medlens.db import Case, Lesion
from medlens.web.services.lesions import LESION_SITES

from .conftest import photo_bytes, upload


def _counts(client) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with client.app.state.medlens.session_factory() as db:
        return (
            db.scalar(select(func.count()).select_from(Case)) or 0,
            db.scalar(select(func.count()).select_from(Lesion)) or 0,
        )


def test_api_follows_one_lesion_over_two_photos(client, make_account) -> None:
    pat = make_account("patient")
    assert client.get("/api/v1/lesions/sites").json() == list(LESION_SITES)
    first = upload(client, pat, photo_bytes(), lesion="new", lesion_site="back", lesion_label="shoulder mole")
    assert first.status_code == 201, first.text
    lesion_id = first.json()["lesion_id"]
    assert isinstance(lesion_id, int)
    second = upload(client, pat, photo_bytes(size=(300, 220)), lesion="same", lesion_id=str(lesion_id))
    assert second.status_code == 201, second.text
    assert second.json()["lesion_id"] == lesion_id
    listed = client.get("/api/v1/lesions", headers=pat.auth).json()
    assert [(x["id"], x["body_site"], x["label"], x["n_photos"]) for x in listed] == [
        (lesion_id, "back", "shoulder mole", 2)
    ]
    assert listed[0]["last_photo_at"].endswith(("Z", "+00:00")) and listed[0]["next_check"] is None

    day = (date.today() + timedelta(days=90)).isoformat()
    r = client.put(
        f"/api/v1/cases/{second.json()['id']}/next-check", json={"next_check": day}, headers=pat.auth
    )
    assert r.status_code == 200, r.text
    assert r.json()["next_check"] == day and r.json()["n_photos"] == 2
    cleared = client.put(f"/api/v1/cases/{second.json()['id']}/next-check", json={}, headers=pat.auth)
    assert cleared.status_code == 200 and cleared.json()["next_check"] is None


def test_api_lesions_are_private_and_bad_input_stores_nothing(client, make_account) -> None:
    owner, other = make_account("patient"), make_account("patient")
    made = upload(client, owner, photo_bytes(), lesion="new", lesion_site="face")
    assert made.status_code == 201, made.text
    lesion_id, case_id = made.json()["lesion_id"], made.json()["id"]
    before = _counts(client)

    # someone else's lesion: 404 as if it did not exist, and no case is stored
    r = upload(client, other, photo_bytes(), lesion="same", lesion_id=str(lesion_id))
    assert r.status_code == 404
    for bad, field in (
        ({"lesion": "new", "lesion_site": "elbow"}, "lesion_site"),
        ({"lesion": "same", "lesion_id": "abc"}, "lesion_id"),
        ({"lesion": "maybe"}, "lesion"),
        ({"lesion": "new", "lesion_site": "back", "lesion_label": "x" * 61}, "lesion_label"),
    ):
        r = upload(client, owner, photo_bytes(), **bad)
        assert r.status_code == 400, (bad, r.text)
        assert field in r.text
    # a chest X-ray is no lesion to follow
    r = upload(client, owner, photo_bytes(), task="chest-xray", lesion="new", lesion_site="back")
    assert r.status_code == 400 and "lesion" in r.text
    assert _counts(client) == before

    assert client.get("/api/v1/lesions", headers=other.auth).json() == []
    r = client.put(
        f"/api/v1/cases/{case_id}/next-check", json={"next_check": "2030-01-01"}, headers=other.auth
    )
    assert r.status_code == 404
    r = client.put(
        f"/api/v1/cases/{case_id}/next-check", json={"next_check": "yesterday"}, headers=owner.auth
    )
    assert r.status_code == 400
    assert client.get("/api/v1/lesions").status_code == 401
