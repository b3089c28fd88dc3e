"""The care loop (issue 17): one message per result with its conformal set (abstain and refer when the
model cannot tell classes apart), bounded probabilities, a clinician verdict that must be chosen and
never "corrects" to the model's own label, waiting times, and error pages that keep the session."""

from __future__ import annotations

import io
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import _wipe, photo_bytes, upload
from .test_auth import csrf_of
from .test_pages import login

ALWAYS_BOTH = {"method": "aps", "alpha": 0.1, "qhat": None, "target_class": "malignant", "n_calibration": 10}


@pytest.fixture
def client(settings, models_dir: Path, tmp_path: Path) -> Iterator:
    """The app with the test bundles; melanoma's card gets a conformal block whose sets keep both
    classes (infinite threshold: as a model calibrated on too few images would)."""
    from fastapi.testclient import TestClient

    from medlens.web.app import create_app

    root = tmp_path / "models"
    root.mkdir()
    for sub in models_dir.iterdir():
        if sub.name == "melanoma":
            shutil.copytree(sub, root / sub.name)
        else:
            (root / sub.name).symlink_to(sub, target_is_directory=True)
    card_path = root / "melanoma" / "card.json"
    card = json.loads(card_path.read_text())
    card["conformal"] = ALWAYS_BOTH
    card_path.write_text(json.dumps(card))
    _wipe(settings.database_url)
    app = create_app(settings.model_copy(update={"models_dir": root}))
    with TestClient(app, headers={"Accept-Language": "en"}) as c:
        yield c


def _set_prediction(client, cid: int, **changes) -> dict:  # type: ignore[no-untyped-def]
    from medlens.db import Case

    with client.app.state.medlens.session_factory() as db:
        row = db.get(Case, cid)
        row.prediction = {**row.prediction, **changes}
        db.commit()
        return row.prediction


def _no_certainty(text: str) -> None:
    text = re.sub(r'<p class="quality-ok">.*?</p>', " ", text, flags=re.S)  # skin share is no probability
    text = re.sub(r"<[^>]+>", " ", text)  # what people read (not attributes such as width="100%")
    assert not re.search(r"(?<![\d.])100(\.0)?\s?%", text), "a probability is shown as 100 %"
    assert not re.search(r"(?<![\d.])0(\.0)?\s?%", text), "a probability is shown as 0 %"


def test_result_shows_set_abstains_and_never_100(client, make_account):
    pat = make_account("patient")
    r = upload(client, pat, photo_bytes())
    assert r.status_code == 201, r.text
    body = r.json()
    cid = body["id"]
    # the served prediction carries the conformal set; both classes -> abstain and refer
    assert sorted(body["prediction_set"]) == ["benign", "malignant"]
    assert body["abstain"] is True and body["review_reasons"]
    from medlens.db import Case

    with client.app.state.medlens.session_factory() as db:  # queued as a referral, never as low risk
        assert db.get(Case, cid).risk in ("moderate", "high")
    login(client, pat.email)
    page = client.get(f"/cases/{cid}").text
    assert "No verdict: a clinician should look at this photo" in page
    assert 'id="prediction-set"' in page and "The model cannot tell" in page
    # near-certain probabilities are bounded, never 100 % / 0 %
    _set_prediction(client, cid, probabilities={"malignant": 0.99996, "benign": 0.00004})
    page = client.get(f"/cases/{cid}").text
    assert "&gt; 99 %" in page and "&lt; 1 %" in page
    _no_certainty(page)
    ko = client.get(f"/cases/{cid}?lang=ko").text
    assert "판정 보류" in ko and "구별하지 못합니다" in ko
    from pypdf import PdfReader

    pdf = client.get(f"/cases/{cid}/report.pdf?lang=en")
    assert pdf.status_code == 200
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "> 99 %" in text and "No verdict" in text
    _no_certainty(text)


def test_single_class_set_gives_one_verdict_and_abcd_disagreement_asks_for_review(client, make_account):
    pat = make_account("patient")
    cid = upload(client, pat, photo_bytes()).json()["id"]
    pred = _set_prediction(
        client,
        cid,
        prediction_set=["benign"],
        ood=False,
        probabilities={"benign": 0.97, "malignant": 0.03},
        target_probability=0.03,
        threshold=0.3,
    )
    lesion = pred.get("lesion") or {}
    assert lesion.get("ok"), "the melanoma upload gets ABCD lesion features after the upload"
    _set_prediction(client, cid, lesion={**lesion, "tds_band": "benign"})
    r = client.get(f"/api/v1/cases/{cid}", headers=pat.auth).json()
    assert r["abstain"] is False and r["review_reasons"] == [] and r["risk"] == "low"
    login(client, pat.email)
    page = client.get(f"/cases/{cid}").text
    assert "No verdict" not in page and "Only one class remains" in page
    assert "benign range" not in page  # the ABCD box never gives a second verdict
    # ABCD says highly suspicious, the model low: one (cautious) risk and a reason for review
    _set_prediction(client, cid, lesion={**lesion, "tds_band": "highly_suspicious"})
    r = client.get(f"/api/v1/cases/{cid}", headers=pat.auth).json()
    assert r["abstain"] is False and r["risk"] == "high"
    assert any("ABCD" in reason for reason in r["review_reasons"])


