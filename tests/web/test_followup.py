"""Follow-up of the same lesion (issue 17, item 4): a patient marks a new lesion's site on the body map of
the upload form, links a later photo to the same lesion, and the case page (and the clinician's review
page) shows the photos side by side with their dates, the model's probability and the ABCD features, and
each one's change. Only one's own lesions can be continued; bad input is a 4xx and leaves nothing stored.
Optional next-check dates become one reminder each (``medlens notify reminders``)."""

from __future__ import annotations

import html as htmllib
import io
import json
import re
import zipfile
from datetime import date, timedelta
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select

from medlens.db import AuditLog, Case, Lesion, Notice, User
from medlens.db.tables import utcnow
from medlens.tasks import get_task
from medlens.web.followup_view import followup
from medlens.web.i18n import translate
from medlens.web.services import lesions, reminders

from .conftest import PASSWORD, photo_bytes, stored_files
from .test_auth import csrf_of
from .test_notices import _body, mail_client, smtp  # noqa: F401 (fixtures)
from .test_pages import check_page, login


def _db(client):  # type: ignore[no-untyped-def]
    return client.app.state.medlens.session_factory()


def _page_upload(client, data: bytes, task: str = "melanoma", **fields: str):  # type: ignore[no-untyped-def]
    """Upload through the patient's form (the page session of the logged-in user)."""
    token = csrf_of(client.get(f"/screen/{task}").text)
    r = client.post(
        f"/screen/{task}",
        data={"csrf_token": token, "sex": "female", "age_group": "40-59", **fields},
        files={"file": ("p.jpg", data, "image/jpeg")},
        follow_redirects=False,
    )
    queue = getattr(client.app.state.medlens, "enrich_queue", None)
    if queue is not None:
        queue.join()
    return r


def _case_id(r) -> int:  # type: ignore[no-untyped-def]
    assert r.status_code == 303, r.text
    return int(r.headers["location"].rsplit("/", 1)[-1])


def _counts(client) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with _db(client) as db:
        n_cases = db.scalar(select(func.count()).select_from(Case)) or 0
        n_lesions = db.scalar(select(func.count()).select_from(Lesion)) or 0
    return n_cases, n_lesions


def _two_photos_of_one_lesion(client, label: str = "left shoulder mole") -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    first = _case_id(
        _page_upload(
            client, photo_bytes(size=(256, 192)), lesion="new", lesion_site="back", lesion_label=label
        )
    )
    with _db(client) as db:
        lesion_id = db.get(Case, first).lesion_id
    assert lesion_id is not None
    second = _case_id(
        _page_upload(client, photo_bytes(size=(300, 220)), lesion="same", lesion_id=str(lesion_id))
    )
    return first, second, lesion_id


# --- the upload form and linking ------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_upload_form_has_the_body_map_and_a_select_fallback(client, make_account, lang):
    pat = make_account()
    login(client, pat.email)
    html = client.get(f"/screen/melanoma?lang={lang}").text
    check_page(html)  # every control labelled, every image with alt text
    assert 'id="lesion-fieldset"' in html and 'id="body-map"' in html and "/static/body_map.js" in html
    # every site code is in the select (works without JS) and drawn on the map at least once
    options = set(
        re.findall(r'<option value="([a-z_]+)"', html.split('id="lesion_site"')[1].split("</select>")[0])
    )
    assert options == set(lesions.LESION_SITES)
    drawn = set(re.findall(r'data-site="([a-z_]+)"', html))
    assert drawn == set(lesions.LESION_SITES) - {"trunk"}  # "trunk": the list's catch-all, no own region
    # regions are keyboard-reachable buttons with translated names
    assert html.count('tabindex="0" role="button"') == html.count("data-site=")
    assert ("등 (뒷면)" if lang == "ko" else "Back (Back)") in html
    assert 'id="lesion-same"' not in html  # no earlier lesion yet: nothing to continue
    # a modality without follow-up has no lesion fields
    assert 'id="lesion-fieldset"' not in client.get(f"/screen/chest-xray?lang={lang}").text


