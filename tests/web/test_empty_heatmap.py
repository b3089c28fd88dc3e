"""An all-zero heatmap (no region raised the score of the class it explains: most benign photos under the
melanoma model explain "malignant") is said in words on the page, the viewer and the PDF, instead of a
uniformly blue picture captioned "where the model looked"."""

from __future__ import annotations

import io

import pytest
from sqlalchemy.orm.attributes import flag_modified

from medlens.db import Case

from .conftest import photo_bytes, upload
from .test_pages import login


@pytest.mark.parametrize("empty", [True, False])
def test_the_case_page_and_pdf_say_when_the_map_is_empty(client, make_account, empty):
    from pypdf import PdfReader

    pat = make_account()
    r = upload(client, pat, photo_bytes())
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    with client.app.state.medlens.session_factory() as db:
        row = db.get(Case, cid)
        assert row.heatmap_sha256 is not None  # the test model draws a heatmap
        row.prediction = {**row.prediction, "heatmap_empty": empty, "heatmap_class": "malignant"}
        flag_modified(row, "prediction")
        db.commit()
    case = client.get(f"/api/v1/cases/{cid}", headers=pat.auth).json()
    assert case["heatmap_url"]
    login(client, pat.email)
    page = client.get(f"/cases/{cid}?lang=en").text
    pdf = client.get(f"/api/v1/cases/{cid}/report.pdf?lang=en", headers=pat.auth)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages).replace("\n", " ")
    said = "score for Malignant, so the map shows no red"
    assert (said in page) is empty and ("Where the model looked" in page) is not empty
    assert ("no part of the photo raised that score" in text) is empty, text[:600]