def _submitted_case(client, make_account):  # type: ignore[no-untyped-def]
    pat, doc = make_account("patient"), make_account("clinician")
    cid = upload(client, pat, photo_bytes()).json()["id"]
    client.post(f"/api/v1/cases/{cid}/submit", headers=pat.auth)
    return pat, doc, cid


def test_clinician_verdict_is_required_and_never_the_models_own_label(client, make_account):
    pat, doc, cid = _submitted_case(client, make_account)
    label = client.get(f"/api/v1/cases/{cid}", headers=pat.auth).json()["label"]
    other = "benign" if label == "malignant" else "malignant"
    # API: no verdict -> 422; "correct to" the model's own label -> 400
    url = f"/api/v1/clinician/cases/{cid}/reply"
    r = client.post(url, headers=doc.auth, json={"body": "Looked at it."})
    assert r.status_code == 422 and r.json()["code"] == "error.verdict_required"
    r = client.post(url, headers=doc.auth, json={"body": "Looked at it.", "feedback_label": label})
    assert r.status_code == 400 and r.json()["code"] == "error.correct_to_own"
    # page: nothing preselected; choices are agree / the other class / cannot assess
    login(client, doc.email)
    review = client.get(f"/clinic/cases/{cid}").text
    select = re.search(r'<select id="feedback_label".*?</select>', review, re.S).group(0)
    assert "required" in select
    values = re.findall(r'<option value="([^"]*)"', select)
    assert values == ["", "agree", other, "cannot_assess"]
    assert re.findall(r"<option[^>]*selected", select) == ['<option value="" disabled selected']
    # a reply sent without touching the select is refused, and the typed answer comes back
    r = client.post(
        f"/clinic/cases/{cid}/reply",
        data={"csrf_token": csrf_of(review), "body": "Please see a dermatologist."},
        follow_redirects=False,
    )
    assert r.status_code == 422
    assert 'id="form-error"' in r.text and "Please see a dermatologist.</textarea>" in r.text
    r = client.post(
        f"/clinic/cases/{cid}/reply",
        data={"csrf_token": csrf_of(review), "body": "Hmm.", "feedback_label": label},
        follow_redirects=False,
    )
    assert r.status_code == 400 and 'id="form-error"' in r.text
    assert client.get(f"/api/v1/cases/{cid}", headers=pat.auth).json()["status"] != "answered"
    r = client.post(
        f"/clinic/cases/{cid}/reply",
        data={"csrf_token": csrf_of(review), "body": "Photo too dark.", "feedback_label": "cannot_assess"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    mine = client.get(f"/api/v1/cases/{cid}", headers=pat.auth).json()
    assert mine["status"] == "answered" and mine["feedback_label"] == "cannot_assess"


def test_waiting_time_in_queue_and_on_the_case(client, make_account):
    _, doc, cid = _submitted_case(client, make_account)
    from datetime import timedelta

    from medlens.db import Case

    with client.app.state.medlens.session_factory() as db:
        row = db.get(Case, cid)
        row.submitted_at = row.submitted_at - timedelta(hours=26, minutes=5)
        db.commit()
    assert client.get(f"/api/v1/cases/{cid}", headers=doc.auth).json()["waiting_hours"] >= 26
    login(client, doc.email)
    queue = client.get("/clinic").text
    assert re.search(rf'id="waiting-{cid}">1 d 2 h<', queue)
    assert "Waiting for a clinician for 1 d 2 h" in client.get(f"/clinic/cases/{cid}").text


def test_error_page_keeps_the_session_header_and_the_input(client, make_account):
    pat, _, cid = _submitted_case(client, make_account)
    login(client, pat.email)
    case_page = client.get(f"/cases/{cid}")
    token = csrf_of(case_page.text)
    # a patient may not answer: the error page still shows them signed in, with their text and a way back
    r = client.post(
        f"/clinic/cases/{cid}/reply",
        data={"csrf_token": token, "body": "My own typed words", "feedback_label": "agree"},
        headers={"Referer": f"http://testserver/cases/{cid}"},
    )
    assert r.status_code == 403
    assert "Log out" in r.text and 'href="/login"' not in r.text
    assert "My own typed words" in r.text and 'id="form-input"' in r.text
    assert (
        f'id="error-back" href="/cases/{cid}"' in r.text or f'href="/cases/{cid}" id="error-back"' in r.text
    )
    # a form that fails validation (no photo) keeps the choices made
    r = client.post(
        "/screen/melanoma",
        data={"csrf_token": token, "sex": "female", "body_site": "back"},
        headers={"Referer": "http://testserver/screen/melanoma"},
    )
    assert r.status_code == 422
    assert "Log out" in r.text and "female" in r.text and "back" in r.text
    link = re.search(r'href="([^"]+)" id="error-back"', r.text).group(1).replace("&amp;", "&")
    assert link.startswith("/screen/melanoma?") and "sex=female" in link and "body_site=back" in link
    form = client.get(link).text  # the form comes back with the choices made (a file cannot)
    assert '<option value="female" selected>' in form and '<option value="back" selected>' in form


def test_another_test_on_the_same_photo_is_a_reason_for_review_not_a_second_verdict(client, make_account):
    from medlens.db import Case

    pat = make_account("patient")
    cid = upload(client, pat, photo_bytes()).json()["id"]
    pred = _set_prediction(
        client, cid, prediction_set=["benign"], ood=False, target_probability=0.03, threshold=0.3
    )
    _set_prediction(client, cid, lesion={**pred["lesion"], "tds_band": "benign"})
    with client.app.state.medlens.session_factory() as db:
        row = db.get(Case, cid)
        row.risk = "low"
        twin = Case(
            **{
                c.name: getattr(row, c.name)
                for c in Case.__table__.columns
                if c.name not in ("id", "idempotency_key")
            }
        )
        twin.task, twin.risk = "scalp", "high"
        db.add(twin)
        db.commit()
        twin_id = twin.id
    login(client, pat.email)
    page = client.get(f"/cases/{cid}").text
    assert "on this same photo" in page and "a clinician should decide which test fits it" in page
    assert page.count('id="result-message"') == 1  # one message, the other test is a reason
    # the PDF the patient sends carries the same message and reason as the page
    from pypdf import PdfReader

    pdf = client.get(f"/api/v1/cases/{cid}/report.pdf", headers=pat.auth)
    pdf_text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "on this same photo" in pdf_text
    # a clinician sees the sent case, and the other test only once the patient has sent that one too
    assert client.post(f"/api/v1/cases/{cid}/submit", headers=pat.auth).status_code == 200
    doc = make_account("clinician")
    login(client, doc.email)
    review = client.get(f"/clinic/cases/{cid}")
    assert review.status_code == 200 and "on this same photo" not in review.text
    pdf = client.get(f"/cases/{cid}/report.pdf")
    pdf_text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "same photo" not in pdf_text  # nor in the clinician's PDF
    login(client, pat.email)
    assert client.post(f"/api/v1/cases/{twin_id}/submit", headers=pat.auth).status_code == 200
    login(client, doc.email)
    assert "on this same photo" in client.get(f"/clinic/cases/{cid}").text


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_page_and_pdf_explain_a_referral_above_the_most_likely_class(client, make_account, lang: str) -> None:
    """P(malignant) 0.3 over a 0.2 threshold: the result refers while the arg-max says benign; the page and
    the PDF say why. Under the threshold there is nothing to explain."""
    from pypdf import PdfReader

    from medlens.db import Case

    pat = make_account("patient")
    cid = upload(client, pat, photo_bytes()).json()["id"]
    probs = {"benign": 0.7, "malignant": 0.3}
    _set_prediction(
        client, cid, probabilities=probs, target_class="malignant", target_probability=0.3, threshold=0.2
    )
    with client.app.state.medlens.session_factory() as db:
        db.get(Case, cid).predicted_label = "benign"
        db.commit()
    login(client, pat.email)
    page = client.get(f"/cases/{cid}?lang={lang}").text
    from medlens.web.i18n import translate

    # the heatmap's caption says what the map is and is not
    assert f"/cases/{cid}/heatmap" in page and translate(lang, "case.heatmap") in page
    note = re.search(r'<p class="hint" id="label-note">(.*?)</p>', page, flags=re.S)
    assert note is not None and "30 %" in note.group(1) and "20 %" in note.group(1)
    pdf = client.get(f"/api/v1/cases/{cid}/report.pdf?lang={lang}", headers=pat.auth)
    text = "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf.content)).pages)
    first_words = "".join(note.group(1).split())[:20]
    assert first_words in text
    _set_prediction(client, cid, probabilities={"benign": 0.85, "malignant": 0.15}, target_probability=0.15)
    assert 'id="label-note"' not in client.get(f"/cases/{cid}?lang={lang}").text
