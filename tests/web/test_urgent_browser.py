"""Browser end-to-end of the 72-hour window: a patient (Korean browser) screens a herpes-zoster photo
whose rash began 20 h ago and sees the urgent banner; a clinician sees it first in the queue with the
hours left. Real server (uvicorn subprocess), headless Chromium; screenshots as in test_e2e_browser."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from .conftest import PASSWORD, photo_bytes
from .test_e2e_browser import CHROMEDRIVER, CHROMIUM, _click_and_wait, _free_port, _shot, browser  # noqa: F401
from .test_urgent_window import zoster_models  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def zserver(zoster_models: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:  # noqa: F811
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip("headless Chromium not installed (apt-get install -y chromium chromium-driver)")
    tmp = tmp_path_factory.mktemp("zoster-e2e")
    env = {
        **os.environ,
        "MEDLENS_DATABASE_URL": f"sqlite:///{tmp}/e2e.db",
        "MEDLENS_DATA_DIR": str(tmp / "var"),
        "MEDLENS_SECRET_KEY": secrets.token_urlsafe(48),
        "MEDLENS_DEFAULT_LANGUAGE": "ko",
    }
    cli = [str(Path(sys.executable).with_name("medlens"))]
    port = _free_port()
    proc = subprocess.Popen(
        [*cli, "serve", "--host", "127.0.0.1", "--port", str(port), "--models-dir", str(zoster_models)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                if httpx.get(f"{base}/api/v1/tasks", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
            if proc.poll() is not None:
                pytest.fail(f"server exited: {proc.stdout.read().decode()[-2000:]}")  # type: ignore[union-attr]
        else:
            pytest.fail("server did not start in 90 s")
        for email, role in (("patient@example.org", "patient"), ("doctor@example.org", "clinician")):
            r = subprocess.run(
                [*cli, "admin", "create-user", "--email", email, "--password", PASSWORD, "--role", role],
                env=env,
                capture_output=True,
                text=True,
            )
            assert r.returncode == 0, r.stdout + r.stderr
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _login(d, base: str, email: str) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    d.get(f"{base}/login")
    d.find_element(By.ID, "email").send_keys(email)
    d.find_element(By.ID, "password").send_keys(PASSWORD)
    _click_and_wait(d, d.find_element(By.ID, "login-submit"))


def test_urgent_zoster_banner_and_queue(zserver: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from selenium.webdriver.common.by import By

    d, base = browser, zserver
    photo = tmp_path / "rash.jpg"
    photo.write_bytes(photo_bytes("JPEG", (320, 240)))
    _login(d, base, "patient@example.org")
    d.get(f"{base}/screen/herpes-zoster")
    d.find_element(By.ID, "onset_hours").send_keys("20")
    d.find_element(By.ID, "file").send_keys(str(photo))
    _click_and_wait(d, d.find_element(By.ID, "screen-submit"))
    banner = d.find_element(By.ID, "urgent-banner")
    assert "72시간" in banner.text and "52시간" in banner.text, banner.text
    _shot(d, "zoster-urgent-result-ko")
    _click_and_wait(d, d.find_element(By.ID, "send-to-clinician"))
    d.delete_all_cookies()
    _login(d, base, "doctor@example.org")
    d.get(f"{base}/clinic?lang=en")
    badge = d.find_element(By.CSS_SELECTOR, "span.urgent")
    assert "URGENT" in badge.text and "h left" in badge.text, badge.text
    _shot(d, "zoster-urgent-queue-en")