def test_new_lesion_then_same_lesion_are_linked(client, make_account):
    pat = make_account()
    login(client, pat.email)
    first, second, lesion_id = _two_photos_of_one_lesion(client)
    with _db(client) as db:
        lesion = db.get(Lesion, lesion_id)
        assert (lesion.owner_id, lesion.body_site, lesion.label) == (pat.id, "back", "left shoulder mole")
        rows = [db.get(Case, first), db.get(Case, second)]
        assert [r.lesion_id for r in rows] == [lesion_id, lesion_id]
        assert [r.body_site for r in rows] == ["back", "back"]  # the marked site says where the photo is
        actions = [
            (a.action, a.case_id) for a in db.scalars(select(AuditLog).where(AuditLog.action == "lesion"))
        ]
        assert actions == [("lesion", first), ("lesion", second)]
    # the form now offers the lesion to continue, with its name and site
    html = client.get("/screen/melanoma?lang=en").text
    assert 'id="lesion-same"' in html and f'<option value="{lesion_id}"' in html
    assert "left shoulder mole (Back) · 2 photo(s), last" in html and " UTC" in html
    # the case page's link prefills "same lesion"
    page = client.get(f"/cases/{second}?lang=en").text
    assert f"/screen/melanoma?lesion=same&amp;lesion_id={lesion_id}" in page
    prefilled = client.get(f"/screen/melanoma?lesion=same&lesion_id={lesion_id}").text
    assert 'id="lesion-same" value="same" checked' in prefilled
    assert f'<option value="{lesion_id}" selected' in prefilled


def test_an_unlinked_upload_has_no_lesion(client, make_account):
    pat = make_account()
    login(client, pat.email)
    cid = _case_id(_page_upload(client, photo_bytes(), body_site="arm"))
    with _db(client) as db:
        assert db.get(Case, cid).lesion_id is None and db.get(Case, cid).body_site == "arm"
    page = client.get(f"/cases/{cid}").text
    assert 'id="followup"' not in page


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"lesion": "new"}, 400, "error.lesion_site"),
        ({"lesion": "new", "lesion_site": "elbow"}, 400, "error.lesion_site"),
        ({"lesion": "new", "lesion_site": "back", "lesion_label": "x" * 61}, 400, "error.long_lesion_label"),
        ({"lesion": "same"}, 400, "error.lesion_choose"),
        ({"lesion": "same", "lesion_id": "abc"}, 400, "error.lesion_choose"),
        ({"lesion": "same", "lesion_id": "999999"}, 404, "error.not_found"),
        ({"lesion": "maybe"}, 400, "error.bad_field"),
    ],
)
def test_bad_lesion_input_is_refused_and_nothing_is_stored(
    client, make_account, settings, fields, status, code
):
    pat = make_account()
    login(client, pat.email)
    before, files = _counts(client), stored_files(settings)
    r = _page_upload(client, photo_bytes(size=(280, 200)), **fields)
    assert r.status_code == status, r.text
    assert translate("en", code).split("{")[0][:25] in htmllib.unescape(r.text)  # the message, in words
    assert _counts(client) == before and stored_files(settings) == files


def test_another_patients_lesion_cannot_be_continued(client, make_account, settings):
    owner, other = make_account(), make_account()
    login(client, owner.email)
    first = _case_id(_page_upload(client, photo_bytes(), lesion="new", lesion_site="chest"))
    with _db(client) as db:
        lesion_id = db.get(Case, first).lesion_id
    login(client, other.email)
    before, files = _counts(client), stored_files(settings)
    r = _page_upload(client, photo_bytes(size=(310, 230)), lesion="same", lesion_id=str(lesion_id))
    assert r.status_code == 404
    assert _counts(client) == before and stored_files(settings) == files
    # and it is not offered to them, nor is the owner's case page or next check theirs
    assert f'<option value="{lesion_id}"' not in client.get("/screen/melanoma").text
    assert client.get(f"/cases/{first}").status_code == 404
    token = csrf_of(client.get("/screen/melanoma").text)
    r = client.post(f"/cases/{first}/next-check", data={"csrf_token": token, "next_check": "2030-01-01"})
    assert r.status_code == 404
    with _db(client) as db:
        assert db.get(Lesion, lesion_id).next_check is None


