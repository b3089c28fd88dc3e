"""Notifications (issue 17, item 5): in-app notices for their owner only, and e-mail through a real local
SMTP server (aiosmtpd) that says only "there is something new, log in", for a clinician's reply and for
cases waiting longer than MEDLENS_REVIEW_WAIT_HOURS. A failing mail server never breaks a request."""

from __future__ import annotations

import email
import logging
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest

from medlens.db import Case, Notice, User
from medlens.web.services import notices
from medlens.web.services.mailer import Mail, Mailer, compose

from .conftest import _wipe, photo_bytes, upload
from .live_server import free_port as _free_port
from .test_auth import csrf_of
from .test_pages import login


class _Inbox:
    """aiosmtpd handler: keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []
        self.rcpts: list[list[str]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.rcpts.append(list(envelope.rcpt_tos))
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[_Inbox, int]]:
    """A real SMTP server on a free local port."""
    controller_mod = pytest.importorskip("aiosmtpd.controller")
    inbox = _Inbox()
    port = _free_port()
    controller = controller_mod.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _mail_settings(settings, port: int):  # type: ignore[no-untyped-def]
    return settings.model_copy(
        update={
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_starttls": False,
            "smtp_from": "medlens <no-reply@medlens.test>",
            "public_url": "https://medlens.example.org",
        }
    )


@pytest.fixture
def mail_client(settings, smtp) -> Iterator:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from medlens.web.app import create_app

    _wipe(settings.database_url)
    app = create_app(_mail_settings(settings, smtp[1]))
    with TestClient(app, headers={"Accept-Language": "en"}) as c:
        yield c


def _body(msg: email.message.Message) -> str:
    assert not msg.is_multipart(), "one plain-text part, no attachment"
    payload = msg.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(msg.get_content_charset() or "utf-8")


def _answered_case(client, make_account, note: str = "It itches since May."):  # type: ignore[no-untyped-def]
    pat, doc = make_account("patient"), make_account("clinician")
    cid = upload(client, pat, photo_bytes()).json()["id"]
    r = client.post(f"/api/v1/cases/{cid}/submit", headers=pat.auth, json={"note": note})
    assert r.status_code == 200 and r.json()["patient_note"] == note
    r = client.post(
        f"/api/v1/clinician/cases/{cid}/reply",
        headers=doc.auth,
        json={"body": "Please see a dermatologist.", "feedback_label": "cannot_assess"},
    )
    assert r.status_code == 200, r.text
    return pat, doc, cid


def test_reply_gives_the_patient_a_notice_and_an_email_without_health_details(
    mail_client, make_account, smtp
):
    inbox, _ = smtp
    pat, doc, cid = _answered_case(mail_client, make_account)
    listed = mail_client.get("/api/v1/notices", headers=pat.auth).json()
    assert listed["unread"] == 1
    (notice,) = listed["notices"]
    assert notice["kind"] == "reply" and notice["case_id"] == cid and not notice["read"]
    assert f"#{cid}" in notice["text"]
    # the clinician who answered gets nothing
    assert mail_client.get("/api/v1/notices", headers=doc.auth).json() == {"unread": 0, "notices": []}
    # one e-mail, to the patient, that says only "log in"
    assert inbox.rcpts == [[pat.email]]
    msg = inbox.messages[0]
    text = _body(msg)
    assert msg["Subject"] == "medlens: you have a new reply" and msg["To"] == pat.email
    assert "https://medlens.example.org/notices" in text and "no health information" in text
    for private in (
        "dermatologist",
        "itches",
        "benign",
        "malignant",
        "melanoma",
        "Melanoma",
        f"#{cid}",
        str(cid),
    ):
        assert private not in text and private not in msg["Subject"], private
    assert msg.get_content_type() == "text/plain"


def test_notice_badge_page_and_mark_read(mail_client, make_account):
    pat, _, cid = _answered_case(mail_client, make_account)
    login(mail_client, pat.email)
    home = mail_client.get("/screen").text
    assert re.search(r'id="notice-badge"[^>]*>1<', home)
    page = mail_client.get("/notices").text
    assert "A clinician answered your case" in page and 'id="notice-' in page
    nid = mail_client.get("/api/v1/notices", headers=pat.auth).json()["notices"][0]["id"]
    r = mail_client.post(
        f"/notices/{nid}/read", data={"csrf_token": csrf_of(page), "open_case": "1"}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{cid}"
    assert 'id="notice-badge"' not in mail_client.get("/screen").text
    ko = mail_client.get("/notices?lang=ko").text
    assert f"의료진이 사례 #{cid}에 답변했습니다." in ko


def test_opening_the_answered_case_marks_its_notice_read(mail_client, make_account):
    pat, _, cid = _answered_case(mail_client, make_account)
    login(mail_client, pat.email)
    assert mail_client.get(f"/cases/{cid}").status_code == 200
    assert mail_client.get("/api/v1/notices", headers=pat.auth).json()["unread"] == 0


def test_notices_are_only_their_owners(mail_client, make_account):
    pat, doc, cid = _answered_case(mail_client, make_account)
    other, admin = make_account("patient"), make_account("admin")
    nid = mail_client.get("/api/v1/notices", headers=pat.auth).json()["notices"][0]["id"]
    for stranger in (other, doc, admin):
        assert mail_client.get("/api/v1/notices", headers=stranger.auth).json()["notices"] == []
        r = mail_client.post(f"/api/v1/notices/{nid}/read", headers=stranger.auth)
        assert r.status_code == 404
    login(mail_client, other.email)
    page = mail_client.get("/notices")
    assert page.status_code == 200 and f"notice-{nid}" not in page.text and "#" + str(cid) not in page.text
    r = mail_client.post(
        f"/notices/{nid}/read", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False
    )
    assert r.status_code == 404
    assert mail_client.get("/api/v1/notices", headers=pat.auth).json()["unread"] == 1  # still unread
    assert mail_client.get("/api/v1/notices").status_code == 401
    mail_client.cookies.clear()
    assert mail_client.get("/notices", follow_redirects=False).status_code == 303  # to the login page


@pytest.mark.parametrize("bad", ["abc", "0", "-1", "99999999999", "1.5"])
def test_bad_notice_ids_are_404_not_5xx(mail_client, make_account, bad):
    pat = make_account("patient")
    assert mail_client.post(f"/api/v1/notices/{bad}/read", headers=pat.auth).status_code == 404


def test_a_broken_mail_server_never_breaks_the_reply(settings, caplog):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from medlens.web.app import create_app

    _wipe(settings.database_url)
    dead = _mail_settings(settings, _free_port())  # nothing listens there
    with TestClient(create_app(dead), headers={"Accept-Language": "en"}) as client:
        from medlens.web.services.users import create_user

        from .conftest import PASSWORD

        accounts = []
        for role in ("patient", "clinician"):
            with client.app.state.medlens.session_factory() as db:
                create_user(db, f"{role}-dead@example.org", PASSWORD, role, role)
            token = client.post(
                "/api/v1/auth/token", data={"username": f"{role}-dead@example.org", "password": PASSWORD}
            ).json()["access_token"]
            accounts.append({"Authorization": f"Bearer {token}"})
        pat, doc = accounts
        cid = client.post(
            "/api/v1/cases",
            data={"task": "melanoma"},
            files={"file": ("p.jpg", photo_bytes(), "image/jpeg")},
            headers=pat,
        ).json()["id"]
        client.app.state.medlens.enrich_queue.join()
        client.post(f"/api/v1/cases/{cid}/submit", headers=pat)
        with caplog.at_level(logging.WARNING, logger="medlens.web.services.mailer"):
            r = client.post(
                f"/api/v1/clinician/cases/{cid}/reply",
                headers=doc,
                json={"body": "Fine.", "feedback_label": "agree"},
            )
        assert r.status_code == 200 and r.json()["status"] == "answered"
        assert client.get("/api/v1/notices", headers=pat).json()["unread"] == 1  # the notice is there
    assert any("not sent" in rec.getMessage() for rec in caplog.records)
    assert not any("dead@example.org" in rec.getMessage() for rec in caplog.records)  # no address logged


def test_mailer_is_off_without_a_host_and_compose_refuses_unknown_kinds():
    assert not Mailer().enabled
    assert Mailer().send(Mail("a@example.org", "s", "b")) is False
    with pytest.raises(ValueError, match="unknown notice kind"):
        compose("result", "a@example.org", "en")
    ko = compose("reply", "a@example.org", "ko")
    assert ko.subject == "medlens: 새 답변이 있습니다" and "건강 정보가 없습니다" in ko.body


def test_mailer_sends_through_smtp(smtp):  # type: ignore[no-untyped-def]
    inbox, port = smtp
    mailer = Mailer("127.0.0.1", port, "medlens <no-reply@medlens.test>", starttls=False)
    assert (
        mailer.send_all(
            [compose("overdue", "doc@example.org", "en"), compose("reply", "p@example.org", "ko")]
        )
        == 2
    )
    assert [r[0] for r in inbox.rcpts] == ["doc@example.org", "p@example.org"]
    assert inbox.messages[0]["From"] == "medlens <no-reply@medlens.test>"
    assert "medlens" in _body(inbox.messages[1])


def _backdate(client, cid: int, hours: float) -> None:  # type: ignore[no-untyped-def]
    with client.app.state.medlens.session_factory() as db:
        row = db.get(Case, cid)
        row.submitted_at = row.submitted_at - timedelta(hours=hours)
        db.commit()


def test_overdue_cases_notify_each_clinician_once(mail_client, make_account, smtp):
    inbox, _ = smtp
    pat, doc, doc2 = make_account("patient"), make_account("clinician"), make_account("clinician")
    sleeping = make_account("clinician")
    state = mail_client.app.state.medlens
    with state.session_factory() as db:
        db.get(User, sleeping.id).active = False
        db.commit()
    ids = []
    for _ in range(3):
        cid = upload(mail_client, pat, photo_bytes()).json()["id"]
        mail_client.post(f"/api/v1/cases/{cid}/submit", headers=pat.auth)
        ids.append(cid)
    old, fresh, answered = ids
    _backdate(mail_client, old, 50)
    _backdate(mail_client, answered, 50)
    mail_client.post(
        f"/api/v1/clinician/cases/{answered}/reply",
        headers=doc.auth,
        json={"body": "ok", "feedback_label": "agree"},
    )
    inbox.messages.clear()
    inbox.rcpts.clear()
    with state.session_factory() as db:
        done = notices.notify_overdue(db, state.settings)
    assert (done.cases, done.notices) == (1, 2)  # the old case, for the two active clinicians
    assert sorted(m.to for m in done.mails) == sorted([doc.email, doc2.email])
    assert state.mailer.send_all(done.mails) == 2
    assert "cases are waiting" in inbox.messages[0]["Subject"]
    for m in inbox.messages:
        assert str(old) not in _body(m)
    for who in (doc, doc2):
        (n,) = mail_client.get("/api/v1/notices", headers=who.auth).json()["notices"]
        assert n["kind"] == "overdue" and n["case_id"] == old and "more than 48 h" in n["text"]
    for who in (pat, sleeping):
        with state.session_factory() as db:
            assert not db.query(Notice).filter(Notice.user_id == who.id, Notice.kind == "overdue").count()
    with state.session_factory() as db:  # a second run tells nobody again
        again = notices.notify_overdue(db, state.settings)
    assert (again.cases, again.notices, again.mails) == (0, 0, [])
    # the clinician who opens the case has dealt with its notice
    login(mail_client, doc.email)
    assert mail_client.get(f"/clinic/cases/{old}").status_code == 200
    assert mail_client.get("/api/v1/notices", headers=doc.auth).json()["unread"] == 0
    assert mail_client.get("/api/v1/notices", headers=doc2.auth).json()["unread"] == 1
    assert fresh not in [
        n["case_id"] for n in mail_client.get("/api/v1/notices", headers=doc2.auth).json()["notices"]
    ]


def test_notify_overdue_command(client, make_account, monkeypatch):  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from medlens.cli.main import app
    from medlens.config import get_settings

    pat, doc = make_account("patient"), make_account("clinician")
    cid = upload(client, pat, photo_bytes()).json()["id"]
    client.post(f"/api/v1/cases/{cid}/submit", headers=pat.auth)
    _backdate(client, cid, 5)
    monkeypatch.setenv("MEDLENS_DATABASE_URL", client.app.state.medlens.settings.database_url)
    monkeypatch.delenv("MEDLENS_SMTP_HOST", raising=False)
    get_settings.cache_clear()
    try:
        r = CliRunner().invoke(app, ["notify", "overdue", "--hours", "4"])
    finally:
        get_settings.cache_clear()
    assert r.exit_code == 0, r.output
    assert "1 case(s) waited over 4 h: 1 notice(s)" in r.output and "e-mail off" in r.output
    assert client.get("/api/v1/notices", headers=doc.auth).json()["unread"] == 1
    r = CliRunner().invoke(app, ["notify", "overdue", "--hours", "0"])
    assert r.exit_code != 0  # below the minimum: refused by the option, nothing run


def test_deleting_the_account_deletes_its_notices(mail_client, make_account):
    from .conftest import PASSWORD

    pat, _, _ = _answered_case(mail_client, make_account)
    r = mail_client.post(
        "/api/v1/account/delete", headers=pat.auth, json={"password": PASSWORD, "confirm": True}
    )
    assert r.status_code == 200, r.text
    with mail_client.app.state.medlens.session_factory() as db:
        assert db.query(Notice).filter(Notice.user_id == pat.id).count() == 0


def test_smtp_login_with_user_and_password_from_the_environment(monkeypatch):  # type: ignore[no-untyped-def]
    controller_mod = pytest.importorskip("aiosmtpd.controller")
    from aiosmtpd.smtp import AuthResult

    from medlens.config import Settings

    seen: list[tuple[bytes, bytes]] = []

    def authenticator(server, session, envelope, mechanism, auth_data):  # type: ignore[no-untyped-def]
        seen.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret-from-env")

    inbox, port = _Inbox(), _free_port()
    controller = controller_mod.Controller(
        inbox, hostname="127.0.0.1", port=port, authenticator=authenticator, auth_require_tls=False
    )
    controller.start()
    try:
        for key, value in {
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "STARTTLS": "false",
            "USER": "medlens",
            "PASSWORD": "s3cret-from-env",
        }.items():
            monkeypatch.setenv(f"MEDLENS_SMTP_{key}", value)
        settings = Settings()
        assert "s3cret" not in repr(settings)  # the password is a secret, never printed
        mailer = Mailer.from_settings(settings)
        assert mailer.send(compose("reply", "p@example.org", "en", user_id=7))
        monkeypatch.setenv("MEDLENS_SMTP_PASSWORD", "wrong")
        assert not Mailer.from_settings(Settings()).send(compose("reply", "p@example.org", "en"))
    finally:
        controller.stop()
    assert seen[0] == (b"medlens", b"s3cret-from-env") and len(inbox.messages) == 1


def test_a_refused_recipient_is_logged_without_its_address(monkeypatch, caplog):
    """smtplib's SMTPRecipientsRefused carries the address in its text; the log line keeps the user's id,
    the exception's type and the SMTP code only."""
    import smtplib

    class Refusing:
        def __init__(self, *args, **kwargs) -> None:
            pass

        def __enter__(self) -> Refusing:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def starttls(self, **kwargs) -> None:  # type: ignore[no-untyped-def]
            return None

        def send_message(self, message) -> None:  # type: ignore[no-untyped-def]
            raise smtplib.SMTPRecipientsRefused({"grandma@example.org": (550, b"mailbox unavailable")})

    monkeypatch.setattr(smtplib, "SMTP", Refusing)
    mailer = Mailer(host="mail.example.org")
    with caplog.at_level(logging.WARNING, logger="medlens.web.services.mailer"):
        sent = mailer.send(Mail("grandma@example.org", "Reply", "A clinician answered.", user_id=7))
    assert sent is False
    lines = [rec.getMessage() for rec in caplog.records]
    assert any("user #7" in m and "SMTPRecipientsRefused" in m for m in lines), lines
    assert not any("grandma" in m for m in lines), lines
