"""The scalp result page and PDF show the scalp type derived from the six predicted grades, and the
screening list says which kind of photo each task needs (from its modality)."""

from __future__ import annotations

import io

import pytest

from medlens.scalp.types import scalp_type, type_title
from medlens.tasks import get_task

from .conftest import photo_bytes, upload
from .test_pages import check_page, login


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_scalp_page_and_pdf_show_the_derived_type(client, make_account, lang: str) -> None:
    from pypdf import PdfReader

    pat = make_account()
    body = upload(client, pat, photo_bytes(), task="scalp", body_site="scalp").json()
    grades = {h["name"]: int(h["label"]) for h in body["heads"]}
    name, severity = scalp_type(grades)
    headline = type_title(name, severity, lang)

    login(client, pat.email)
    page = client.get(f"/cases/{body['id']}?lang={lang}").text
    check_page(page)
    assert 'id="scalp-type"' in page and headline in page
    assert ("not treatment" if lang == "en" else "치료가 아닙니다") in page

    pdf = client.get(f"/api/v1/cases/{body['id']}/report.pdf?lang={lang}", headers=pat.auth)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert headline.replace(" ", "") in text.replace(" ", "").replace("\n", "")


def test_single_head_tasks_derive_nothing(client, make_account) -> None:
    pat = make_account()
    cid = upload(client, pat, photo_bytes(), task="melanoma").json()["id"]
    login(client, pat.email)
    assert 'id="scalp-type"' not in client.get(f"/cases/{cid}?lang=en").text


def test_screening_list_and_form_say_which_photo_fits(client, make_account) -> None:
    pat = make_account()
    login(client, pat.email)
    page = client.get("/screen?lang=en").text
    dermoscope = get_task("melanoma").modality_info.capture
    scalp = get_task("scalp").modality_info.capture
    assert dermoscope is not None and scalp is not None
    assert dermoscope.en in page and scalp.en in page
    form = client.get("/screen/melanoma?lang=ko").text
    assert 'id="capture"' in form and dermoscope.ko in form
