"""Privacy and consent: the notice (ko/en, page and API), consent at sign-up, a patient's data export and
account deletion (rows and files gone, audited without personal data), retention purge, the audit of
case reads, PDF downloads and logins, and the translated admin audit and statistics pages."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from medlens.db import AuditLog, AuthSession, Case, Lesion, Reply, User
from medlens.tasks import get_task
from medlens.web.services.privacy import NOTICE_VERSION

from .conftest import PASSWORD, photo_bytes, stored_files, upload
from .test_auth import csrf_of
from .test_pages import check_page, login


def _db(client):
    return client.app.state.medlens.session_factory()


def _audit(client) -> list[AuditLog]:
    with _db(client) as db:
        return list(db.scalars(select(AuditLog).order_by(AuditLog.id)))


def _actions(client, user_id: int | None = None) -> list[str]:
    return [a.action for a in _audit(client) if user_id is None or a.user_id == user_id]


# --- the notice and consent ------------------------------------------------------------------------------


def test_privacy_notice_page_and_api_in_korean_and_english(client):
    en = client.get("/privacy?lang=en")
    check_page(en.text)
    assert en.status_code == 200 and "never diagnoses" in en.text and "Download or delete" in en.text
    ko = client.get("/privacy?lang=ko")
    assert ko.status_code == 200 and "진단하지 않습니다" in ko.text and "보관 기간" in ko.text
    api = client.get("/api/v1/privacy", headers={"Accept-Language": "ko"}).json()
    assert api["version"] == NOTICE_VERSION and api["language"] == "ko"
    assert [s["name"] for s in api["sections"]] == [
        "purpose",
        "stored",
        "who",
        "retention",
        "rights",
        "not_diagnosis",
    ]
    assert all(s["title"] and s["body"] for s in api["sections"])
    assert api["retention_days"] is None and "삭제할 때까지" in api["sections"][3]["body"]
    # linked from every page's footer and from the sign-up form
    assert 'href="/privacy"' in client.get("/").text
    signup = client.get("/signup")
    check_page(signup.text)
    assert 'href="/privacy"' in signup.text and 'id="consent"' in signup.text


def test_api_signup_requires_consent_and_stores_it(client):
    body = {"email": "c@example.org", "password": PASSWORD}
    r = client.post("/api/v1/auth/signup", json=body)
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "error.consent_required" and r.json()["field"] == "consent"
    assert "privacy notice" in r.json()["detail"]
    assert client.post("/api/v1/auth/signup", json={**body, "consent": False}).status_code == 400
    with _db(client) as db:
        assert db.scalar(select(func.count()).select_from(User)) == 0
    assert client.post("/api/v1/auth/signup", json={**body, "consent": True}).status_code == 202
    with _db(client) as db:
        user = db.scalars(select(User)).one()
        assert user.consent_version == NOTICE_VERSION and user.consent_at is not None


def test_page_signup_without_consent_is_a_form_error(client):
    csrf = csrf_of(client.get("/signup?lang=ko").text)
    form = {"email": "p@example.org", "password": PASSWORD, "csrf_token": csrf}
    r = client.post("/signup?lang=ko", data=form, follow_redirects=False)
    assert r.status_code == 400 and "동의란에 표시해" in r.text and 'role="alert"' in r.text
    with _db(client) as db:
        assert db.scalar(select(func.count()).select_from(User)) == 0
    r = client.post("/signup", data={**form, "consent": "1"}, follow_redirects=False)
    assert r.status_code == 303
    with _db(client) as db:
        assert db.scalars(select(User)).one().consent_version == NOTICE_VERSION


# --- export -----------------------------------------------------------------------------------------------


def _answered_case(client, make_account, patient):
    doc = make_account("clinician")
    cid = upload(client, patient, photo_bytes()).json()["id"]
    client.post(f"/api/v1/cases/{cid}/submit", headers=patient.auth)
    r = client.post(
        f"/api/v1/clinician/cases/{cid}/reply",
        headers=doc.auth,
        json={"body": "See a dermatologist.", "feedback_label": "agree"},
    )
    assert r.status_code == 200, r.text
    return cid


def test_patient_downloads_all_their_data(client, make_account, settings):
    pat, other = make_account(), make_account()
    answered = _answered_case(client, make_account, pat)
    second = upload(client, pat, photo_bytes("PNG", size=(230, 200)), ctype="image/png", filename="p.png")
    upload(client, other, photo_bytes(size=(300, 210)))  # not theirs: not in the zip
    r = client.get("/api/v1/account/export", headers=pat.auth)
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert r.headers["x-medlens-cases"] == "2"
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        profile = json.loads(zf.read("profile.json"))
        cases = json.loads(zf.read("cases.json"))
        names = set(zf.namelist())
        assert profile["email"] == pat.email and profile["role"] == "patient"
        assert [c["id"] for c in cases] == [answered, second.json()["id"]]
        assert cases[0]["replies"][0]["body"] == "See a dermatologist."
        assert cases[0]["created_at"].endswith("+00:00")
        with _db(client) as db:
            row = db.get(Case, answered)
            store = client.app.state.medlens.store
            assert zf.read(cases[0]["image_file"]) == store.read(row.image_sha256)
        assert all(c["image_file"] in names for c in cases)
        assert all(n.startswith(("images/", "profile.json", "cases.json", "lesions.json")) for n in names)
        assert json.loads(zf.read("lesions.json")) == []  # no followed lesion (see test_followup.py)
        assert len([n for n in names if n.startswith("images/")]) >= 2
    assert (pat.id, "data_export") in {(a.user_id, a.action) for a in _audit(client)}


# --- deletion ---------------------------------------------------------------------------------------------


def test_patient_deletes_account_every_row_and_file_gone(client, make_account, settings):
    pat, other, admin = make_account(), make_account(), make_account("admin")
    assert client.post(f"/api/v1/admin/users/{pat.id}/activate", headers=admin.auth).status_code == 200
    assert any(pat.email in r.detail for r in _audit(client))  # an admin's row names the address
    cid = _answered_case(client, make_account, pat)
    upload(client, pat, photo_bytes(size=(260, 190)))
    shared = photo_bytes(size=(250, 250))
    upload(client, pat, shared)
    kept = upload(client, other, shared).json()["id"]  # the same photo, stored once: must stay
    with _db(client) as db:
        mine = list(db.scalars(select(Case).where(Case.owner_id == pat.id)))
        digests = {d for c in mine for d in (c.image_sha256, c.heatmap_sha256) if d}
        followed = Lesion(owner_id=pat.id, body_site="back", label="mole")  # a followed lesion, linked
        db.add(followed)
        db.flush()
        mine[0].lesion_id = followed.id
        db.add(Lesion(owner_id=pat.id, body_site="face", label=""))  # and one whose photos are gone
        db.commit()
        other_digests = {
            d
            for c in db.scalars(select(Case).where(Case.owner_id == other.id))
            for d in (c.image_sha256, c.heatmap_sha256)
            if d
        }
    before = stored_files(settings)
    assert any(p.stem in digests - other_digests for p in before)

    # refused without the password or without the confirmation; nothing changes
    r = client.post(
        "/api/v1/account/delete", headers=pat.auth, json={"password": "wrong-pass-1", "confirm": True}
    )
    assert r.status_code == 400 and r.json()["code"] == "error.bad_current_password"
    r = client.post("/api/v1/account/delete", headers=pat.auth, json={"password": PASSWORD})
    assert r.status_code == 400 and r.json()["code"] == "error.confirm_required"
    assert stored_files(settings) == before

    r = client.post("/api/v1/account/delete", headers=pat.auth, json={"password": PASSWORD, "confirm": True})
    assert r.status_code == 200, r.text
    assert r.json()["cases"] == 3 and r.json()["files"] >= 2

    with _db(client) as db:
        assert db.get(User, pat.id) is None
        assert db.scalar(select(func.count()).select_from(Case).where(Case.owner_id == pat.id)) == 0
        assert db.scalar(select(func.count()).select_from(Reply).where(Reply.case_id == cid)) == 0
        assert db.scalar(select(func.count()).select_from(Lesion).where(Lesion.owner_id == pat.id)) == 0
        assert (
            db.scalar(select(func.count()).select_from(AuthSession).where(AuthSession.user_id == pat.id)) == 0
        )
        assert db.get(Case, kept) is not None
    left = {p.stem for p in stored_files(settings)}
    assert not (digests - other_digests) & left  # every file only they used is gone
    assert other_digests <= left  # the other patient's files (one shared with them) are kept
    assert client.get("/api/v1/auth/me", headers=pat.auth).status_code == 401
    assert (
        client.post("/api/v1/auth/token", data={"username": pat.email, "password": PASSWORD}).status_code
        == 401
    )

    rows = _audit(client)
    assert all(pat.email not in r.detail for r in rows)  # no personal data left in the audit log
    assert all(r.user_id != pat.id for r in rows)
    deleted = [r for r in rows if r.action == "account_delete"]
    assert len(deleted) == 1 and deleted[0].user_id is None and f"user#{pat.id}" in deleted[0].detail
    assert any(r.action == "create" and r.case_id == cid and r.user_id is None for r in rows)  # kept


def test_staff_cannot_delete_their_account(client, make_account):
    for role in ("clinician", "admin"):
        acct = make_account(role)
        r = client.post(
            "/api/v1/account/delete", headers=acct.auth, json={"password": PASSWORD, "confirm": True}
        )
        assert r.status_code == 403, role
        with _db(client) as db:
            assert db.get(User, acct.id) is not None


def test_account_page_export_and_delete(client, make_account, settings):
    pat = make_account()
    upload(client, pat, photo_bytes())
    assert stored_files(settings)
    login(client, pat.email)
    page = client.get("/account")
    check_page(page.text)
    assert 'action="/account/delete"' in page.text and 'href="/account/export"' in page.text
    r = client.get("/account/export")
    assert r.status_code == 200 and zipfile.ZipFile(io.BytesIO(r.content)).read("profile.json")
    csrf = csrf_of(page.text)
    r = client.post(
        "/account/delete", data={"csrf_token": csrf, "password": PASSWORD}, follow_redirects=False
    )
    assert r.status_code == 400 and 'role="alert"' in r.text
    r = client.post(
        "/account/delete",
        data={"csrf_token": csrf, "password": PASSWORD, "confirm": "1"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/?deleted=1"
    assert stored_files(settings) == []
    assert "have been deleted" in client.get("/?deleted=1").text
    assert client.get("/account", follow_redirects=False).status_code == 303  # signed out
    with _db(client) as db:
        assert db.get(User, pat.id) is None


def test_staff_account_page_has_no_delete_form(client, make_account):
    doc = make_account("clinician")
    login(client, doc.email)
    page = client.get("/account")
    assert page.status_code == 200 and 'action="/account/delete"' not in page.text
    r = client.post(
        "/account/delete",
        data={"csrf_token": csrf_of(page.text), "password": PASSWORD, "confirm": "1"},
        follow_redirects=False,
    )
    assert r.status_code == 403


# --- retention --------------------------------------------------------------------------------------------


def test_purge_expired_deletes_old_cases_and_files(client, make_account, settings, monkeypatch):
    from medlens.cli.main import app as cli
    from medlens.config import get_settings

    pat = make_account()
    old = upload(client, pat, photo_bytes(size=(240, 200))).json()["id"]
    new = upload(client, pat, photo_bytes(size=(300, 180))).json()["id"]
    with _db(client) as db:
        old_sha = db.get(Case, old).image_sha256
        new_sha = db.get(Case, new).image_sha256
        db.get(Case, old).created_at -= timedelta(days=40)
        db.commit()
    monkeypatch.setenv("MEDLENS_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("MEDLENS_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        r = runner.invoke(cli, ["db", "purge-expired"])
        assert r.exit_code == 0 and "nothing deleted" in r.output, r.output  # no retention set
        monkeypatch.setenv("MEDLENS_RETENTION_DAYS", "30")
        get_settings.cache_clear()
        r = runner.invoke(cli, ["db", "purge-expired", "--dry-run"])
        assert r.exit_code == 0 and "would delete 1 case" in r.output, r.output
        with _db(client) as db:
            assert db.get(Case, old) is not None
        r = runner.invoke(cli, ["db", "purge-expired"])
        assert r.exit_code == 0 and "deleted 1 case" in r.output, r.output
    finally:
        get_settings.cache_clear()
    with _db(client) as db:
        assert db.get(Case, old) is None and db.get(Case, new) is not None
    stems = {p.stem for p in stored_files(settings)}
    assert old_sha not in stems and new_sha in stems
    purge = [a for a in _audit(client) if a.action == "purge"]
    assert len(purge) == 1 and "days=30 cases=1" in purge[0].detail


def test_retention_setting_is_shown_on_the_notice(client, settings):
    from fastapi.testclient import TestClient

    from medlens.web.app import create_app

    with TestClient(create_app(settings.model_copy(update={"retention_days": 90}))) as c:
        body = c.get("/api/v1/privacy?lang=en").json()
        assert body["retention_days"] == 90 and "90 days" in body["sections"][3]["body"]
        assert "90일" in c.get("/privacy?lang=ko").text


# --- audit of reads, PDFs and logins ----------------------------------------------------------------------


def test_logins_are_audited_without_unknown_addresses(client, make_account):
    pat = make_account()  # one API login
    assert (
        client.post("/api/v1/auth/token", data={"username": pat.email, "password": "nope-nope-1"}).status_code
        == 401
    )
    r = client.post("/api/v1/auth/token", data={"username": "ghost@example.org", "password": "nope-nope-1"})
    assert r.status_code == 401
    login(client, pat.email)  # web
    rows = _audit(client)
    mine = [(a.action, a.detail) for a in rows if a.user_id == pat.id]
    assert (
        ("login", "via=api") in mine and ("login", "via=web") in mine and ("login_failed", "via=api") in mine
    )
    unknown = [a for a in rows if a.action == "login_failed" and a.user_id is None]
    assert len(unknown) == 1 and "ghost" not in unknown[0].detail


def test_every_case_read_and_pdf_download_is_audited(client, make_account):
    pat, admin = make_account(), make_account("admin")
    cid = upload(client, pat, photo_bytes()).json()["id"]
    assert client.get(f"/api/v1/cases/{cid}", headers=pat.auth).status_code == 200
    assert client.get("/api/v1/cases", headers=pat.auth).status_code == 200
    assert client.get(f"/api/v1/cases/{cid}/report.pdf", headers=pat.auth).status_code == 200
    assert client.get(f"/api/v1/cases/{cid}/image", headers=pat.auth).status_code == 200
    assert client.get(f"/api/v1/cases/{cid}/care", headers=pat.auth).status_code == 200
    assert client.get(f"/api/v1/cases/{cid}/heatmap", headers=pat.auth).status_code == 200
    assert client.get(f"/api/v1/cases/{cid}/image?thumb=true", headers=pat.auth).status_code == 200
    login(client, admin.email)  # the pages, as an admin
    assert client.get(f"/cases/{cid}").status_code == 200
    assert client.get(f"/cases/{cid}/report.pdf").status_code == 200
    assert client.get(f"/cases/{cid}/image?thumb=1").status_code == 200  # someone else's thumbnail
    rows = _audit(client)
    seen = {(a.user_id, a.action, a.case_id) for a in rows}
    for action in ("view", "pdf", "image", "heatmap", "care"):
        assert (pat.id, action, cid) in seen, action
    assert sum(1 for a in rows if a.action == "image" and a.user_id == pat.id) == 1  # not the thumbnail
    assert not any(a.action == "thumb" and a.user_id == pat.id for a in rows)  # the owner's own lists
    assert (admin.id, "thumb", cid) in seen
    assert (admin.id, "view", cid) in seen and (admin.id, "pdf", cid) in seen
    lists = [a for a in rows if a.action == "list" and a.user_id == pat.id]
    assert lists and f"ids={cid}" in lists[0].detail


# --- translated admin pages -------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_audit_and_statistics_pages_show_no_raw_keys(client, make_account, lang):
    pat, doc, admin = make_account(), make_account("clinician"), make_account("admin")
    cid = upload(client, pat, photo_bytes()).json()["id"]
    client.post(f"/api/v1/cases/{cid}/submit", headers=pat.auth)
    client.get(f"/api/v1/cases/{cid}", headers=doc.auth)  # new -> in_review
    client.post(
        f"/api/v1/clinician/cases/{cid}/reply",
        headers=doc.auth,
        json={"body": "ok", "feedback_label": "agree"},
    )
    login(client, admin.email)
    audit = client.get(f"/admin/audit?lang={lang}")
    check_page(audit.text)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", audit.text)
    text = " ".join(cells)
    for raw in ("in_review", "-&gt;", "task=", "label=", "via=", "melanoma"):
        assert raw not in text, raw
    assert re.search(r"<time>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC</time>", audit.text)
    melanoma = get_task("melanoma").title.get(lang)
    expected = {"en": ("Case opened", "Logged in", "→"), "ko": ("사례 열람", "로그인", "→")}[lang]
    assert all(e in text for e in expected) and melanoma in text
    stats = client.get(f"/admin?lang={lang}")
    check_page(stats.text)
    assert "melanoma:" not in stats.text and ">in_review<" not in stats.text and ">new<" not in stats.text
    assert melanoma in stats.text


def test_audit_details_and_statistic_keys_map_to_labels():
    from medlens.web.admin_view import audit_detail, stat_items, utc_time

    spec = get_task("melanoma")
    assert (
        audit_detail("new->in_review", None, "en")
        == "Sent, waiting for a clinician → A clinician is reviewing"
    )
    assert audit_detail("task=melanoma label=malignant", None, "ko") == (
        f"검사: {spec.title.ko}; 결과: {spec.class_title('malignant', 'ko')}"
    )
    # a reply row names no task: the case's task gives the class title
    assert audit_detail("new->answered label=benign", "melanoma", "en").endswith(
        f"result: {spec.class_title('benign', 'en')}"
    )
    assert audit_detail("via=api unknown_account", None, "en") == "via: API; unknown e-mail address"
    assert audit_detail("user#7 cases=2 files=3", None, "en") == "user#7; cases: 2; files: 3"
    assert stat_items("result", {"melanoma:benign": 2, "-": 1}, "en") == [
        (f"{spec.title.en}: {spec.class_title('benign', 'en')}", 2.0),
        ("(not given)", 1.0),
    ]
    assert stat_items("status", {"in_review": 1}, "ko") == [("의료진 검토 중", 1.0)]
    assert stat_items("task", {"no-such-task": 1}, "en") == [("no-such-task", 1.0)]  # unknown: kept
    assert utc_time(datetime(2026, 12, 1, 9, 5, 7)) == "2026-12-01 09:05:07 UTC"


def test_a_staff_member_without_a_name_is_shown_to_patients_by_role_not_e_mail(client, make_account):
    """Admin-created staff may have no name; the patient's case (API, page, PDF) then says 'Clinician',
    never the clinician's e-mail address."""
    from pypdf import PdfReader

    from medlens.web.services.users import create_user

    pat = make_account()
    with client.app.state.medlens.session_factory() as db:
        create_user(db, "dr.lee@clinic.example.org", PASSWORD, "", "clinician")
    token = client.post(
        "/api/v1/auth/token", data={"username": "dr.lee@clinic.example.org", "password": PASSWORD}
    ).json()["access_token"]
    cid = upload(client, pat, photo_bytes()).json()["id"]
    client.post(f"/api/v1/cases/{cid}/submit", headers=pat.auth)
    r = client.post(
        f"/api/v1/clinician/cases/{cid}/reply",
        headers={"Authorization": f"Bearer {token}"},
        json={"body": "Looks fine.", "feedback_label": "agree"},
    )
    assert r.status_code == 200, r.text
    case = client.get(f"/api/v1/cases/{cid}", headers=pat.auth).json()
    assert [x["author"] for x in case["replies"]] == ["Clinician"]
    pdf = client.get(f"/api/v1/cases/{cid}/report.pdf", headers=pat.auth)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    login(client, pat.email)
    page = client.get(f"/cases/{cid}").text
    for shown in (case, text, page):
        assert "dr.lee" not in str(shown)
    assert "Clinician" in page