def test_a_lesion_on_a_task_without_follow_up_is_refused(client, make_account, settings):
    pat = make_account()
    login(client, pat.email)
    before = _counts(client)
    r = _page_upload(client, photo_bytes(), task="chest-xray", lesion="new", lesion_site="chest")
    assert r.status_code == 400 and _counts(client) == before


def test_a_failed_write_leaves_no_lesion_behind(client, make_account, settings, monkeypatch):
    """The new lesion is written in the case's transaction: a failure after it rolls both back."""
    from medlens.web.services import cases

    pat = make_account()
    state = client.app.state.medlens
    before, files = _counts(client), stored_files(settings)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(cases.audit, "insert_row", broken)
    inp = cases.CaseInput("melanoma", lesion=lesions.LesionChoice("new", site="face"))
    with _db(client) as db, pytest.raises(RuntimeError):
        cases.create_case(
            db,
            state.store,
            state.predictors,
            pat.id,
            inp,
            photo_bytes(size=(333, 222)),
            "p.jpg",
            "image/jpeg",
            10**7,
        )
    assert _counts(client) == before and stored_files(settings) == files


def test_refused_photo_keeps_the_lesion_choices_for_the_retry(client, make_account):
    pat = make_account()
    login(client, pat.email)
    flat = io.BytesIO()
    Image.new("RGB", (256, 192), (128, 128, 128)).save(flat, format="JPEG")
    before = _counts(client)
    r = client.post(
        "/screen/melanoma",
        data={
            "csrf_token": csrf_of(client.get("/screen/melanoma").text),
            "lesion": "new",
            "lesion_site": "neck",
        },
        files={"file": ("flat.jpg", flat.getvalue(), "image/jpeg")},
        headers={"Referer": "http://testserver/screen/melanoma"},
    )
    assert r.status_code == 422 and _counts(client) == before  # a bad photo: no case, no lesion
    back = re.search(r'href="(/screen/melanoma\?[^"]+)"', r.text)
    assert back is not None
    retry = client.get(back.group(1).replace("&amp;", "&")).text
    assert 'id="lesion-new" value="new" checked' in retry
    assert re.search(r'<option value="neck"[^>]* selected>', retry)


# --- side by side ----------------------------------------------------------------------------------------


def _set_features(client, cid: int, **features: Any) -> None:  # type: ignore[no-untyped-def]
    with _db(client) as db:
        row = db.get(Case, cid)
        row.prediction = {**row.prediction, "lesion": {"ok": True, "colors": [], **features}}
        db.commit()


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_case_page_shows_earlier_photos_side_by_side(client, make_account, lang):
    pat = make_account()
    login(client, pat.email)
    first, second, _ = _two_photos_of_one_lesion(client)
    _set_features(client, first, asymmetry=1, border=3, colors=["dark_brown"], diameter_mm=4.0, tds=3.2)
    _set_features(
        client, second, asymmetry=2, border=3, colors=["dark_brown", "black"], diameter_mm=5.5, tds=4.7
    )
    with _db(client) as db:
        p1, p2 = (db.get(Case, c).prediction["target_probability"] for c in (first, second))
        times = [db.get(Case, c).created_at.strftime("%Y-%m-%d %H:%M") + " UTC" for c in (first, second)]
    html = client.get(f"/cases/{second}?lang={lang}").text
    check_page(html)
    table = html.split('id="followup-table"')[1].split("</table>")[0]
    assert f'id="followup-col-{first}"' in table and f'id="followup-col-{second}"' in table
    assert table.index(f"followup-col-{first}") < table.index(f"followup-col-{second}")  # oldest first
    assert all(t in table for t in times)  # dates with their zone
    assert f"/cases/{first}/image?thumb=1" in table and f'href="/cases/{first}"' in table
    # probability of the target class, and its change in percentage points (same model)
    row = table.split('id="followup-probability"')[1].split("</tr>")[0]
    shift = round(100 * (p2 - p1))
    unit = "%p" if lang == "ko" else " pp"
    sign = "±" if shift == 0 else ("+" if shift > 0 else "−")
    assert f"{sign}{abs(shift)}{unit}" in row
    target = get_task("melanoma").class_title("malignant", lang)
    assert target in table.split('id="followup-probability"')[1].split("</th>")[0]
    # ABCD features and their changes
    tds = table.split('id="followup-tds"')[1].split("</tr>")[0]
    assert "3.2" in tds and "4.7" in tds and "+1.5" in tds
    diameter = table.split('id="followup-diameter"')[1].split("</tr>")[0]
    assert "4.0 mm" in diameter and "5.5 mm" in diameter and "+1.5" in diameter
    assert "+1" in table.split('id="followup-colors"')[1].split("</tr>")[0]
    assert "±0" in table.split('id="followup-border"')[1].split("</tr>")[0]
    assert ("진단이 아닙니다" if lang == "ko" else "not a diagnosis") in html
    # the earlier photo's own page shows only itself (no later photos), with the "first photo" hint
    first_page = client.get(f"/cases/{first}?lang={lang}").text
    assert 'id="followup-table"' not in first_page and 'id="followup-first"' in first_page
    with _db(client) as db:
        audit = [a.detail for a in db.scalars(select(AuditLog).where(AuditLog.action == "followup"))]
    assert any(f"ids={first},{second}" in d for d in audit)


