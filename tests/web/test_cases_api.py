"""API flow: create → read → submit → clinician review/reply → patient reads answer; images and PDF."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from medlens.db import Case

from .conftest import photo_bytes, stored_files, upload


def test_tasks_lists_loaded_models(client):
    r = client.get("/api/v1/tasks")
    assert r.status_code == 200
    by_name = {t["name"]: t for t in r.json()}
    assert set(by_name) == {"melanoma", "chest-xray", "scalp"}
    assert by_name["chest-xray"]["accepts_dicom"] is True
    assert by_name["melanoma"]["photo_guide"]
    assert by_name["melanoma"]["model_name"] == "melanoma-webtest"


def test_create_case_predicts_and_stores_content_addressed(client, make_account, settings):
    pat = make_account("patient")
    r = upload(client, pat, photo_bytes(exif_gps=True))
    assert r.status_code == 201, r.text
    case = r.json()
    from medlens.web.timing import parse_server_timing

    stages = parse_server_timing(r.headers["server-timing"])
    assert list(stages) == [
        "receive",
        "read",
        "auth",
        "decode",
        "quality",
        "model",
        "store",
        "db",
        "render",
        "app",
    ]
    assert all(ms >= 0 for ms in stages.values()) and stages["model"] > 0
    assert stages["app"] >= sum(ms for name, ms in stages.items() if name != "app")  # app wraps the stages
    probs = {p["name"]: p["p"] for p in case["probabilities"]}
    assert set(probs) == {"benign", "malignant"}
    assert math.isclose(sum(probs.values()), 1.0, abs_tol=1e-6)
    assert case["label"] == max(probs, key=probs.get)
    assert case["risk"] in {"low", "moderate", "high"}
    assert case["advice"] and case["disclaimer"].startswith("medlens is a screening aid")
    assert case["model_name"] == "melanoma-webtest" and case["model_version"] == "0.0.1"
    assert case["status"] == "new" and case["submitted"] is False
    assert case["has_heatmap"] is True
    from sqlalchemy import select

    from medlens.db import AuditLog

    with client.app.state.medlens.session_factory() as db:  # the case and its audit row, one transaction
        logged = db.scalars(select(AuditLog).where(AuditLog.action == "create")).all()
        assert [(a.case_id, a.user_id) for a in logged] == [(case["id"], pat.id)]
    files = stored_files(settings)
    assert len(files) == 2  # image + heatmap overlay, both JPEG here
    for f in files:
        assert f.parent.name == f.name[:2] and len(f.stem) == 64 and f.suffix == ".jpg"
    # EXIF/GPS stripped without re-encoding: the stored JPEG has no EXIF segment and the same pixels
    img = client.get(f"/api/v1/cases/{case['id']}/image", headers=pat.auth)
    assert img.status_code == 200 and img.headers["content-type"] == "image/jpeg"
    assert b"Exif" not in img.content and b"TestCam" not in img.content
    with Image.open(io.BytesIO(img.content)) as im:
        assert not im.getexif() and "exif" not in im.info
        assert im.size == (256, 192)
        stored = np.asarray(im.convert("RGB"))
    with Image.open(io.BytesIO(photo_bytes(exif_gps=True))) as im:
        assert np.array_equal(stored, np.asarray(im.convert("RGB")))
    heat = client.get(f"/api/v1/cases/{case['id']}/heatmap", headers=pat.auth)
    assert heat.status_code == 200 and heat.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(heat.content)) as im:
        assert im.format == "JPEG" and im.size == (256, 192)
    thumb = client.get(f"/api/v1/cases/{case['id']}/image?thumb=1", headers=pat.auth)
    with Image.open(io.BytesIO(thumb.content)) as im:
        assert max(im.size) <= 160


def test_same_image_twice_is_stored_once(client, make_account, settings):
    pat = make_account()
    data = photo_bytes()
    assert upload(client, pat, data).status_code == 201
    assert upload(client, pat, data).status_code == 201
    assert len(stored_files(settings)) == 2
    assert len(client.get("/api/v1/cases", headers=pat.auth).json()) == 2


def test_full_review_cycle(client, make_account):
    pat, doc = make_account("patient"), make_account("clinician")
    cid = upload(client, pat, photo_bytes()).json()["id"]
    # not yet submitted: invisible to clinicians
    assert client.get(f"/api/v1/cases/{cid}", headers=doc.auth).status_code == 404
    assert client.get("/api/v1/clinician/queue", headers=doc.auth).json() == []
    r = client.post(f"/api/v1/cases/{cid}/submit", headers=pat.auth)
    assert r.status_code == 200 and r.json()["submitted"] and r.json()["status"] == "new"
    queue = client.get("/api/v1/clinician/queue", headers=doc.auth).json()
    assert [c["id"] for c in queue] == [cid]
    seen = client.get(f"/api/v1/cases/{cid}", headers=doc.auth).json()
    assert seen["status"] == "in_review"
    assert client.get(f"/api/v1/cases/{cid}", headers=pat.auth).json()["status"] == "in_review"
    # "correct to" is offered for the other class only (the model's own label is "agree")
    other = "malignant" if seen["label"] == "benign" else "benign"
    r = client.post(
        f"/api/v1/clinician/cases/{cid}/reply",
        headers=doc.auth,
        json={"body": "Please see a dermatologist next week.", "feedback_label": other},
    )
    assert r.status_code == 200, r.text
    mine = client.get(f"/api/v1/cases/{cid}", headers=pat.auth).json()
    assert mine["status"] == "answered" and mine["feedback_label"] == other
    assert mine["replies"][0]["body"] == "Please see a dermatologist next week."
    assert client.get("/api/v1/clinician/queue", headers=doc.auth).json() == []
    # agree = keep the predicted label
    r = client.post(
        f"/api/v1/clinician/cases/{cid}/reply",
        headers=doc.auth,
        json={"body": "Second look: agree.", "feedback_label": "agree"},
    )
    assert r.json()["feedback_label"] == mine["label"]


def test_reply_validation(client, make_account):
    pat, doc = make_account("patient"), make_account("clinician")
    cid = upload(client, pat, photo_bytes()).json()["id"]
    client.post(f"/api/v1/cases/{cid}/submit", headers=pat.auth)
    r = client.post(
        f"/api/v1/clinician/cases/{cid}/reply",
        headers=doc.auth,
        json={"body": "ok", "feedback_label": "pneumonia"},
    )
    assert r.status_code == 400 and "pneumonia" in r.json()["detail"]
    r = client.post(f"/api/v1/clinician/cases/{cid}/reply", headers=doc.auth, json={"body": "   "})
    assert r.status_code == 400
    # a patient may not reply, even to their own case
    r = client.post(f"/api/v1/clinician/cases/{cid}/reply", headers=pat.auth, json={"body": "hi"})
    assert r.status_code == 403


def test_queue_orders_by_priority_score(client, make_account):
    """risk weight x (0.5 + uncertainty) x (1 + hours waited / 24), see web.services.review: here
    3 x 1.3 > 3 x 0.6 > 2 x 0.7 > 1 x 0.6 (all waited about the same)."""
    from medlens.db import Case

    pat, doc = make_account("patient"), make_account("clinician")
    ids = [upload(client, pat, photo_bytes(size=(200 + 10 * i, 160))).json()["id"] for i in range(4)]
    for cid in ids:
        client.post(f"/api/v1/cases/{cid}/submit", headers=pat.auth)
    with client.app.state.medlens.session_factory() as db:  # set known risk/uncertainty to test ordering
        for cid, (risk, unc) in zip(
            ids, [("low", 0.1), ("high", 0.1), ("moderate", 0.2), ("high", 0.8)], strict=True
        ):
            row = db.get(Case, cid)
            row.risk, row.uncertainty = risk, unc
        db.commit()
    order = [c["id"] for c in client.get("/api/v1/clinician/queue", headers=doc.auth).json()]
    assert order == [ids[3], ids[1], ids[2], ids[0]]


def test_report_pdf_contains_reply_and_korean(client, make_account):
    from pypdf import PdfReader

    pat, doc = make_account("patient"), make_account("clinician")
    cid = upload(client, pat, photo_bytes()).json()["id"]
    client.post(f"/api/v1/cases/{cid}/submit", headers=pat.auth)
    client.post(
        f"/api/v1/clinician/cases/{cid}/reply",
        headers=doc.auth,
        json={"body": "피부과 진료를 권합니다. Please visit.", "feedback_label": "agree"},
    )
    r = client.get(f"/api/v1/cases/{cid}/report.pdf?lang=ko", headers=pat.auth)
    assert r.status_code == 200 and r.content[:5] == b"%PDF-"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    assert "Please visit" in text
    assert "피부과" in text and "진단이 아닙니다" in text
    assert "melanoma-webtest" in text


def test_dicom_upload_for_chest_xray(client, make_account, tmp_path: Path):
    pydicom = pytest.importorskip("pydicom")
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    from .conftest import gray_array

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = pydicom.uid.SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(str(tmp_path / "x.dcm"), {}, file_meta=meta, preamble=b"\0" * 128)
    arr = gray_array()
    ds.Rows, ds.Columns = arr.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PixelData = arr.tobytes()
    ds.PatientName = "Test^Patient"
    ds.save_as(str(tmp_path / "x.dcm"), enforce_file_format=True)
    pat = make_account()
    r = upload(
        client,
        pat,
        (tmp_path / "x.dcm").read_bytes(),
        task="chest-xray",
        filename="x.dcm",
        ctype="application/dicom",
        body_site="unknown",
    )
    assert r.status_code == 201, r.text
    assert {p["name"] for p in r.json()["probabilities"]} == {"normal", "pneumonia"}


def test_bad_quality_photo_is_refused_with_retake_advice(client, make_account, settings):
    pytest.importorskip("medlens.quality")
    from PIL import ImageFilter

    pat = make_account()
    with Image.open(io.BytesIO(photo_bytes())) as im:
        blurred = im.filter(ImageFilter.GaussianBlur(8))
        buf = io.BytesIO()
        blurred.save(buf, format="JPEG")
    r = upload(client, pat, buf.getvalue())
    assert r.status_code == 422 and "blurr" in r.json()["detail"].lower()
    r = client.post(
        "/api/v1/cases?lang=ko",
        data={"task": "melanoma"},
        files={"file": ("b.jpg", buf.getvalue(), "image/jpeg")},
        headers=pat.auth,
    )
    assert r.status_code == 422 and "사진" in r.json()["detail"]
    assert stored_files(settings) == [] and client.get("/api/v1/cases", headers=pat.auth).json() == []


def test_upload_with_a_deactivated_or_forged_token_is_refused_and_stores_nothing(
    client, make_account, settings
):
    pat, admin = make_account("patient"), make_account("admin")
    forged = client.post(
        "/api/v1/cases",
        data={"task": "melanoma"},
        files={"file": ("p.jpg", photo_bytes(), "image/jpeg")},
        headers={"Authorization": "Bearer not-a-token"},
    )
    assert forged.status_code == 401 and forged.json()["code"] == "error.bad_token"
    client.post(f"/api/v1/admin/users/{pat.id}/deactivate", headers=admin.auth).raise_for_status()
    r = upload(client, pat, photo_bytes())
    assert r.status_code == 401 and r.json()["code"] == "error.bad_token"
    assert stored_files(settings) == []
    with client.app.state.medlens.session_factory() as db:
        assert db.query(Case).count() == 0


def test_skin_case_has_quality_and_abcd_panel(client, make_account, shared_data: Path):
    pytest.importorskip("medlens.lesion")
    pat = make_account()
    photo = sorted((shared_data / "melanoma_10000" / "train" / "malignant").glob("*.jpg"))[0]
    case = upload(client, pat, photo.read_bytes()).json()
    assert case["quality"]["ok"] is True
    # ABCD is computed after the upload response (a background task), not on the upload path
    assert case["lesion"] is None and case["lesion_pending"] is True
    state = client.app.state.medlens
    with state.session_factory() as db:
        assert db.get(Case, case["id"]).prediction["lesion"]["ok"] is True  # the background task ran
    shown = client.get(f"/api/v1/cases/{case['id']}", headers=pat.auth).json()
    assert shown["lesion_pending"] is False
    assert shown["lesion"]["tds"] > 0 and shown["lesion"]["band_title"]
    assert 0 <= shown["lesion"]["asymmetry"] <= 2


def test_lesion_features_are_computed_on_first_read_if_missing(client, make_account, shared_data: Path):
    """A case whose background analysis never ran (e.g. a restart) gets it on the first read, once."""
    pytest.importorskip("medlens.lesion")
    pat = make_account()
    photo = sorted((shared_data / "melanoma_10000" / "train" / "benign").glob("*.jpg"))[0]
    cid = upload(client, pat, photo.read_bytes()).json()["id"]
    state = client.app.state.medlens
    with state.session_factory() as db:
        row = db.get(Case, cid)
        expected = row.prediction["lesion"]
        row.prediction = {k: v for k, v in row.prediction.items() if k != "lesion"}
        db.commit()
    shown = client.get(f"/api/v1/cases/{cid}", headers=pat.auth).json()
    assert shown["lesion_pending"] is False and shown["lesion"]["tds"] == expected["tds"]
    with state.session_factory() as db:
        assert db.get(Case, cid).prediction["lesion"] == expected


def test_multi_head_scalp_case(client, make_account):
    pat = make_account()
    r = upload(client, pat, photo_bytes(), task="scalp", body_site="scalp")
    assert r.status_code == 201, r.text
    case = r.json()
    assert [h["name"] for h in case["heads"]] == [
        "fine_dandruff",
        "excess_sebum",
        "erythema_interfollicular",
        "erythema_pustules",
        "dandruff",
        "hair_loss",
    ]
    for head in case["heads"]:
        assert math.isclose(sum(p for _, p in head["probabilities"]), 1.0, abs_tol=1e-6)
    assert case["risk"] is None and case["lesion"] is None
    assert client.get(f"/api/v1/cases/{case['id']}/report.pdf", headers=pat.auth).content[:5] == b"%PDF-"


def test_heatmap_is_stored_after_the_response_and_recomputed_on_read(client, make_account, settings):
    """The upload answers before the heatmap file is written (a background task writes it); a read that
    finds it still pending (e.g. after a restart) recomputes the same overlay with the same model."""
    from medlens.web.services.enrich import HEATMAP_KEY, HEATMAP_PENDING

    pat = make_account()
    case = upload(client, pat, photo_bytes()).json()
    assert case["has_heatmap"] is True and case["heatmap_url"]
    state = client.app.state.medlens
    with state.session_factory() as db:
        row = db.get(Case, case["id"])
        digest = row.heatmap_sha256
        assert digest is not None and HEATMAP_KEY not in row.prediction  # the background task ran
        # as if the server had stopped before the background task: pending again, file gone
        row.heatmap_sha256 = None
        row.prediction = {**row.prediction, HEATMAP_KEY: HEATMAP_PENDING}
        db.commit()
    state.store.delete(digest)
    r = client.get(f"/api/v1/cases/{case['id']}/heatmap", headers=pat.auth)
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    with state.session_factory() as db:
        assert db.get(Case, case["id"]).heatmap_sha256 == digest  # same model, same pixels, same file

    # a heatmap made by a model this server no longer serves is not recomputed with another one
    with state.session_factory() as db:
        row = db.get(Case, case["id"])
        row.heatmap_sha256, row.model_version = None, "0.0.0-old"
        row.prediction = {**row.prediction, HEATMAP_KEY: HEATMAP_PENDING}
        db.commit()
    assert client.get(f"/api/v1/cases/{case['id']}/heatmap", headers=pat.auth).status_code == 404
