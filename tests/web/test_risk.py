"""COVID-19 risk calculator: API, validation, schema, page (ko/en, labels, CSRF) on the REAL models/covid-death."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from medlens.config import PROJECT_ROOT, Settings

from .test_auth import csrf_of
from .test_pages import check_page

REAL_MODEL = PROJECT_ROOT / "models" / "covid-death"
PATIENT = {"AGE": 67, "SEX": "male", "PNEUMONIA": "yes", "DIABETES": "yes", "HIPERTENSION": "no"}


def test_risk_model_loaded_but_not_an_image_screening(risk_client):
    state = risk_client.app.state.medlens
    assert state.risk_model is not None and state.risk_model.card.name == "covid-death-lgbm"
    assert "covid-death" not in state.predictors and "melanoma" in state.predictors
    tasks = [t["name"] for t in risk_client.get("/api/v1/tasks").json()]
    assert "covid-death" not in tasks and "melanoma" in tasks


def test_api_happy_path_anonymous(risk_client):
    r = risk_client.post("/api/v1/risk", json=PATIENT)
    assert r.status_code == 200, r.text
    body = r.json()
    assert 0.0 < body["probability"] < 1.0
    assert body["at_risk"] == (body["probability"] >= body["threshold"])
    assert body["level"] == ("high" if body["at_risk"] else "low")
    assert body["model_name"] == "covid-death-lgbm" and body["model_version"]
    assert "not a diagnosis" in body["disclaimer"] and "Mexican" in body["data_source"]
    factors = body["top_factors"]
    assert 1 <= len(factors) <= 6
    assert [abs(f["contribution"]) for f in factors] == sorted(
        (abs(f["contribution"]) for f in factors), reverse=True
    )
    by = {f["feature"]: f for f in factors}
    assert by["PNEUMONIA"]["label"] == "Pneumonia" and by["PNEUMONIA"]["value_label"] == "Yes"
    assert by["PNEUMONIA"]["direction"] == "raises" and by["PNEUMONIA"]["contribution"] > 0
    assert body["inputs"]["COPD"] == "no"  # missing optional fields default to "no"


def test_api_korean_labels_and_same_numbers(risk_client):
    en = risk_client.post("/api/v1/risk", json=PATIENT).json()
    ko = risk_client.post("/api/v1/risk?lang=ko", json=PATIENT).json()
    assert ko["probability"] == pytest.approx(en["probability"])
    assert {f["label"] for f in ko["top_factors"]} >= {"폐렴", "나이(세)"}
    assert "진단이 아닙니다" in ko["disclaimer"] and "멕시코" in ko["data_source"]


def test_api_bearer_token_optional_but_checked(risk_client, make_account):
    acc = make_account("patient")
    assert risk_client.post("/api/v1/risk", json=PATIENT, headers=acc.auth).status_code == 200
    r = risk_client.post("/api/v1/risk", json=PATIENT, headers={"Authorization": "Bearer forged"})
    assert r.status_code == 401


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"AGE": 130, "SEX": "male"}, "AGE"),
        ({"AGE": -1, "SEX": "male"}, "AGE"),
        ({"AGE": 40.5, "SEX": "male"}, "AGE"),
        ({"AGE": "forty", "SEX": "male"}, "AGE"),
        ({"AGE": 10**400, "SEX": "male"}, "AGE"),  # a JSON integer beyond float's range (was a 500)
        ({"SEX": "male"}, "AGE"),
        ({"AGE": 40}, "SEX"),
        ({"AGE": 40, "SEX": "other"}, "SEX"),
        ({"AGE": 40, "SEX": "male", "DIABETES": "maybe"}, "DIABETES"),
        ({"AGE": 40, "SEX": "male", "HEIGHT": 180}, "HEIGHT"),
    ],
)
def test_api_validation_names_the_field(risk_client, payload, field):
    r = risk_client.post("/api/v1/risk", json=payload)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field and field in r.json()["detail"]


def test_api_rejects_non_object_body(risk_client):
    r = risk_client.post("/api/v1/risk", json=[1, 2])
    assert r.status_code == 422 and "body" in r.json()["detail"]


def test_schema_endpoint(risk_client):
    r = risk_client.get("/api/v1/risk/schema?lang=ko")
    assert r.status_code == 200
    body = r.json()
    fields = {f["name"]: f for f in body["fields"]}
    assert list(fields) == risk_client.app.state.medlens.risk_model.features
    assert fields["AGE"]["type"] == "integer" and (fields["AGE"]["min"], fields["AGE"]["max"]) == (0, 125)
    assert (
        fields["SEX"]["choices"] == ["female", "male"] and fields["SEX"]["choice_titles"]["female"] == "여성"
    )
    assert fields["DIABETES"]["title"] == "당뇨병" and fields["DIABETES"]["default"] == "no"
    assert body["threshold"] == pytest.approx(risk_client.app.state.medlens.risk_model.threshold)
    assert "22%" in body["operating_point"] and len(body["limitations"]) >= 3


def test_older_age_raises_probability(risk_client):
    """Monotone sanity check on the real model: same patient, older -> higher risk."""
    probs = [
        risk_client.post("/api/v1/risk", json={**PATIENT, "AGE": age}).json()["probability"]
        for age in (25, 45, 65, 85)
    ]
    assert probs == sorted(probs) and probs[-1] > probs[0] + 0.1, probs


@pytest.mark.parametrize(
    ("lang", "words"), [("ko", ("코로나19 위험도 계산기", "당뇨병")), ("en", ("COVID-19", "Diabetes"))]
)
def test_page_renders_with_labels(risk_client, lang, words):
    r = risk_client.get(f"/risk?lang={lang}")
    assert r.status_code == 200
    parser = check_page(r.text)  # every input has a <label for>, skip link present
    assert parser.lang == lang and all(w in r.text for w in words)
    n_fields = len(risk_client.app.state.medlens.risk_model.features)
    assert r.text.count('<fieldset class="choice"') == n_fields - 1  # every choice field is a fieldset
    assert len(parser.inputs) == 1 + 2 + 3 * (n_fields - 2)  # age + sex radios + yes/no/unknown radios
    assert 'href="/risk"' in risk_client.get(f"/?lang={lang}").text  # linked from nav and home


def test_form_post_with_csrf_shows_result(risk_client):
    token = csrf_of(risk_client.get("/risk?lang=ko").text)
    form = {"csrf_token": token, "AGE": "72", "SEX": "female", "PNEUMONIA": "yes", "DIABETES": "yes"}
    r = risk_client.post("/risk?lang=ko", data=form)
    assert r.status_code == 200, r.text[:500]
    check_page(r.text)
    assert 'id="risk-result"' in r.text and "svg" in r.text and "위험을 높임" in r.text
    assert re.search(r'id="risk-probability">(\d+ %|&gt; 99 %)<', r.text)  # never 100 %
    assert "진단이 아닙니다" in r.text and "멕시코" in r.text
    assert 'id="f-AGE"' in r.text and 'value="72"' in r.text  # the form keeps the answers
    api = risk_client.post(
        "/api/v1/risk", json={"AGE": 72, "SEX": "female", "PNEUMONIA": "yes", "DIABETES": "yes"}
    )
    assert f"{api.json()['probability'] * 100:.0f} %" in r.text


def test_form_post_invalid_value_names_field(risk_client):
    token = csrf_of(risk_client.get("/risk").text)
    r = risk_client.post("/risk", data={"csrf_token": token, "AGE": "300", "SEX": "male"})
    assert r.status_code == 422 and 'role="alert"' in r.text and "[AGE]" in r.text
    assert 'aria-invalid="true"' in r.text


def test_form_post_without_csrf_is_refused(risk_client):
    risk_client.get("/risk")
    r = risk_client.post("/risk", data={"AGE": "72", "SEX": "female"})
    assert r.status_code == 403 and 'id="risk-result"' not in r.text
    r = risk_client.post("/risk", data={"csrf_token": "forged", "AGE": "72", "SEX": "female"})
    assert r.status_code == 403


def test_service_starts_without_risk_model(client):
    """The standard test app has image bundles only: everything starts, the calculator says it is off."""
    assert client.app.state.medlens.risk_model is None
    assert client.get("/api/v1/tasks").status_code == 200
    r = client.post("/api/v1/risk", json=PATIENT)
    assert r.status_code == 503 and "not installed" in r.json()["detail"]
    assert client.get("/api/v1/risk/schema").status_code == 503
    page = client.get("/risk")
    assert page.status_code == 200 and "not installed" in page.text and 'id="risk-form"' not in page.text


def test_broken_risk_model_is_skipped(settings: Settings, tmp_path: Path):
    from fastapi.testclient import TestClient

    from medlens.web.app import create_app

    if not (REAL_MODEL / "card.json").exists():
        pytest.skip(f"{REAL_MODEL} is missing (the committed COVID-19 risk model)")
    root = tmp_path / "models"
    shutil.copytree(REAL_MODEL, root / "covid-death")
    (root / "covid-death" / "model.joblib").write_bytes(b"tampered")  # sha256 no longer matches the card
    app = create_app(settings.model_copy(update={"models_dir": root}))
    with TestClient(app) as c:
        assert app.state.medlens.risk_model is None
        assert c.get("/").status_code == 200


def test_risk_request_path_does_not_import_torch(tmp_path: Path):
    """Loading the tabular model (joblib'd LightGBM) and scoring one patient stays torch-free."""
    if not (REAL_MODEL / "card.json").exists():
        pytest.skip(f"{REAL_MODEL} is missing (the committed COVID-19 risk model)")
    code = f"""
import sys
from pathlib import Path
from medlens.web.services.risk import assess, load_risk_model
model = load_risk_model(Path({str(REAL_MODEL.parent)!r}))
assert model is not None
assess(model, {{"AGE": 50, "SEX": "female"}}, "en")
print("TORCH" if any(m == "torch" or m.startswith("torch.") for m in sys.modules) else "CLEAN")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith("CLEAN")
