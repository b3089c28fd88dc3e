"""Clinician review (issue 17, item 3): the patient's note (stored, limited, escaped), the patient's earlier
cases (clinicians only), the queue ordered by risk × uncertainty × waiting (urgent first), reply templates
per task, the zoomable image/heatmap viewer and clinicians' agreement per model version (admin page)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest

from medlens.db import Case
from medlens.db.tables import utcnow
from medlens.resources import REPLY_TEMPLATES_JSON
from medlens.tasks import list_tasks
from medlens.web.errors import AppError
from medlens.web.services import review, stats

from .conftest import photo_bytes, upload
from .test_auth import csrf_of
from .test_pages import login


def _case(client, pat, submit: bool = True, note: str | None = None) -> int:  # type: ignore[no-untyped-def]
    cid = upload(client, pat, photo_bytes()).json()["id"]
    if submit:
        r = client.post(
            f"/api/v1/cases/{cid}/submit", headers=pat.auth, json={"note": note} if note else None
        )
        assert r.status_code == 200, r.text
    return cid


def _set(client, cid: int, **values) -> None:  # type: ignore[no-untyped-def]
    with client.app.state.medlens.session_factory() as db:
        row = db.get(Case, cid)
        for k, v in values.items():
            setattr(row, k, v)
        db.commit()


# --- the patient's note --------------------------------------------------------------------------------


def test_note_is_stored_escaped_and_shown_to_the_clinician(client, make_account):
    pat, doc = make_account("patient"), make_account("clinician")
    cid = _case(client, pat, submit=False)
    login(client, pat.email)
    page = client.get(f"/cases/{cid}").text
    assert 'id="note"' in page and 'maxlength="1000"' in page
    note = 'Since May <script>alert("x")</script>\nit grew & itches'
    r = client.post(
        f"/cases/{cid}/submit", data={"csrf_token": csrf_of(page), "note": note}, follow_redirects=False
    )
    assert r.status_code == 303
    with client.app.state.medlens.session_factory() as db:
        assert db.get(Case, cid).patient_note == note
    mine = client.get(f"/cases/{cid}").text
    assert "&lt;script&gt;" in mine and "<script>alert" not in mine and 'id="send-form"' not in mine
    login(client, doc.email)
    review_page = client.get(f"/clinic/cases/{cid}").text
    shown = re.search(r'id="review-note">(.*?)</p>', review_page, re.S).group(1)
    assert shown == "Since May &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;\nit grew &amp; itches"
    assert client.get(f"/api/v1/cases/{cid}", headers=doc.auth).json()["patient_note"] == note


def test_a_second_send_keeps_the_first_note_and_bad_notes_are_4xx(client, make_account):
    pat = make_account("patient")
    cid = _case(client, pat, note="first")
    r = client.post(f"/api/v1/cases/{cid}/submit", headers=pat.auth, json={"note": "second"})
    assert r.status_code == 200 and r.json()["patient_note"] == "first"
    other = _case(client, pat, submit=False)
    r = client.post(f"/api/v1/cases/{other}/submit", headers=pat.auth, json={"note": "x" * 1001})
    assert r.status_code == 422
    r = client.post(f"/api/v1/cases/{other}/submit", headers=pat.auth, json={"note": 5})
    assert r.status_code == 422
    login(client, pat.email)
    page = client.get(f"/cases/{other}").text
    r = client.post(f"/cases/{other}/submit", data={"csrf_token": csrf_of(page), "note": "y" * 1001})
    assert r.status_code == 400 and "at most 1000 characters" in r.text
    assert "y" * 1001 in r.text  # the error page gives the typed note back
    with client.app.state.medlens.session_factory() as db:
        row = db.get(Case, other)
        assert row.submitted_at is None and row.patient_note is None  # nothing half-written
    # blank and control characters: no note
    r = client.post(f"/api/v1/cases/{other}/submit", headers=pat.auth, json={"note": " \x00\x07 "})
    assert r.status_code == 200 and r.json()["patient_note"] is None


# --- earlier cases ---------------------------------------------------------------------------------------


def test_earlier_cases_are_shown_to_clinicians_only(client, make_account):
    pat, stranger, doc = make_account("patient"), make_account("patient"), make_account("clinician")
    first = _case(client, pat)
    private = _case(client, pat, submit=False)  # never sent: stays the patient's own
    theirs = _case(client, stranger)
    current = _case(client, pat)
    _set(
        client,
        first,
        created_at=utcnow() - timedelta(days=30),
        feedback_label="cannot_assess",
        status="answered",
    )
    login(client, doc.email)
    page = client.get(f"/clinic/cases/{current}").text
    earlier = re.search(r'<section aria-labelledby="earlier-h".*?</section>', page, re.S).group(0)
    assert f'href="/clinic/cases/{first}"' in earlier and "Cannot assess from this photo" in earlier
    assert f"/clinic/cases/{private}" not in earlier and f"/clinic/cases/{theirs}" not in earlier
    assert (utcnow() - timedelta(days=30)).strftime("%Y-%m-%d") in earlier
    assert client.get(f"/clinic/cases/{first}").status_code == 200  # the link opens
    # the patient sees no "earlier cases" box and cannot open the clinician's page
    login(client, pat.email)
    assert 'id="earlier"' not in client.get(f"/cases/{current}").text
    assert client.get(f"/clinic/cases/{current}").status_code == 403
    login(client, stranger.email)
    assert client.get(f"/clinic/cases/{current}").status_code == 403
    with client.app.state.medlens.session_factory() as db:
        from medlens.db import User

        row = db.get(Case, current)
        for who in (pat, stranger):
            with pytest.raises(AppError) as exc:
                review.earlier_cases(db, db.get(User, who.id), row)
            assert exc.value.status == 403


# --- queue order -----------------------------------------------------------------------------------------


def test_priority_score_is_risk_times_uncertainty_times_waiting():
    assert review.priority("high", 0.0, 0) == pytest.approx(1.5)
    assert review.priority("low", 1.0, 0) == pytest.approx(1.5)
    assert review.priority("moderate", 0.5, 24) == pytest.approx(2 * 1.0 * 2)
    assert review.priority("low", 0.0, 48) == pytest.approx(review.priority("high", 0.0, 0))
    assert review.priority(None, None, -5) == pytest.approx(0.5)  # no risk, negative wait: floors
    assert review.priority("high", 7.0, 0) == pytest.approx(3 * 1.5)  # uncertainty is clipped to 1


def test_queue_is_urgent_first_then_by_priority(client, make_account):
    pat, doc = make_account("patient"), make_account("clinician")
    now = utcnow()
    ids = {name: _case(client, pat) for name in ("low_old", "high_sure", "mod_unsure", "urgent", "low_new")}
    _set(
        client,
        ids["low_old"],
        risk="low",
        uncertainty=0.0,
        submitted_at=now - timedelta(hours=96),
        urgent_until=None,
    )
    _set(client, ids["high_sure"], risk="high", uncertainty=0.0, submitted_at=now, urgent_until=None)
    _set(
        client,
        ids["mod_unsure"],
        risk="moderate",
        uncertainty=0.9,
        submitted_at=now - timedelta(hours=2),
        urgent_until=None,
    )
    _set(
        client,
        ids["urgent"],
        risk="low",
        uncertainty=0.0,
        submitted_at=now,
        urgent_until=now + timedelta(hours=30),
    )
    _set(client, ids["low_new"], risk="low", uncertainty=0.1, submitted_at=now, urgent_until=None)
    # scores: low_old 0.5*5=2.5, high_sure 1.5, mod_unsure 2*1.4*1.083=3.03, low_new 0.6
    order = [r["id"] for r in client.get("/api/v1/clinician/queue", headers=doc.auth).json()]
    expected = [ids[k] for k in ("urgent", "mod_unsure", "low_old", "high_sure", "low_new")]
    assert order == expected
    login(client, doc.email)
    page = client.get("/clinic").text
    assert [int(x) for x in re.findall(r'id="review-(\d+)"', page)] == expected
    assert re.search(rf'id="priority-{ids["low_old"]}">2\.5<', page)
    assert "(1 + days waited)" in page


# --- reply templates -------------------------------------------------------------------------------------


def test_reply_templates_resource_is_complete():
    data = json.loads(REPLY_TEMPLATES_JSON.read_text(encoding="utf-8"))
    tasks = set(list_tasks())
    for key, entries in data.items():
        if key.startswith("_"):
            continue
        assert key == "*" or key in tasks, f"templates for unknown task {key}"
        for e in entries:
            for lang in ("ko", "en"):
                assert e["title"][lang].strip() and e["text"][lang].strip(), (key, e["key"], lang)
    mel = review.reply_templates("melanoma", "ko")
    assert mel[0]["key"] == "mole_watch" and "피부과" in mel[0]["text"]
    assert [t["key"] for t in review.reply_templates("no-such-task", "en")] == ["retake", "visit"]


def test_review_page_has_templates_viewer_and_script(client, make_account):
    pat, doc = make_account("patient"), make_account("clinician")
    cid = _case(client, pat)
    login(client, doc.email)
    page = client.get(f"/clinic/cases/{cid}").text
    select = re.search(r'<select id="reply-template".*?</select>', page, re.S).group(0)
    assert "name=" not in select.split(">")[0]  # the template picker is not sent with the form
    assert 'data-text="I have looked at your photo.' in select and "See a dermatologist soon" in select
    assert re.findall(r'class="zoom-frame" tabindex="0"', page) and 'id="frame-image"' in page
    assert f'src="/cases/{cid}/image"' in page and 'id="zoom-in"' in page
    assert '<script src="/static/review.js" defer></script>' in page
    js = client.get("/static/review.js")
    assert js.status_code == 200 and "zoomAt" in js.text and "reply-template" in js.text
    ko = client.get(f"/clinic/cases/{cid}?lang=ko").text
    assert "안심 소견, 경과 관찰" in ko and "원본 해상도" in ko
    # the patient's own case page keeps the plain figures
    login(client, pat.email)
    assert "zoom-frame" not in client.get(f"/cases/{cid}").text


# --- agreement per model version ------------------------------------------------------------------------


def test_agreement_rate_per_model_version(client, make_account):
    pat, admin = make_account("patient"), make_account("admin")
    rows = [_case(client, pat) for _ in range(5)]
    with client.app.state.medlens.session_factory() as db:
        labels = {cid: db.get(Case, cid).predicted_label for cid in rows}
    other = {cid: ("benign" if labels[cid] == "malignant" else "malignant") for cid in rows}
    _set(client, rows[0], feedback_label=labels[rows[0]])
    _set(client, rows[1], feedback_label=labels[rows[1]])
    _set(client, rows[2], feedback_label=other[rows[2]])
    _set(client, rows[3], feedback_label="cannot_assess")
    _set(client, rows[4], feedback_label=labels[rows[4]], model_version="0.0.2")
    with client.app.state.medlens.session_factory() as db:
        from medlens.db import User

        table = stats.agreement_by_model(db, db.get(User, admin.id))
        with pytest.raises(AppError) as exc:
            stats.agreement_by_model(db, db.get(User, pat.id))
        assert exc.value.status == 403
    first, second = table
    assert (
        first["model_version"],
        first["agree"],
        first["corrected"],
        first["cannot_assess"],
        first["n"],
    ) == (
        "0.0.1",
        2,
        1,
        1,
        4,
    )
    assert first["rate"] == pytest.approx(2 / 3) and 0 < first["ci"][0] < 2 / 3 < first["ci"][1] <= 1
    assert (second["model_version"], second["agree"], second["n"], second["rate"]) == ("0.0.2", 1, 1, 1.0)
    login(client, admin.email)
    page = client.get("/admin").text
    section = re.search(r'<section aria-labelledby="agreement-h".*?</section>', page, re.S).group(0)
    assert section.count('class="agreement-row"') == 2 and "melanoma-webtest" in section and "67 %" in section
    assert "모델 버전별 의료진 동의율" in client.get("/admin?lang=ko").text
    assert stats.wilson_interval(0, 0) is None
