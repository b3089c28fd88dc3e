"""Every route that takes an id: another patient gets 404 (no existence leak), roles are enforced."""

from __future__ import annotations

import pytest

from .conftest import photo_bytes, upload

# (method, path template, json body) for every API route with a case id
API_CASE_ROUTES = [
    ("GET", "/api/v1/cases/{id}", None),
    ("POST", "/api/v1/cases/{id}/submit", None),
    ("GET", "/api/v1/cases/{id}/image", None),
    ("GET", "/api/v1/cases/{id}/image?thumb=1", None),
    ("GET", "/api/v1/cases/{id}/heatmap", None),
    ("GET", "/api/v1/cases/{id}/report.pdf", None),
    ("GET", "/api/v1/cases/{id}/care", None),
    ("POST", "/api/v1/clinician/cases/{id}/reply", {"body": "x"}),
]
PAGE_CASE_ROUTES = [
    ("GET", "/cases/{id}"),
    ("GET", "/cases/{id}/image"),
    ("GET", "/cases/{id}/heatmap"),
    ("GET", "/cases/{id}/report.pdf"),
    ("POST", "/cases/{id}/submit"),
    ("GET", "/clinic/cases/{id}"),
    ("POST", "/clinic/cases/{id}/reply"),
]


@pytest.fixture
def two_patients_case(client, make_account):
    owner, other = make_account("patient"), make_account("patient")
    cid = upload(client, owner, photo_bytes()).json()["id"]
    return owner, other, cid


@pytest.mark.parametrize(("method", "path", "body"), API_CASE_ROUTES)
def test_other_patient_gets_404_api(client, two_patients_case, method, path, body):
    owner, other, cid = two_patients_case
    r = client.request(method, path.format(id=cid), headers=other.auth, json=body)
    expected = 403 if "clinician" in path else 404  # role check comes first on clinician routes
    assert r.status_code == expected, r.text
    assert r.json()["detail"]
    # nonexistent ids behave the same for the owner (no leak through status codes)
    r2 = client.request(method, path.format(id=cid + 999), headers=owner.auth, json=body)
    assert r2.status_code == expected


@pytest.mark.parametrize(("method", "path", "body"), API_CASE_ROUTES)
def test_no_token_is_401(client, two_patients_case, method, path, body):
    _, _, cid = two_patients_case
    r = client.request(method, path.format(id=cid), json=body)
    assert r.status_code == 401
    r = client.request(
        method, path.format(id=cid), json=body, headers={"Authorization": "Bearer forged.token"}
    )
    assert r.status_code == 401


def _page_login(client, email: str) -> str:
    from .conftest import PASSWORD

    client.cookies.clear()
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    r = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303
    return client.get("/cases").text.split('name="csrf_token" value="')[1].split('"')[0]


@pytest.mark.parametrize(("method", "path"), PAGE_CASE_ROUTES)
def test_other_patient_gets_404_pages(client, two_patients_case, method, path):
    _, other, cid = two_patients_case
    csrf = _page_login(client, other.email)
    data = {"csrf_token": csrf, "body": "x"} if method == "POST" else None
    r = client.request(method, path.format(id=cid), data=data, follow_redirects=False)
    expected = 403 if path.startswith("/clinic") else 404
    assert r.status_code == expected, r.text[:300]


def test_clinician_sees_only_submitted_and_admin_sees_all(client, make_account, two_patients_case):
    owner, _, cid = two_patients_case
    doc, admin = make_account("clinician"), make_account("admin")
    assert client.get(f"/api/v1/cases/{cid}/image", headers=doc.auth).status_code == 404
    assert client.get("/api/v1/cases", headers=doc.auth).json() == []
    assert client.get(f"/api/v1/cases/{cid}", headers=admin.auth).status_code == 200
    assert [c["id"] for c in client.get("/api/v1/cases", headers=admin.auth).json()] == [cid]
    client.post(f"/api/v1/cases/{cid}/submit", headers=owner.auth)
    assert client.get(f"/api/v1/cases/{cid}/image", headers=doc.auth).status_code == 200
    # only the owner can submit
    assert client.post(f"/api/v1/cases/{cid}/submit", headers=doc.auth).status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/admin/stats"),
        ("GET", "/api/v1/admin/users"),
        ("GET", "/api/v1/admin/audit"),
        ("GET", "/api/v1/admin/export?task=melanoma"),
        ("POST", "/api/v1/admin/users/1/deactivate"),
        ("POST", "/api/v1/admin/users/1/activate"),
        ("GET", "/api/v1/clinician/queue"),
    ],
)
def test_patient_cannot_use_staff_routes(client, make_account, method, path):
    pat = make_account("patient")
    assert client.request(method, path, headers=pat.auth).status_code == 403


