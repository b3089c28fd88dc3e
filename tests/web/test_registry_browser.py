"""Browser walk of the model registry (issue 17, learning from corrections): an admin retrains the
served melanoma model on clinician-confirmed cases from the admin page (a real ``medlens retrain run``
child process of the real server), compares the candidate with the served version (paired bootstrap on
its fixed test split), promotes it (the next prediction uses it, without a restart), then rolls back
(the next prediction uses the old version again). Korean and English pages; screenshots 25-28 as in
test_e2e_browser (reports/screenshots/ with MEDLENS_UPDATE_SCREENSHOTS=1).

The served model is tiny (1 epoch at 32 px on synthetic images, 6 test images), so the promotion
margin is set to 1.0 for this walk: the comparison shows its real interval, and the walk does not
depend on which of two near-random models wins."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .conftest import PASSWORD, photo_bytes
from .live_server import Live, live_server, require_chromium
from .registry_helpers import add_confirmed_cases, train_tiny_bundle
from .test_e2e_browser import _click_and_wait, _shot, browser  # noqa: F401

pytestmark = pytest.mark.browser
RETRAIN_TIMEOUT_S = 900  # imports, 1 epoch, plots and export in a child process on a loaded 2-core box


@pytest.fixture(scope="module")
def registry_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    require_chromium()
    tmp = tmp_path_factory.mktemp("registry-e2e")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("medlens.training.report.write_plots", lambda *a, **k: [])
        bundle = train_tiny_bundle(tmp / "tiny")
    users = [("admin@example.org", "admin", None), ("patient@example.org", "patient", None)]
    env = {"MEDLENS_SMTP_HOST": None, "MEDLENS_PROMOTE_MARGIN": "1.0"}
    with live_server(bundle.parent, tmp, users, env) as live:
        _confirmed_cases(live)
        yield live


def _confirmed_cases(live: Live) -> None:
    """Six cases the served model scored, each with a clinician's verdict (agree or corrected)."""
    from sqlalchemy import select

    from medlens.db import User, make_engine, make_session_factory
    from medlens.web.services.storage import ImageStore

    engine = make_engine(live.env["MEDLENS_DATABASE_URL"])
    try:
        factory = make_session_factory(engine)
        with factory() as db:
            owner = db.scalar(select(User.id).where(User.email == "patient@example.org"))
        store = ImageStore(Path(live.env["MEDLENS_DATA_DIR"]) / "uploads")
        verdicts = [("benign", "benign"), ("benign", "malignant"), ("malignant", "malignant")] * 2
        add_confirmed_cases(factory, store, int(owner), verdicts)
    finally:
        engine.dispose()


def _predicted_version(base: str) -> str:
    """The model version a new upload is scored with (the patient's API)."""
    token = httpx.post(
        f"{base}/api/v1/auth/token", data={"username": "patient@example.org", "password": PASSWORD}
    ).json()["access_token"]
    r = httpx.post(
        f"{base}/api/v1/cases",
        data={"task": "melanoma", "sex": "female", "age_group": "70-79", "body_site": "back"},
        files={"file": ("p.jpg", photo_bytes(), "image/jpeg")},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    assert r.status_code == 201, r.text
    return str(r.json()["model_version"])


def _wait_for_candidate(d, base: str) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    deadline = time.time() + RETRAIN_TIMEOUT_S
    while time.time() < deadline:
        d.get(f"{base}/admin/models?lang=ko")
        if d.find_elements(By.ID, "row-melanoma-2") and not d.find_elements(
            By.ID, "retrain-running-melanoma"
        ):
            return  # registered, and the child process has exited
        failed = d.find_elements(By.ID, "retrain-failed-melanoma")
        assert not failed, failed[0].text
        time.sleep(5)
    pytest.fail(f"no candidate after {RETRAIN_TIMEOUT_S} s")


def test_retrain_compare_promote_roll_back(registry_server: Live, browser) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from selenium.webdriver.common.by import By

    base, d = registry_server.base, browser
    shipped = _predicted_version(base)
    d.delete_all_cookies()
    d.get(f"{base}/login")
    d.find_element(By.ID, "email").send_keys("admin@example.org")
    d.find_element(By.ID, "password").send_keys(PASSWORD)
    _click_and_wait(d, d.find_element(By.ID, "login-submit"))

    d.get(f"{base}/admin/models?lang=ko")
    assert "의료진 확인 사례 6건" in d.find_element(By.ID, "serving-melanoma").text
    _click_and_wait(d, d.find_element(By.ID, "retrain-melanoma"))
    _wait_for_candidate(d, base)
    row = d.find_element(By.ID, "row-melanoma-2")
    assert row.get_attribute("data-status") == "candidate" and "후보" in row.text
    assert "v1에서 확인 사례로 재학습 (데이터셋 v1)" in row.text
    assert d.find_elements(By.ID, "retrain-done-melanoma")
    _shot(d, "25-registry-candidate-ko")

    d.get(f"{base}/admin/models?lang=en")
    _click_and_wait(d, d.find_element(By.ID, "compare-melanoma-2"))
    comparison = d.find_element(By.ID, "comparison-melanoma-2").text
    assert "vs v1 on 6 test images" in comparison and "Δ Accuracy:" in comparison and "Δ AUROC:" in comparison
    assert "Not worse (margin 1.0)" in comparison
    _shot(d, "26-registry-compared-en")

    _click_and_wait(d, d.find_element(By.ID, "promote-melanoma-2"))
    d.get(f"{base}/admin/models?lang=ko")
    assert d.find_element(By.ID, "row-melanoma-2").get_attribute("data-status") == "active"
    assert d.find_element(By.ID, "row-melanoma-1").get_attribute("data-status") == "retired"
    assert "현재 사용 중: v2" in d.find_element(By.ID, "serving-melanoma").text
    promoted = _predicted_version(base)
    assert promoted == f"{shipped}+r2"  # the next prediction uses the new version: no restart
    _shot(d, "27-registry-promoted-ko")

    d.get(f"{base}/admin/models?lang=en")
    _click_and_wait(d, d.find_element(By.ID, "rollback-melanoma"))
    d.get(f"{base}/admin/models?lang=en")
    assert d.find_element(By.ID, "row-melanoma-2").get_attribute("data-status") == "rolled_back"
    assert d.find_element(By.ID, "row-melanoma-1").get_attribute("data-status") == "active"
    assert "Served now: v1" in d.find_element(By.ID, "serving-melanoma").text
    assert _predicted_version(base) == shipped
    _shot(d, "28-registry-rolled-back-en")

    d.get(f"{base}/admin/audit?lang=en")
    audit = d.find_element(By.TAG_NAME, "main").text
    for action in ("Model retraining started", "Model candidate trained", "Model candidate compared",
                   "Model version promoted", "Model version rolled back"):  # fmt: skip
        assert action in audit, action
