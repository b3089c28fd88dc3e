"""Server-rendered pages: every page renders for its role, in Korean and English, with labels and alt texts."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from .conftest import PASSWORD, photo_bytes, upload
from .test_auth import csrf_of


class A11yParser(HTMLParser):
    """Collects inputs without labels and images without alt text."""

    def __init__(self) -> None:
        super().__init__()
        self.label_for: set[str] = set()
        self.inputs: list[dict[str, str]] = []
        self.imgs_without_alt: list[str] = []
        self.lang = ""

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = a.get("lang", "")
        if tag == "label" and a.get("for"):
            self.label_for.add(a["for"])
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.inputs.append(a)
        if tag == "img" and not a.get("alt"):
            self.imgs_without_alt.append(a.get("src", "?"))

    def problems(self) -> list[str]:
        out = [f"img without alt: {s}" for s in self.imgs_without_alt]
        out += [f"input without label: {i}" for i in self.inputs if i.get("id") not in self.label_for]
        return out


def check_page(html: str) -> A11yParser:
    p = A11yParser()
    p.feed(html)
    assert p.problems() == []
    assert 'href="#main"' in html  # skip link for keyboard users
    return p


def login(client, email: str) -> None:
    client.cookies.clear()
    token = csrf_of(client.get("/login").text)
    r = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303


def test_language_negotiation_and_cookie(client):
    assert check_page(client.get("/", headers={"Accept-Language": "ko-KR,ko;q=0.9"}).text).lang == "ko"
    assert (
        check_page(client.get("/", headers={"Accept-Language": "en-US,en;q=0.9,ko;q=0.5"}).text).lang == "en"
    )
    r = client.get("/?lang=ko")
    assert "medlens_lang=ko" in r.headers["set-cookie"]
    assert check_page(client.get("/", headers={"Accept-Language": "en"}).text).lang == "ko"  # cookie wins
    assert "선별검사" in client.get("/").text


def test_large_type_toggle(client):
    r = client.get("/?large=1")
    assert '<html lang="en" class="large">' in r.text and "medlens_large=1" in r.headers["set-cookie"]
    assert 'class="large"' in client.get("/care").text
    assert 'class="large"' not in client.get("/?large=0").text


def test_security_headers(client):
    r = client.get("/")
    assert r.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert "cdn" not in r.text.lower()


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_patient_pages(client, make_account, lang):
    pat = make_account("patient")
    login(client, pat.email)
    check_page(client.get(f"/screen?lang={lang}").text)
    form = client.get("/screen/melanoma")
    check_page(form.text)
    assert ("Use daylight" if lang == "en" else "자연광") in form.text  # photo guide
    r = client.post(
        "/screen/melanoma",
        data={
            "csrf_token": csrf_of(form.text),
            "sex": "male",
            "age_group": "80+",
            "body_site": "face",
            "symptom_onset": "weeks",
        },
        files={"file": ("p.jpg", photo_bytes(), "image/jpeg")},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    check_page(page.text)
    assert "<svg" in page.text and 'role="img"' in page.text  # probability chart, server-rendered
    assert ("not a diagnosis" if lang == "en" else "진단이 아닙니다") in page.text
    assert ("Photo quality check passed" if lang == "en" else "사진 품질 확인 통과") in page.text
    assert 'id="send-to-clinician"' in page.text and 'id="download-pdf"' in page.text
    cid = int(r.headers["location"].rsplit("/", 1)[1])
    r = client.post(f"/cases/{cid}/submit", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    history = client.get("/cases")
    check_page(history.text)
    assert f"/cases/{cid}/image?thumb=1" in history.text
    assert client.get(f"/cases/{cid}/image?thumb=1").headers["content-type"] == "image/png"
    assert client.get(f"/cases/{cid}/report.pdf").content[:5] == b"%PDF-"


def test_upload_error_page_is_translated(client, make_account):
    pat = make_account()
    login(client, pat.email)
    form = client.get("/screen/melanoma?lang=ko")
    r = client.post(
        "/screen/melanoma",
        data={"csrf_token": csrf_of(form.text)},
        files={"file": ("x.jpg", b"garbage", "image/jpeg")},
    )
    assert r.status_code == 400 and "이미지가 아닙니다" in r.text


def test_clinician_pages_and_reply(client, make_account):
    pat, doc = make_account("patient"), make_account("clinician")
    cid = upload(client, pat, photo_bytes()).json()["id"]
    client.post(f"/api/v1/cases/{cid}/submit", headers=pat.auth)
    login(client, doc.email)
    queue = client.get("/clinic")
    check_page(queue.text)
    assert f'id="review-{cid}"' in queue.text
    review = client.get(f"/clinic/cases/{cid}")
    check_page(review.text)
    r = client.post(
        f"/clinic/cases/{cid}/reply",
        data={"csrf_token": csrf_of(review.text), "body": "Looks benign.", "feedback_label": "agree"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert f'id="review-{cid}"' not in client.get("/clinic").text
    assert f'id="review-{cid}"' in client.get("/clinic?answered=1").text
    assert client.get("/admin", follow_redirects=False).status_code == 403
    login(client, pat.email)
    assert "Looks benign." in client.get(f"/cases/{cid}").text
    assert client.get("/clinic").status_code == 403


def test_admin_pages(client, make_account):
    pat, admin = make_account("patient"), make_account("admin")
    upload(client, pat, photo_bytes())
    login(client, admin.email)
    dash = client.get("/admin")
    check_page(dash.text)
    assert dash.text.count("<svg") >= 6
    users = client.get("/admin/users")
    check_page(users.text)
    r = client.post(
        "/admin/users",
        data={
            "csrf_token": csrf_of(users.text),
            "email": "doc@example.org",
            "password": PASSWORD,
            "name": "Dr. Lee",
            "role": "clinician",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "doc@example.org" in client.get("/admin/users").text
    r = client.post(
        f"/admin/users/{pat.id}/active",
        data={"csrf_token": csrf_of(users.text), "active": "0"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    audit = client.get("/admin/audit")
    check_page(audit.text)
    # translated actions (the raw keys only in a data attribute), times with their zone
    assert "Account deactivated" in audit.text and "Account created by admin" in audit.text
    assert 'data-action="create_user"' in audit.text and " UTC</time>" in audit.text


def test_care_page(client):
    page = client.get("/care?region=강원")
    check_page(page.text)
    assert "SAMPLE DATA" in page.text and "춘천" in page.text
    near = client.get("/care?lat=37.56&lon=126.97")
    first = re.search(
        r'<li class="clinic"[^>]*><strong>([^<]+)</strong><span class="distance"> — ([0-9.]+) km', near.text
    )
    assert first and "서울 중앙" in first.group(1) and float(first.group(2)) < 5
    assert client.get("/care?lat=abc&lon=1").status_code == 400


def test_unknown_page_is_translated_404(client):
    r = client.get("/no/such/page?lang=ko")
    assert r.status_code == 404 and "찾을 수 없습니다" in r.text


def test_scalp_result_page_shows_every_symptom(client, make_account):
    pat = make_account()
    cid = upload(client, pat, photo_bytes(), task="scalp", body_site="scalp").json()["id"]
    login(client, pat.email)
    page = client.get(f"/cases/{cid}?lang=ko")
    check_page(page.text)
    assert page.text.count('<svg class="chart"') == 6
    assert "탈모" in page.text
