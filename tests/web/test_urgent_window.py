"""The 72-hour window (TaskSpec.urgent_window_hours): a herpes-zoster screen-positive within 72 h of rash
onset is urgent: banner (en/ko) on the result, first in the clinician queue with the hours left; API and
pages end to end through the app with a real ONNX bundle."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from medlens.config import Settings

from .conftest import _wipe, photo_bytes, upload


@pytest.fixture(scope="module")
def zoster_models(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The web test bundles plus a random-init herpes-zoster bundle whose operating threshold is 0, so
    every upload is screen-positive (the window logic is what is tested, not the model)."""
    import torch

    from medlens.card import DataInfo, ModelCard, Preprocessing, Thresholds
    from medlens.export import write_bundle
    from medlens.models import create_classifier
    from medlens.tasks import get_task

    root = tmp_path_factory.mktemp("zmodels")
    for sub in models_dir.iterdir():
        (root / sub.name).symlink_to(sub, target_is_directory=True)
    classes = get_task("herpes-zoster").classes
    torch.manual_seed(0)
    card = ModelCard(
        name="herpes-zoster-webtest",
        task="herpes-zoster",
        version="0.0.1",
        backbone="resnet18",
        classes=list(classes),
        preprocessing=Preprocessing(input_size=64),
        thresholds=Thresholds(target_class="herpes_zoster", threshold=0.0),
        data=DataInfo(dataset="random-init web test model"),
    )
    write_bundle(
        create_classifier("resnet18", num_classes=len(classes)).eval(),
        root / "herpes-zoster",
        card,
        latency_runs=0,
    )
    return root


@pytest.fixture
def zclient(settings: Settings, zoster_models: Path) -> Iterator:
    from fastapi.testclient import TestClient

    from medlens.web.app import create_app

    _wipe(settings.database_url)
    app = create_app(settings.model_copy(update={"models_dir": zoster_models}))
    with TestClient(app, headers={"Accept-Language": "en"}) as c:
        yield c


def _account(client, role: str):  # type: ignore[no-untyped-def]
    from medlens.web.services.users import create_user

    from .conftest import PASSWORD, Account

    email = f"{role}-{secrets.token_hex(4)}@example.org"
    with client.app.state.medlens.session_factory() as db:
        user = create_user(db, email, PASSWORD, role.title(), role)
    r = client.post("/api/v1/auth/token", data={"username": email, "password": PASSWORD})
    return Account(user.id, email, role, r.json()["access_token"])


def test_urgent_zoster_case_api_pages_and_queue(zclient) -> None:  # type: ignore[no-untyped-def]
    patient, doctor = _account(zclient, "patient"), _account(zclient, "clinician")
    jpeg = photo_bytes("JPEG")
    r = upload(zclient, patient, jpeg, task="herpes-zoster", onset_hours="20")
    assert r.status_code == 201, r.text
    urgent = r.json()
    assert urgent["urgent"] is True and urgent["onset_hours"] == 20.0
    assert 51.5 < urgent["urgent_hours_left"] <= 52.0 and "72 hours" in urgent["urgent_text"]
    late = upload(zclient, patient, jpeg, task="herpes-zoster", onset_hours="100").json()
    assert late["urgent"] is False and late["urgent_hours_left"] is None
    blank = upload(zclient, patient, jpeg, task="herpes-zoster").json()
    assert blank["urgent"] is False and blank["onset_hours"] is None
    mel = upload(zclient, patient, jpeg, task="melanoma", onset_hours="5").json()  # no window for melanoma
    assert mel["urgent"] is False
    for bad in ("-3", "abc", "nan", "1e9"):
        r = upload(zclient, patient, jpeg, task="herpes-zoster", onset_hours=bad)
        assert r.status_code == 400 and "onset_hours" in r.text, bad

    # clinician queue: the urgent case first, whatever the others' risk
    for case in (mel, late, blank, urgent):
        assert zclient.post(f"/api/v1/cases/{case['id']}/submit", headers=patient.auth).status_code == 200
    queue = zclient.get("/api/v1/clinician/queue", headers=doctor.auth).json()
    assert queue[0]["id"] == urgent["id"] and queue[0]["urgent"] is True
    assert all(not c["urgent"] for c in queue[1:])

    # pages: the form asks for the onset only where the task has a window; banner en/ko; queue badge
    page_login(zclient, patient)
    assert 'name="onset_hours"' in zclient.get("/screen/herpes-zoster").text
    assert 'name="onset_hours"' not in zclient.get("/screen/melanoma").text
    html = zclient.get(f"/cases/{urgent['id']}").text
    assert 'id="urgent-banner"' in html and "within 72 hours" in html and "52 hours left" in html
    ko = zclient.get(f"/cases/{urgent['id']}", headers={"Accept-Language": "ko"}).text
    assert "72시간" in ko and "긴급" in ko
    assert 'id="urgent-banner"' not in zclient.get(f"/cases/{late['id']}").text
    page_login(zclient, doctor)
    qhtml = zclient.get("/clinic").text
    assert re.search(rf'id="urgent-{urgent["id"]}">URGENT · 52 h left', qhtml)
    assert qhtml.index(f"/clinic/cases/{urgent['id']}") < qhtml.index(f"/clinic/cases/{mel['id']}")


def page_login(client, account) -> None:  # type: ignore[no-untyped-def]
    from .conftest import PASSWORD

    client.cookies.clear()
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    data = {"email": account.email, "password": PASSWORD}
    if token:
        data["csrf_token"] = token.group(1)
    r = client.post("/login", data=data, follow_redirects=False)
    assert r.status_code in (302, 303), r.text
