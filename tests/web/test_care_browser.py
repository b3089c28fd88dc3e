"""Browser end-to-end of the care loop (issue 17): a patient (Korean browser) uploads a photo the model
cannot decide on (its conformal set holds both classes), sends it with a note; a clinician reads the note,
zooms the image and heatmap side by side, inserts a reply template, cannot send without a verdict, then
sends one; the patient sees the notice in the header and on the notices page. Real server (uvicorn
subprocess), headless Chromium; screenshots as in test_e2e_browser (reports/screenshots/ with
MEDLENS_UPDATE_SCREENSHOTS=1)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import PASSWORD, photo_bytes
from .live_server import live_server, require_chromium
from .test_care_loop import ALWAYS_BOTH
from .test_e2e_browser import _click_and_wait, _shot, browser  # noqa: F401

pytestmark = pytest.mark.browser
NOTE = "5월부터 있던 점이 커졌어요 <b>가려움</b>"


@pytest.fixture(scope="module")
def care_server(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    tmp = tmp_path_factory.mktemp("care-e2e")
    models = tmp / "models"
    shutil.copytree(models_dir / "melanoma", models / "melanoma")
    card_path = models / "melanoma" / "card.json"
    card = json.loads(card_path.read_text())
    card["conformal"] = ALWAYS_BOTH  # every set keeps both classes: the model abstains and refers
    card_path.write_text(json.dumps(card))
    users = [("patient@example.org", "patient", None), ("doctor@example.org", "clinician", None)]
    with live_server(models, tmp, users, {"MEDLENS_SMTP_HOST": None}) as live:
        yield live.base


def _login(d, base: str, email: str) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    d.delete_all_cookies()
    d.get(f"{base}/login")
    d.find_element(By.ID, "email").send_keys(email)
    d.find_element(By.ID, "password").send_keys(PASSWORD)
    _click_and_wait(d, d.find_element(By.ID, "login-submit"))


def _patient_sends_with_note(d, base: str, photo: Path) -> str:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    _login(d, base, "patient@example.org")
    d.get(f"{base}/screen/melanoma")
    d.find_element(By.ID, "file").send_keys(str(photo))
    _click_and_wait(d, d.find_element(By.ID, "screen-submit"))
    case_url = d.current_url.split("?")[0]
    shown_set = d.find_element(By.ID, "prediction-set").text
    assert "양성" in shown_set and "악성" in shown_set, shown_set  # both classes: the model cannot tell
    assert "판정 보류" in d.find_element(By.ID, "result-message").text
    d.find_element(By.ID, "note").send_keys(NOTE)
    _shot(d, "20-care-result-set-ko")
    _click_and_wait(d, d.find_element(By.ID, "send-to-clinician"))
    assert d.find_element(By.ID, "patient-note").text == NOTE  # shown as text, never as markup
    return case_url


def _clinician_reviews(d, base: str, case_id: str) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    _login(d, base, "doctor@example.org")
    d.get(f"{base}/clinic?lang=en")
    _click_and_wait(d, d.find_element(By.ID, f"review-{case_id}"))
    assert d.find_element(By.ID, "review-note").text == NOTE
    # zoom: a click zooms both panes together, the keyboard zooms further
    frame = d.find_element(By.ID, "frame-image")
    frame.click()
    assert d.find_element(By.ID, "zoom-level").text == "150 %"
    frame.send_keys("+")
    assert d.find_element(By.ID, "zoom-level").text == "225 %"
    transforms = d.execute_script(
        "return Array.from(document.querySelectorAll('.zoom-frame img')).map(i => i.style.transform)"
    )
    assert len(transforms) == 2 and transforms[0] == transforms[1] and "scale(2.25)" in transforms[0]
    frame.send_keys(Keys.ARROW_LEFT)
    d.execute_script("window.scrollTo(0, 0)")
    _shot(d, "21-clinician-review-zoom-en")
    # a template goes into the answer box, to edit
    Select(d.find_element(By.ID, "reply-template")).select_by_value("mole_dermatologist")
    body = d.find_element(By.ID, "body")
    assert body.get_attribute("value").startswith("I have looked at your photo.")
    body.send_keys(" Please bring this page.")
    # no verdict: the browser refuses to send; without the browser's check the server refuses too
    url = d.current_url
    d.find_element(By.ID, "reply-submit").click()
    assert d.current_url == url
    assert d.execute_script("return document.getElementById('feedback_label').validity.valueMissing")
    d.execute_script("document.getElementById('feedback_label').removeAttribute('required')")
    _click_and_wait(d, d.find_element(By.ID, "reply-submit"))
    assert "Choose an assessment" in d.find_element(By.ID, "form-error").text
    assert "Please bring this page." in d.find_element(By.ID, "body").get_attribute("value")
    d.execute_script("document.getElementById('earlier').scrollIntoView()")
    _shot(d, "22-clinician-verdict-required-en")
    Select(d.find_element(By.ID, "feedback_label")).select_by_value("cannot_assess")
    _click_and_wait(d, d.find_element(By.ID, "reply-submit"))
    assert "/clinic" in d.current_url and "replied=1" in d.current_url


def test_care_loop_in_the_browser(care_server: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from selenium.webdriver.common.by import By

    d, base = browser, care_server
    photo = tmp_path / "mole.jpg"
    photo.write_bytes(photo_bytes("JPEG", (320, 240)))
    case_url = _patient_sends_with_note(d, base, photo)
    case_id = case_url.rstrip("/").rsplit("/", 1)[-1]
    _clinician_reviews(d, base, case_id)
    # the patient sees the notice: a badge in the header, the notices page, then the answer
    _login(d, base, "patient@example.org")
    assert d.find_element(By.ID, "notice-badge").text == "1"
    _click_and_wait(d, d.find_element(By.ID, "nav-notices"))
    item = d.find_element(By.CSS_SELECTOR, ".notice-item.unread")
    assert f"사례 #{case_id}에 답변했습니다" in item.text
    _shot(d, "23-care-notice-ko")
    d.get(f"{base}/notices?lang=en")
    assert "A clinician answered your case" in d.find_element(By.ID, "notice-list").text
    _shot(d, "24-care-notice-en")
    _click_and_wait(d, d.find_element(By.CSS_SELECTOR, "button[id^='open-']"))
    assert d.current_url.split("?")[0] == case_url
    assert "Please bring this page." in d.find_element(By.CSS_SELECTOR, "blockquote.reply").text
    assert not d.find_elements(By.ID, "notice-badge")  # read
