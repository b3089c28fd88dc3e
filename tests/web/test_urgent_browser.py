"""Browser end-to-end of the 72-hour window: a patient (Korean browser) screens a herpes-zoster photo
whose rash began 20 h ago and sees the urgent banner; a clinician sees it first in the queue with the
hours left. Real server (uvicorn subprocess), headless Chromium; screenshots as in test_e2e_browser."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import PASSWORD, photo_bytes
from .live_server import live_server, require_chromium  # noqa: F401
from .test_e2e_browser import _click_and_wait, _shot, browser  # noqa: F401
from .test_urgent_window import zoster_models  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def zserver(zoster_models: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:  # noqa: F811
    tmp = tmp_path_factory.mktemp("zoster-e2e")
    users = [("patient@example.org", "patient", None), ("doctor@example.org", "clinician", None)]
    with live_server(zoster_models, tmp, users, start_timeout=90) as live:
        yield live.base


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