def test_times_on_the_case_page_and_pdf_say_utc(client, make_account):
    from pypdf import PdfReader

    pat = make_account()
    login(client, pat.email)
    cid = _case_id(_page_upload(client, photo_bytes()))
    with _db(client) as db:
        when = db.get(Case, cid).created_at.strftime("%Y-%m-%d %H:%M") + " UTC"
    assert f"<dd>{when}</dd>" in client.get(f"/cases/{cid}").text
    pdf = client.get(f"/cases/{cid}/report.pdf?lang=en")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert when in text


def test_clinicians_see_only_photos_sent_to_them(client, make_account):
    pat, doc = make_account(), make_account("clinician")
    login(client, pat.email)
    first, second, _ = _two_photos_of_one_lesion(client)
    client.post(f"/api/v1/cases/{second}/submit", headers=pat.auth)
    login(client, doc.email)
    html = client.get(f"/clinic/cases/{second}?lang=en").text
    assert 'id="followed-lesion"' in html and 'id="followup-table"' not in html  # the first was not sent
    assert 'id="followup-first"' not in html and 'id="next-check-form"' not in html
    login(client, pat.email)
    client.post(f"/api/v1/cases/{first}/submit", headers=pat.auth)
    login(client, doc.email)
    html = client.get(f"/clinic/cases/{second}?lang=en").text
    table = html.split('id="followup-table"')[1].split("</table>")[0]
    assert f'href="/clinic/cases/{first}"' in table and f'id="followup-col-{second}"' in table
    assert client.get(f"/cases/{first}/image?thumb=1").status_code == 200  # its thumbnail is theirs to see


def test_presenter_compares_probability_only_within_one_model():
    def case(cid: int, version: str, tp: float, tds: float | None, **more: Any) -> Case:
        lesion = {"ok": True, "tds": tds, "colors": [], **more} if tds is not None else {"ok": False}
        return Case(
            id=cid,
            task="melanoma",
            model_name="m",
            model_version=version,
            created_at=utcnow() + timedelta(minutes=cid),
            prediction={"target_probability": tp, "target_class": "malignant", "lesion": lesion},
        )

    rows = [
        case(1, "1", 0.20, 3.0, diameter_mm=4.0),
        case(2, "2", 0.50, None),
        case(3, "1", 0.35, 3.0, diameter_score=2),
    ]
    view = followup(rows, rows[-1], Lesion(id=7, body_site="face", label=""), "en", "/cases")
    assert view is not None and view["title"] == "Face" and [c["id"] for c in view["columns"]] == [1, 2, 3]
    prob, *measures = view["rows"]
    # version 2 is another model: no change against version 1; photo 3 compares with photo 1 (same model)
    assert [c["change"] for c in prob["cells"]] == [None, None, "+15 pp"]
    tds = next(m for m in measures if m["key"] == "tds")
    assert [c["value"] for c in tds["cells"]] == ["3.0", "–", "3.0"]
    assert [c["change"] for c in tds["cells"]] == [None, None, "±0.0"]
    # a diameter in millimetres is not compared with a 0-5 score
    diameter = next(m for m in measures if m["key"] == "diameter")
    assert [c["value"] for c in diameter["cells"]] == ["4.0 mm", "–", "2 / 5"]
    assert [c["change"] for c in diameter["cells"]] == [None, None, None]
    assert followup(rows[:1], rows[0], Lesion(id=7, body_site="face", label=""), "en", "/cases") is None


