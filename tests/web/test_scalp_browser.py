"""Browser walk of the scalp self-check (issue 15): upload -> six grades, scalp type with severity, care
advice, own-group statistics chart, matched care products, and the clinic map (tiles disabled: markers
and list work offline, text search, "use my location" that stays in the browser), in Korean and English.

This is a PIPELINE PROOF: no real graded scalp data exists here, so the scalp grading bundle is trained
inside the test on synthetic textures whose grades are known by construction
(``medlens.scalp.synthetic``), tiny and for two epochs, exactly as ``test_toy_task`` does through the
CLI. Its grades mean nothing about real scalps; the test checks the plumbing and the pages. Real server
(uvicorn subprocess), headless Chromium; screenshots as in ``test_e2e_browser``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

from .conftest import PASSWORD
from .live_server import live_server, require_chromium  # noqa: F401
from .test_e2e_browser import _click_and_wait, _shot, browser  # noqa: F401

pytestmark = pytest.mark.browser
GROUP = {"sex": "female", "age_group": "40-59"}
GANGNEUNG = (37.7519, 128.8761)  # the sample list's 강릉 clinic


@pytest.fixture(scope="module")
def scalp_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny scalp grading bundle trained and exported through the CLI on synthetic graded textures."""
    from typer.testing import CliRunner

    from medlens.cli.main import app
    from medlens.scalp.synthetic import write_dataset

    tmp = tmp_path_factory.mktemp("scalp-bundle")
    data = write_dataset(tmp / "data", n=64, seed=0, size=96)
    run = tmp / "run"
    runner = CliRunner()
    args = [
        "train",
        "--task",
        "scalp",
        "--dataset",
        "aihub-scalp",
        "--data-root",
        str(data),
        "--out",
        str(run),
    ]
    args += ["--backbone", "mobilenetv3_small_050", "--input-size", "32", "--pretrained", "none"]
    args += ["--epochs", "2", "--batch-size", "16", "--n-boot", "50", "--cache-dir", "", "--no-progress"]
    args += ["--threads", "1"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output + repr(result.exception)
    bundle = tmp / "models" / "scalp"
    result = runner.invoke(app, ["export", str(run), "--out", str(bundle), "--latency-runs", "5"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return bundle.parent


def _scalp_photo(path: Path, grades: tuple[int, ...], seed: int) -> Path:
    from medlens.scalp.synthetic import scalp_image

    Image.fromarray(scalp_image(grades, np.random.default_rng(seed), size=320)).save(path, quality=92)
    return path


@pytest.fixture(scope="module")
def sserver(scalp_models: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("scalp-e2e")
    users = [("scalp@example.org", "patient", None), ("admin@example.org", "admin", None)]
    tiles = {"MEDLENS_MAP_TILE_URL": ""}  # tiles disabled: the map must work offline
    with live_server(scalp_models, tmp, users, tiles, start_timeout=300) as live:
        _group_cases(live.base, tmp)
        yield live.base


def _group_cases(base: str, tmp: Path) -> None:
    """Ten earlier cases of the same sex and age group (the own-group chart needs at least ten)."""
    token = httpx.post(
        f"{base}/api/v1/auth/token", data={"username": "scalp@example.org", "password": PASSWORD}
    ).json()["access_token"]
    rng = np.random.default_rng(1)
    for i in range(10):
        photo = _scalp_photo(tmp / f"group{i}.jpg", tuple(int(g) for g in rng.integers(0, 4, 6)), 100 + i)
        r = httpx.post(
            f"{base}/api/v1/cases",
            data={"task": "scalp", "body_site": "scalp", "symptom_onset": "months", **GROUP},
            files={"file": (photo.name, photo.read_bytes(), "image/jpeg")},
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
        assert r.status_code == 201, r.text


def _login(d, base: str, email: str) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    d.get(f"{base}/")
    d.delete_all_cookies()
    d.get(f"{base}/login")
    d.find_element(By.ID, "email").send_keys(email)
    d.find_element(By.ID, "password").send_keys(PASSWORD)
    _click_and_wait(d, d.find_element(By.ID, "login-submit"))


def _visible_clinics(d) -> list[str]:  # type: ignore[no-untyped-def]
    return d.execute_script(
        "return Array.from(document.querySelectorAll('#clinic-list li.clinic'))"
        ".filter(li => !li.hidden).map(li => li.querySelector('strong').textContent)"
    )


def test_admin_lists_care_products(sserver: str, browser) -> None:  # noqa: F811
    from selenium.webdriver.common.by import By

    d = browser
    _login(d, sserver, "admin@example.org")
    d.get(f"{sserver}/admin/products?lang=en")
    _click_and_wait(d, d.find_element(By.ID, "add-samples"))
    d.find_element(By.ID, "p-name").send_keys("Wide-tooth comb")
    d.find_element(By.ID, "p-brand").send_keys("Example Tools")
    d.find_element(By.ID, "p-url").send_keys("https://example.org/comb")
    for box in d.find_elements(By.CSS_SELECTOR, "input[name='tags']"):
        box.click()  # every type
    _click_and_wait(d, d.find_element(By.ID, "product-submit"))
    rows = d.find_elements(By.CSS_SELECTOR, "#product-table tbody tr")
    assert len(rows) >= 6 and "Wide-tooth comb" in d.find_element(By.ID, "product-table").text
    _shot(d, "17-admin-products-en")


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_scalp_result_walk(sserver: str, browser, tmp_path: Path, lang: str) -> None:  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    d = browser
    _login(d, sserver, "scalp@example.org")
    d.get(f"{sserver}/screen/scalp?lang={lang}")
    Select(d.find_element(By.ID, "sex")).select_by_value(GROUP["sex"])
    Select(d.find_element(By.ID, "age_group")).select_by_value(GROUP["age_group"])
    Select(d.find_element(By.ID, "symptom_onset")).select_by_value("months")
    d.find_element(By.ID, "file").send_keys(str(_scalp_photo(tmp_path / "scalp.jpg", (1, 0, 1, 0, 2, 3), 7)))
    _click_and_wait(d, d.find_element(By.ID, "screen-submit"))
    assert "/cases/" in d.current_url, d.find_element(By.TAG_NAME, "main").text[:800]

    heads = d.find_elements(By.CSS_SELECTOR, "h4.head-result")
    assert len(heads) == 6  # six symptoms, each with its grade
    grades = ("양호", "경증", "중등도", "중증") if lang == "ko" else ("Good", "Mild", "Moderate", "Severe")
    assert all(any(g in h.text for g in grades) for h in heads)
    scalp_type = d.find_element(By.ID, "scalp-type")
    headline = scalp_type.find_element(By.CSS_SELECTOR, ".derived-headline").text
    assert ("두피" in headline) if lang == "ko" else ("scalp" in headline.lower())
    assert ("관리" if lang == "ko" else "Care") in scalp_type.text  # care advice for the type
    own = d.find_element(By.ID, "own-group")
    assert len(own.find_elements(By.CSS_SELECTOR, "svg.chart")) == 6  # one chart per symptom
    n = re.search(r"(\d+)", own.find_element(By.CSS_SELECTOR, ".hint").text)
    assert n and int(n.group(1)) >= 11  # rests on the ten earlier cases and this one
    products = d.find_element(By.ID, "care-products")
    links = products.find_elements(By.CSS_SELECTOR, "a[href^='https://example.org/']")
    assert links and any("Wide-tooth comb" in a.text for a in links)
    assert all(a.get_attribute("rel") == "noopener noreferrer nofollow" for a in links)
    assert ("치료가 아니며" if lang == "ko" else "not treatment") in products.text
    assert ("진단이 아닙니다" if lang == "ko" else "not a diagnosis") in d.page_source.lower()
    _shot(d, f"{13 if lang == 'ko' else 14}-scalp-result-{lang}")

    # the care page after the result: the clinic map of the right department, tiles off
    _click_and_wait(d, d.find_element(By.ID, "clinic-map-link"))
    assert "department=hair" in d.current_url
    if lang == "en":
        d.get(f"{sserver}/care?lang=en")  # the whole directory: clustered markers across the country
    _check_map(d, lang)


def _check_map(d, lang: str) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(d, 20)
    wait.until(lambda drv: drv.find_elements(By.CSS_SELECTOR, "#clinic-map .leaflet-marker-icon"))
    assert not d.find_elements(By.CSS_SELECTOR, ".leaflet-tile")  # no tiles, no tile requests
    assert d.find_element(By.ID, "no-tiles").is_displayed()
    assert ("샘플" if lang == "ko" else "SAMPLE") in d.find_element(By.ID, "clinics-sample").text.upper()
    everything = _visible_clinics(d)
    assert len(everything) >= 3 and all("(SAMPLE)" in n for n in everything)

    # search by district: list and markers follow as one types
    region = d.find_element(By.ID, "region")
    region.send_keys("제주")
    wait.until(lambda drv: len(_visible_clinics(drv)) < len(everything))
    found = _visible_clinics(d)
    assert found and any("제주" in n for n in found)  # matched by name or address (서귀포 is in 제주)
    assert d.find_element(By.ID, "clinic-map").get_attribute("data-markers") == str(len(found))
    region.clear()
    region.send_keys(" ")  # an input event with an empty query shows everything again
    wait.until(lambda drv: len(_visible_clinics(drv)) == len(everything))

    # "use my location": the browser's position sorts the list; no request carries it
    d.execute_cdp_cmd(
        "Browser.grantPermissions",
        {"origin": d.current_url.split("/care")[0], "permissions": ["geolocation"]},
    )
    lat, lon = GANGNEUNG
    d.execute_cdp_cmd("Emulation.setGeolocationOverride", {"latitude": lat, "longitude": lon, "accuracy": 50})
    url = d.current_url
    d.find_element(By.ID, "use-location").click()
    wait.until(lambda drv: drv.find_element(By.ID, "location-status").text)
    nearest = d.find_element(By.CSS_SELECTOR, "#clinic-list li.clinic")
    assert d.current_url == url
    sent = d.execute_script("return performance.getEntriesByType('resource').map(e => e.name).join(' ')")
    assert str(lat) not in sent and "lat=" not in sent
    _shot(d, f"{15 if lang == 'ko' else 16}-clinic-map-{lang}")
    assert " km" in nearest.text
    if "department=hair" not in url:  # the whole sample list: 강릉 itself is nearest
        assert "강릉" in nearest.text
    else:  # hair clinics only: the nearest of those (안동, about 120 km)
        assert "안동" in nearest.text
