"""Admin API: statistics, user management, dataset export readable by the imagefolder adapter."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from .conftest import PASSWORD, photo_bytes, upload


def test_statistics_count_cases(client, make_account):
    pat, admin = make_account("patient"), make_account("admin")
    upload(client, pat, photo_bytes(), sex="female", age_group="70-79")
    upload(client, pat, photo_bytes(size=(280, 200)), sex="male", age_group="80+")
    s = client.get("/api/v1/admin/stats", headers=admin.auth).json()
    assert s["task"] == {"melanoma": 2}
    assert s["sex"] == {"female": 1, "male": 1}
    assert s["age_group"] == {"70-79": 1, "80+": 1}
    assert sum(s["result"].values()) == 2 and all(k.startswith("melanoma:") for k in s["result"])
    assert sum(s["day"].values()) == 2
    assert s["status"] == {"new": 2}


def test_admin_creates_clinician_who_can_log_in(client, make_account):
    admin = make_account("admin")
    r = client.post(
        "/api/v1/admin/users",
        headers=admin.auth,
        json={"email": "doc@example.org", "password": PASSWORD, "name": "Dr. Park", "role": "clinician"},
    )
    assert r.status_code == 201 and r.json()["role"] == "clinician"
    tok = client.post("/api/v1/auth/token", data={"username": "doc@example.org", "password": PASSWORD})
    assert tok.status_code == 200
    q = client.get(
        "/api/v1/clinician/queue", headers={"Authorization": f"Bearer {tok.json()['access_token']}"}
    )
    assert q.status_code == 200
    emails = [u["email"] for u in client.get("/api/v1/admin/users", headers=admin.auth).json()]
    assert "doc@example.org" in emails
    assert client.post("/api/v1/admin/users/99999/deactivate", headers=admin.auth).status_code == 404


def test_export_confirmed_cases_as_imagefolder(client, make_account, tmp_path: Path):
    pat, doc, admin = make_account("patient"), make_account("clinician"), make_account("admin")
    labels = ["benign", "malignant", "benign"]
    for i, label in enumerate(labels):
        case = upload(client, pat, photo_bytes(size=(240 + 8 * i, 180))).json()
        cid = case["id"]
        client.post(f"/api/v1/cases/{cid}/submit", headers=pat.auth)
        r = client.post(
            f"/api/v1/clinician/cases/{cid}/reply",
            headers=doc.auth,
            # the model's own label is confirmed with "agree", never "corrected" to itself
            json={"body": "ok", "feedback_label": "agree" if label == case["label"] else label},
        )
        assert r.status_code == 200, r.text
    upload(client, pat, photo_bytes(size=(200, 200)))  # unconfirmed: not exported
    r = client.get("/api/v1/admin/export?task=melanoma", headers=admin.auth)
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert r.headers["x-medlens-images"] == "3"
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        zf.extractall(tmp_path / "ds")
        rows = list(csv.DictReader(io.StringIO(zf.read("labels.csv").decode())))
    assert sorted(r["label"] for r in rows) == sorted(labels)
    assert len(list((tmp_path / "ds" / "benign").glob("*.jpg"))) == 2  # the uploads, metadata stripped
    from medlens.data import create_dataset

    ds = create_dataset("imagefolder", tmp_path / "ds")
    assert ds.classes == ["benign", "malignant"] and len(ds.samples) == 3
    assert ds.samples[0].load_image().shape[2] == 3
    assert client.get("/api/v1/admin/export?task=nope", headers=admin.auth).status_code == 404


def test_care_api(client, make_account):
    r = client.get("/api/v1/care/clinics?lat=35.16&lon=129.16&limit=3").json()
    assert r["sample_data"] is True
    assert "해운대" in r["clinics"][0]["name"]
    d = [c["distance_km"] for c in r["clinics"]]
    assert d == sorted(d)
    assert client.get("/api/v1/care/clinics?lat=123&lon=0").status_code == 422
    pat = make_account()
    cid = upload(client, pat, photo_bytes()).json()["id"]
    care = client.get(f"/api/v1/cases/{cid}/care?region=제주", headers=pat.auth).json()
    assert care["suggestions"] and all("dermatology" in c["departments"] for c in care["clinics"])
    assert all("제주" in c["region"] for c in care["clinics"])


def test_openapi_schema(client):
    spec = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/cases", "/api/v1/auth/token", "/api/v1/clinician/queue", "/api/v1/admin/export"):
        assert path in spec["paths"]