# --- next check and reminders ----------------------------------------------------------------------------


def test_next_check_date_is_set_validated_and_cleared(client, make_account):
    pat = make_account()
    login(client, pat.email)
    cid = _case_id(_page_upload(client, photo_bytes(), lesion="new", lesion_site="hand"))
    token = csrf_of(client.get(f"/cases/{cid}").text)
    day = (utcnow().date() + timedelta(days=30)).isoformat()
    r = client.post(
        f"/cases/{cid}/next-check", data={"csrf_token": token, "next_check": day}, follow_redirects=False
    )
    assert r.status_code == 303
    page = client.get(f"/cases/{cid}?checked=1").text
    assert f'value="{day}"' in page and 'id="next-check-saved"' in page
    with _db(client) as db:
        lesion_id = db.get(Case, cid).lesion_id
        assert db.get(Lesion, lesion_id).next_check == date.fromisoformat(day)
        assert db.scalars(select(AuditLog).where(AuditLog.action == "next_check")).first() is not None
    yesterday = (utcnow().date() - timedelta(days=1)).isoformat()
    for bad, code in (
        ("2026-13-40", "error.bad_next_check"),
        ("soon", "error.bad_next_check"),
        (yesterday, "error.next_check_range"),
        ("2099-01-01", "error.next_check_range"),
    ):
        r = client.post(f"/cases/{cid}/next-check", data={"csrf_token": token, "next_check": bad})
        assert r.status_code == 400, bad
        assert translate("en", code)[:30] in htmllib.unescape(r.text)
    with _db(client) as db:
        assert db.get(Lesion, lesion_id).next_check == date.fromisoformat(day)  # unchanged by bad input
    r = client.post(
        f"/cases/{cid}/next-check", data={"csrf_token": token, "next_check": ""}, follow_redirects=False
    )
    assert r.status_code == 303
    with _db(client) as db:
        assert db.get(Lesion, lesion_id).next_check is None
    # a case that follows no lesion has no date to set
    plain = _case_id(_page_upload(client, photo_bytes(size=(270, 200))))
    assert (
        client.post(f"/cases/{plain}/next-check", data={"csrf_token": token, "next_check": day}).status_code
        == 404
    )


def _due_lesion(client, owner_id: int, site: str = "back", days_ago: int = 0) -> int:  # type: ignore[no-untyped-def]
    with _db(client) as db:
        lesion = Lesion(
            owner_id=owner_id, body_site=site, label="", next_check=utcnow().date() - timedelta(days=days_ago)
        )
        db.add(lesion)
        db.commit()
        return lesion.id


