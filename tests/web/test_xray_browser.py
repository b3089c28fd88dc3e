"""Browser: a chest X-ray uploaded as a 16-bit PNG and as a DICOM file gets a result with a heatmap, in
English and Korean, and no camera advice anywhere on the X-ray path (issue 16). Uses the bundled X-ray
models in models/ and real X-rays from ../shared/data; screenshots as in test_e2e_browser."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from medlens.config import PROJECT_ROOT

from .test_e2e_browser import PASSWORD, _click_and_wait, _login, _shot, browser, server  # noqa: F401

pytestmark = pytest.mark.browser
CAMERA_WORDS = ("focus", "camera", "flash", "초점", "카메라", "플래시", "blurry", "흐릿")


def _xray(shared_data: Path, folder: str) -> np.ndarray:
    files = sorted((shared_data / folder).glob("*.jp*g"))
    if not files:
        pytest.skip(f"no X-rays under {shared_data / folder}")
    with Image.open(files[3]) as im:
        return np.asarray(im.convert("L"))


def _patient(env: dict[str, str], email: str) -> None:
    cli = [str(Path(sys.executable).with_name("medlens"))]
    r = subprocess.run(
        [
            *cli,
            "admin",
            "create-user",
            "--email",
            email,
            "--password",
            PASSWORD,
            "--role",
            "patient",
            "--name",
            "X-ray patient",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def _upload(d, base: str, task: str, path: Path, lang: str) -> str:
    from selenium.webdriver.common.by import By

    d.get(f"{base}/screen/{task}?lang={lang}")
    form_text = d.find_element(By.TAG_NAME, "main").text.lower()
    assert not any(w in form_text for w in CAMERA_WORDS), form_text
    d.find_element(By.ID, "file").send_keys(str(path))
    _click_and_wait(d, d.find_element(By.ID, "screen-submit"))
    assert "/cases/" in d.current_url, d.find_element(By.TAG_NAME, "main").text[:800]
    heat = d.find_element(By.CSS_SELECTOR, "img[src$='/heatmap']")
    assert heat.get_property("naturalWidth") >= 224
    text = d.find_element(By.TAG_NAME, "main").text
    assert not any(w in text.lower() for w in CAMERA_WORDS), text
    return text


def test_xray_png16_and_dicom_in_the_browser(server, browser, shared_data: Path, tmp_path: Path):  # noqa: F811
    for task in ("chest-xray", "chest-xray-covid"):
        if not (PROJECT_ROOT / "models" / task / "card.json").exists():
            pytest.skip(f"models/{task} is not bundled")
    base, env = server
    d = browser
    d.get(f"{base}/")
    d.delete_all_cookies()
    _patient(env, "xray-patient@example.org")
    _login(d, base, "xray-patient@example.org")

    # a pediatric film as a 16-bit PNG to the pneumonia model, English UI
    png = tmp_path / "chest16.png"
    Image.fromarray(_xray(shared_data, "chest_xray_kermany224/test/PNEUMONIA").astype(np.uint16) * 257).save(
        png
    )
    with Image.open(png) as im:
        assert im.mode.startswith("I")  # really a 16-bit file
    text = _upload(d, base, "chest-xray", png, "en")
    assert "not a diagnosis" in text.lower() and "X-ray image check passed" in text
    _shot(d, "11-xray-png16-en")

    # an adult film as a 12-bit MONOCHROME1 DICOM with patient fields to the COVID-19 model, Korean UI
    from .test_dicom_xray import NAME, _dicom

    dcm = tmp_path / "study.dcm"
    _dicom(_xray(shared_data, "covid_radiography224/COVID"), dcm)
    text = _upload(d, base, "chest-xray-covid", dcm, "ko")
    assert "2020-03-15" in text and "PA" in text and "진단이 아닙니다" in text
    assert "HONG" not in d.page_source and NAME not in d.page_source
    _shot(d, "12-xray-dicom-ko")
