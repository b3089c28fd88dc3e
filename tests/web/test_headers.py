"""Issue 11, finding 8: ``Cache-Control: no-store`` on everything that carries patient data (pages, JSON,
images, PDFs); security headers on every response, early errors (the 413 before parsing) included."""

from __future__ import annotations

from .conftest import photo_bytes, upload
from .test_pages import login

SECURITY = {"x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "same-origin"}


def _check(r) -> None:
    assert r.headers.get("cache-control") == "no-store", (
        r.url,
        r.status_code,
        r.headers.get("cache-control"),
    )
    for key, value in SECURITY.items():
        assert r.headers.get(key) == value, (r.url, key)
    assert "content-security-policy" in r.headers


def test_patient_data_is_never_cached(client, make_account):
    pat = make_account()
    case = upload(client, pat, photo_bytes()).json()
    cid = case["id"]
    for url in (
        f"/api/v1/cases/{cid}",
        f"/api/v1/cases/{cid}/image",
        f"/api/v1/cases/{cid}/heatmap",
        f"/api/v1/cases/{cid}/report.pdf",
        "/api/v1/cases",
        "/api/v1/auth/me",
    ):
        r = client.get(url, headers=pat.auth)
        assert r.status_code == 200, url
        _check(r)
    login(client, pat.email)
    for url in (
        f"/cases/{cid}",
        f"/cases/{cid}/image",
        f"/cases/{cid}/image?thumb=1",
        f"/cases/{cid}/heatmap",
        f"/cases/{cid}/report.pdf",
        "/cases",
    ):
        r = client.get(url)
        assert r.status_code == 200, url
        _check(r)


def test_errors_carry_the_headers_too(client, make_account):
    pat = make_account()
    big = b"x" * (client.app.state.medlens.settings.max_upload_bytes + 400 * 1024)
    for path in ("/api/v1/cases", "/screen/melanoma"):
        r = client.post(path, content=big, headers={**pat.auth, "Content-Type": "application/octet-stream"})
        assert r.status_code == 413, path
        _check(r)
    _check(client.get("/api/v1/cases/999999", headers=pat.auth))
    _check(client.get("/no-such-page"))


def test_static_assets_stay_cacheable(client):
    r = client.get("/static/style.css")
    assert r.status_code == 200 and r.headers.get("cache-control") != "no-store"
    assert r.headers["x-content-type-options"] == "nosniff"