def test_reminders_notify_once_per_date_in_app_and_by_mail(mail_client, make_account, smtp):  # noqa: F811
    inbox, _ = smtp
    pat, sleeping = make_account(), make_account()
    state = mail_client.app.state.medlens
    login(mail_client, pat.email)
    cid = _case_id(_page_upload(mail_client, photo_bytes(), lesion="new", lesion_site="back"))
    with _db(mail_client) as db:
        lesion = db.get(Lesion, db.get(Case, cid).lesion_id)
        lesion.next_check = utcnow().date()
        db.get(User, sleeping.id).active = False
        db.commit()
        lesion_id = lesion.id
    _due_lesion(mail_client, sleeping.id)
    future = _due_lesion(mail_client, pat.id, days_ago=-3)  # not due yet
    with _db(mail_client) as db:
        done = reminders.notify_reminders(db, state.settings)
    assert done.notices == 1 and [m.to for m in done.mails] == [pat.email]
    assert state.mailer.send_all(done.mails) == 1
    assert "check date" in inbox.messages[-1]["Subject"]
    assert str(cid) not in _body(inbox.messages[-1])  # no case number, no health detail
    (n,) = mail_client.get("/api/v1/notices", headers=pat.auth).json()["notices"]
    assert n["kind"] == "reminder" and n["case_id"] == cid and utcnow().date().isoformat() in n["text"]
    page = mail_client.get("/notices?lang=en").text
    assert "take a new photo" in page and f'id="open-{n["id"]}"' in page
    r = mail_client.post(
        f"/notices/{n['id']}/read",
        data={"csrf_token": csrf_of(page), "open_case": "1"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].split("?")[0] == f"/cases/{cid}"
    with _db(mail_client) as db:  # a second run tells nobody again
        again = reminders.notify_reminders(db, state.settings)
        assert (again.notices, again.mails) == (0, [])
        assert db.get(Lesion, future).reminded_for is None
        # a new date is reminded again, once it comes
        db.get(Lesion, lesion_id).next_check = utcnow().date() + timedelta(days=7)
        db.commit()
        later = reminders.notify_reminders(db, state.settings, today=utcnow().date() + timedelta(days=7))
        assert later.notices == 2  # the new date, and the other lesion whose date has come by then
        assert db.scalar(select(func.count()).select_from(Notice).where(Notice.user_id == sleeping.id)) == 0


def test_notify_reminders_command(client, make_account, monkeypatch):
    from typer.testing import CliRunner

    from medlens.cli.main import app
    from medlens.config import get_settings

    pat = make_account()
    _due_lesion(client, pat.id, days_ago=2)
    monkeypatch.setenv("MEDLENS_DATABASE_URL", client.app.state.medlens.settings.database_url)
    monkeypatch.delenv("MEDLENS_SMTP_HOST", raising=False)
    get_settings.cache_clear()
    try:
        r = CliRunner().invoke(app, ["notify", "reminders"])
        assert r.exit_code == 0, r.output
        assert "1 lesion check(s) due" in r.output and "e-mail off" in r.output
        r = CliRunner().invoke(app, ["notify", "reminders"])
        assert r.exit_code == 0 and "0 lesion check(s) due" in r.output
        r = CliRunner().invoke(app, ["notify", "reminders", "--today", "tomorrow"])
        assert r.exit_code != 0 and "YYYY-MM-DD" in r.output
    finally:
        get_settings.cache_clear()
    assert client.get("/api/v1/notices", headers=pat.auth).json()["unread"] == 1


# --- privacy ---------------------------------------------------------------------------------------------


def test_lesions_are_in_the_data_download_and_go_with_the_account(client, make_account, settings):
    pat, other = make_account(), make_account()
    login(client, pat.email)
    first, second, lesion_id = _two_photos_of_one_lesion(client, label="점 <b>1</b>")
    login(client, other.email)
    kept = _case_id(_page_upload(client, photo_bytes(size=(290, 210)), lesion="new", lesion_site="foot"))
    r = client.get("/api/v1/account/export", headers=pat.auth)
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        followed = json.loads(zf.read("lesions.json"))
        cases = json.loads(zf.read("cases.json"))
    assert followed == [
        {
            "id": lesion_id,
            "label": "점 <b>1</b>",
            "body_site": "back",
            "created_at": followed[0]["created_at"],
            "next_check": None,
            "case_ids": [first, second],
        }
    ]
    assert followed[0]["created_at"].endswith("+00:00")
    assert {c["id"]: c["lesion_id"] for c in cases} == {first: lesion_id, second: lesion_id}
    r = client.post("/api/v1/account/delete", headers=pat.auth, json={"password": PASSWORD, "confirm": True})
    assert r.status_code == 200, r.text
    with _db(client) as db:
        assert db.scalar(select(func.count()).select_from(Lesion).where(Lesion.owner_id == pat.id)) == 0
        assert db.get(Lesion, lesion_id) is None
        assert db.get(Case, kept).lesion_id is not None  # the other patient's lesion stays
        assert db.get(Lesion, db.get(Case, kept).lesion_id) is not None


def test_erasing_a_lesions_last_photo_erases_the_lesion(client, make_account):
    from medlens.web.services.erasure import erase_cases

    pat = make_account()
    login(client, pat.email)
    first, second, lesion_id = _two_photos_of_one_lesion(client)
    with _db(client) as db:
        erase_cases(db, [first])
        db.commit()
        assert db.get(Lesion, lesion_id) is not None  # still has a photo
        erase_cases(db, [second])
        db.commit()
        assert db.get(Lesion, lesion_id) is None
