"""Browser end-to-end: real server (uvicorn subprocess on a loopback port) driven by headless Chromium.

A patient signs up, uploads a real photo, reads the result and sends it; a clinician logs in and answers;
the patient reads the answer and downloads the PDF report. Screenshots go to .pytest-artifacts/screenshots/
(reports/screenshots/ with MEDLENS_UPDATE_SCREENSHOTS=1).
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from medlens.config import PROJECT_ROOT

from .live_server import CHROMEDRIVER, CHROMIUM, live_server, require_chromium

pytestmark = pytest.mark.browser

# Screenshots land in a scratch folder so a test run leaves the working tree clean; set
# MEDLENS_UPDATE_SCREENSHOTS=1 to refresh the committed ones in reports/screenshots/.
SHOTS = (
    PROJECT_ROOT / "reports" / "screenshots"
    if os.environ.get("MEDLENS_UPDATE_SCREENSHOTS") == "1"
    else Path(os.environ.get("MEDLENS_SCREENSHOT_DIR", PROJECT_ROOT / ".pytest-artifacts" / "screenshots"))
)
PASSWORD = "correct-horse-9"


def _with_risk_model(models_dir: Path, tmp: Path) -> Path:
    """The test image bundles plus the committed COVID-19 risk model (symlinks)."""
    root = tmp / "models"
    root.mkdir()
    for sub in models_dir.iterdir():
        (root / sub.name).symlink_to(sub, target_is_directory=True)
    risk = PROJECT_ROOT / "models" / "covid-death"
    if (risk / "card.json").exists():
        (root / "covid-death").symlink_to(risk, target_is_directory=True)
    return root


@pytest.fixture(scope="module")
def server(
    models_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, str]]]:
    require_chromium()
    bundled = PROJECT_ROOT / "models"
    tmp = tmp_path_factory.mktemp("e2e")
    models = bundled if (bundled / "melanoma" / "card.json").exists() else _with_risk_model(models_dir, tmp)
    users = [("doctor@example.org", "clinician", "Dr. Han"), ("admin@example.org", "admin", "Admin")]
    with live_server(models, tmp, users, start_timeout=90) as live:
        yield live.base, live.env


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path_factory.mktemp("downloads")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1200,1400",
        f"--user-data-dir={tmp_path_factory.mktemp('chrome-profile')}",
        "--lang=ko-KR",
    ):
        opts.add_argument(arg)
    opts.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "intl.accept_languages": "ko-KR,ko",
        },
    )
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.downloads = downloads  # type: ignore[attr-defined]
    yield driver
    driver.quit()


def _shot(driver, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1200, min(max(height + 40, 900), 2600))
    from PIL import Image

    path = SHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    with Image.open(path) as im:  # palette PNG: a fraction of the size, still sharp for text
        small = im.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


def _click_and_wait(driver, element) -> None:
    """Click something that navigates and wait until the new page has replaced the old one.

    The old page is marked with a window property; a navigation gives the new document a new
    window object, so the mark disappears. This avoids ``staleness_of``, which races with
    Chromium tearing the old document down ("Node with given id does not belong to the
    document"). Transient driver errors while the page is swapping are retried.
    """
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    driver.execute_script("window.__medlensOldPage = true;")
    element.click()
    wait = WebDriverWait(driver, 60, ignored_exceptions=(WebDriverException,))
    wait.until(lambda d: d.execute_script("return window.__medlensOldPage === undefined"))
    wait.until(lambda d: d.execute_script("return document.readyState") == "complete")


def _login(driver, base: str, email: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{base}/login")
    driver.find_element(By.ID, "email").send_keys(email)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    _click_and_wait(driver, driver.find_element(By.ID, "login-submit"))


def _logout(driver) -> None:
    from selenium.webdriver.common.by import By

    _click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "form[action='/logout'] button"))


def test_patient_clinician_round_trip(server, browser, shared_data: Path):
    from pypdf import PdfReader
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    base, _ = server
    photo = sorted((shared_data / "melanoma_10000" / "train" / "malignant").glob("*.jpg"))[0]
    d = browser

    # patient: sign up (Korean UI from Accept-Language), pick the screening, upload
    d.get(f"{base}/")
    assert d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ko"
    _shot(d, "01-home-ko")
    d.get(f"{base}/signup")
    d.find_element(By.ID, "name").send_keys("김영희")
    d.find_element(By.ID, "email").send_keys("grandma@example.org")
    d.find_element(By.ID, "password").send_keys(PASSWORD)
    d.find_element(By.ID, "consent").click()  # the privacy notice is accepted at sign-up
    _click_and_wait(d, d.find_element(By.ID, "signup-submit"))
    # sign-up answers the same for new and registered addresses (no enumeration): log in next
    assert d.find_element(By.ID, "signup-notice").text
    d.find_element(By.ID, "email").send_keys("grandma@example.org")
    d.find_element(By.ID, "password").send_keys(PASSWORD)
    _click_and_wait(d, d.find_element(By.ID, "login-submit"))
    _click_and_wait(d, d.find_element(By.ID, "task-melanoma"))
    Select(d.find_element(By.ID, "sex")).select_by_value("female")
    Select(d.find_element(By.ID, "age_group")).select_by_value("70-79")
    Select(d.find_element(By.ID, "body_site")).select_by_value("back")
    Select(d.find_element(By.ID, "symptom_onset")).select_by_value("months")
    d.find_element(By.ID, "file").send_keys(str(photo))
    _shot(d, "02-upload-form-ko")
    _click_and_wait(d, d.find_element(By.ID, "screen-submit"))
    assert "/cases/" in d.current_url, d.find_element(By.TAG_NAME, "main").text[:500]
    assert "진단이 아닙니다" in d.page_source
    assert d.find_elements(By.CSS_SELECTOR, "svg.chart")
    assert d.find_elements(By.ID, "abcd-h")  # ABCD panel: computed after the upload, shown on the page
    assert d.find_element(By.CSS_SELECTOR, "img[src$='/heatmap']").get_property("naturalWidth") > 0
    _shot(d, "03-result-ko")
    case_url = d.current_url.split("?")[0]
    _click_and_wait(d, d.find_element(By.ID, "send-to-clinician"))
    assert "의료진 대기 중" in d.find_element(By.ID, "status").text
    _logout(d)

    # clinician (English UI): queue, review, answer
    _login(d, base, "doctor@example.org")
    d.get(f"{base}/clinic?lang=en")
    _shot(d, "04-clinician-queue-en")
    _click_and_wait(d, d.find_element(By.CSS_SELECTOR, "a[id^='review-']"))
    d.find_element(By.ID, "body").send_keys(
        "The photo shows an irregular border. Please visit a dermatologist this week."
    )
    # nothing is preselected: the verdict must be chosen (the model's own label is "agree")
    Select(d.find_element(By.ID, "feedback_label")).select_by_value("agree")
    _shot(d, "05-clinician-review-en")
    _click_and_wait(d, d.find_element(By.ID, "reply-submit"))
    assert "Answer sent" in d.page_source
    _logout(d)

    # patient reads the answer (large type, Korean) and downloads the PDF
    _login(d, base, "grandma@example.org")
    d.get(f"{case_url}?lang=ko&large=1")
    assert "irregular border" in d.page_source and "답변 완료" in d.find_element(By.ID, "status").text
    _shot(d, "06-patient-answer-large-ko")
    d.get(f"{base}/cases")
    _shot(d, "07-history-ko")
    d.get(case_url)
    d.find_element(By.ID, "download-pdf").click()
    deadline = time.time() + 30
    pdfs: list[Path] = []
    while time.time() < deadline and not pdfs:
        pdfs = [p for p in Path(d.downloads).glob("*.pdf")]
        time.sleep(0.3)
    assert pdfs, "PDF was not downloaded"
    time.sleep(0.5)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdfs[0].read_bytes())).pages)
    assert "irregular border" in text and "진단이 아닙니다" in text


# the statistics show the round trip's case, uploaded from a real photo: without the data both skip
@pytest.mark.usefixtures("shared_data")
def test_admin_dashboard_and_care_pages(server, browser):
    """Runs after the round trip: the admin sees the case in the statistics; clinic search works."""
    from selenium.webdriver.common.by import By

    base, _ = server
    d = browser
    d.get(f"{base}/")
    d.delete_all_cookies()  # start a fresh session
    _login(d, base, "admin@example.org")
    d.get(f"{base}/admin?lang=en&large=0")
    assert len(d.find_elements(By.CSS_SELECTOR, "svg.chart")) >= 6
    _shot(d, "08-admin-stats-en")
    d.get(f"{base}/care?region=강원&lang=ko")
    assert "SAMPLE" in d.page_source and "춘천" in d.page_source
    _shot(d, "09-care-ko")


def test_risk_calculator_page(server, browser):
    """Anonymous visitor, Korean UI: fill the COVID-19 risk form with the keyboard-reachable radios, read the result."""
    from selenium.webdriver.common.by import By

    base, _ = server
    d = browser
    d.get(f"{base}/")
    d.delete_all_cookies()
    d.get(f"{base}/risk?lang=ko&large=0")
    if not d.find_elements(By.ID, "risk-form"):
        pytest.skip("models/covid-death is not installed")
    d.find_element(By.ID, "f-AGE").send_keys("72")
    for element_id in ("f-SEX-male", "f-PNEUMONIA-yes", "f-DIABETES-yes", "f-HIPERTENSION-yes"):
        d.find_element(By.CSS_SELECTOR, f"label[for='{element_id}']").click()
    _click_and_wait(d, d.find_element(By.ID, "risk-submit"))
    assert d.find_element(By.ID, "risk-probability").text.endswith("%")
    assert d.find_elements(By.CSS_SELECTOR, "#risk-result svg.chart")
    assert "진단이 아닙니다" in d.page_source and "멕시코" in d.page_source
    _shot(d, "10-risk-ko")