def test_clinician_cannot_use_admin_routes(client, make_account):
    doc = make_account("clinician")
    for path in ("/api/v1/admin/stats", "/api/v1/admin/users", "/api/v1/admin/audit"):
        assert client.get(path, headers=doc.auth).status_code == 403
    r = client.post(
        "/api/v1/admin/users",
        headers=doc.auth,
        json={"email": "x@example.org", "password": "longenough1", "role": "admin"},
    )
    assert r.status_code == 403


def test_audit_log_records_views_and_changes(client, make_account, two_patients_case):
    owner, _, cid = two_patients_case
    doc, admin = make_account("clinician"), make_account("admin")
    client.post(f"/api/v1/cases/{cid}/submit", headers=owner.auth)
    client.get(f"/api/v1/cases/{cid}", headers=doc.auth)
    client.post(
        f"/api/v1/clinician/cases/{cid}/reply",
        headers=doc.auth,
        json={"body": "fine", "feedback_label": "agree"},
    )
    rows = client.get(f"/api/v1/admin/audit?case_id={cid}", headers=admin.auth).json()
    seen = {(r["user_id"], r["action"]) for r in rows}
    assert {
        (owner.id, "create"),
        (owner.id, "submit"),
        (doc.id, "view"),
        (doc.id, "status"),
        (doc.id, "reply"),
    } <= seen


@pytest.mark.parametrize("role", ["clinician", "admin"])
def test_staff_accounts_do_not_upload_and_nothing_is_stored(client, make_account, settings, role):
    """A staff account's case would be invisible to it (a clinician sees sent cases only) and it could not
    delete it: the upload is a 403 naming the reason, on the API and the page, with nothing stored."""
    from sqlalchemy import func, select

    from medlens.db import Case

    from .conftest import stored_files
    from .test_auth import csrf_of
    from .test_pages import login

    staff = make_account(role)
    r = upload(client, staff, photo_bytes())
    assert r.status_code == 403 and "patient accounts" in r.json()["detail"], r.text
    login(client, staff.email)
    for page in ("/screen", "/screen/melanoma"):  # the pages say why instead of showing a form
        r = client.get(page)
        assert r.status_code == 403 and "patient accounts" in r.text, page
    token = csrf_of(client.get("/notices").text)
    r = client.post(
        "/screen/melanoma",
        data={"csrf_token": token, "sex": "female", "age_group": "70-79"},
        files={"file": ("p.jpg", photo_bytes(), "image/jpeg")},
        follow_redirects=False,
    )
    assert r.status_code == 403 and "patient accounts" in r.text
    with client.app.state.medlens.session_factory() as db:
        assert db.scalar(select(func.count()).select_from(Case)) == 0
    assert not stored_files(settings)


@pytest.mark.parametrize("role", ["patient", "clinician", "admin", None])
def test_the_home_page_links_the_screenings_only_for_those_who_may_upload(client, make_account, role):
    """Staff see which screenings exist and why they do not upload, not links into pages that answer 403."""
    from .test_pages import login

    if role is not None:
        login(client, make_account(role).email)
    page = client.get("/").text
    listed = page.split('id="home-screenings"', 1)[1].split("</ul>", 1)[0]
    assert "Melanoma" in listed  # everyone sees which screenings exist
    if role in ("patient", None):
        assert 'href="/screen/melanoma"' in listed and 'id="home-staff"' not in page
    else:
        assert 'href="/screen/' not in page and 'id="home-staff"' in page
        assert "patient accounts" in page and 'href="/clinic"' in page


def test_an_admin_cannot_answer_a_case_the_patient_never_sent(client, make_account, two_patients_case):
    owner, _, cid = two_patients_case
    admin = make_account("admin")
    reply = {"body": "Fine.", "feedback_label": "agree"}
    r = client.post(f"/api/v1/clinician/cases/{cid}/reply", headers=admin.auth, json=reply)
    assert r.status_code == 409 and r.json()["code"] == "error.not_submitted"
    assert client.get(f"/api/v1/cases/{cid}", headers=owner.auth).json()["status"] == "new"
    client.post(f"/api/v1/cases/{cid}/submit", headers=owner.auth)
    assert (
        client.post(f"/api/v1/clinician/cases/{cid}/reply", headers=admin.auth, json=reply).status_code == 200
    )
