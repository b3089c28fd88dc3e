"""Browser walk of the follow-up of one lesion (issue 17, item 4): a patient (Korean browser) marks a site on
the body map (keyboard, then mouse), names the lesion and uploads a real HAM10000 photo; from the result
page adds a second photo of the same lesion (another HAM10000 photo of that very lesion); the result shows
both side by side with their dates, the model's probability and the ABCD features and their changes, in
Korean and in English. Real server, headless Chromium; screenshots 29-31 (reports/screenshots/ with
MEDLENS_UPDATE_SCREENSHOTS=1)."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from medlens.config import PROJECT_ROOT

from .live_server import live_server, require_chromium
from .test_care_browser import _login
from .test_e2e_browser import _click_and_wait, _shot, browser  # noqa: F401

pytestmark = pytest.mark.browser
LABEL = "왼쪽 어깨 아래 점"


def _one_lesion_two_photos(shared_data: Path) -> tuple[Path, Path]:
    """Two photos of one HAM10000 lesion on the back (the first such lesion in the metadata)."""
    root = shared_data / "ham10000_lowres"
    by_lesion: dict[str, list[dict[str, str]]] = defaultdict(list)
    with (root / "HAM10000_metadata.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            by_lesion[row["lesion_id"]].append(row)
    for rows in by_lesion.values():
        photos = [root / "images" / f"{r['image_id']}.jpg" for r in rows]
        if len(rows) == 2 and rows[0]["localization"] == "back" and all(p.exists() for p in photos):
            return photos[0], photos[1]
    pytest.skip("no HAM10000 lesion with two photos on the back in ../shared/data/ham10000_lowres")


@pytest.fixture(scope="module")
def followup_server(models_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The bundled melanoma model (the test bundle when it is absent), and one patient."""
    require_chromium()
    tmp = tmp_path_factory.mktemp("followup-e2e")
    models = tmp / "models"
    models.mkdir()
    bundled = PROJECT_ROOT / "models" / "melanoma"
    source = bundled if (bundled / "card.json").exists() else models_dir / "melanoma"
    (models / "melanoma").symlink_to(source, target_is_directory=True)
    users = [("patient@example.org", "patient", None)]
    with live_server(models, tmp, users, {"MEDLENS_SMTP_HOST": None}) as live:
        yield live.base


def _mark_site_and_upload(d, base: str, photo: Path) -> str:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    d.get(f"{base}/screen/melanoma")
    body_map = d.find_element(By.ID, "body-map")
    assert body_map.is_displayed()  # the script shows the map; without it the select alone is there
    site = d.find_element(By.ID, "lesion_site")
    # keyboard: a focused region is chosen with Enter
    chest = d.find_element(By.CSS_SELECTOR, '#body-front path[data-site="chest"]')
    chest.send_keys(Keys.ENTER)
    assert site.get_attribute("value") == "chest"
    assert d.find_element(By.ID, "lesion-new").is_selected()
    # mouse: the back on the back view
    d.find_element(By.CSS_SELECTOR, '#body-back path[data-site="back"]').click()
    assert site.get_attribute("value") == "back"
    assert d.find_element(By.ID, "body-map-chosen").text == "등"
    assert d.find_element(By.ID, "body_site").get_attribute("value") == "back"  # the coarse site follows
    pressed = d.execute_script(
        "return Array.from(document.querySelectorAll('[data-site][aria-pressed=true]'))"
        ".map(e => e.getAttribute('data-site'))"
    )
    assert set(pressed) == {"back"}
    d.find_element(By.ID, "lesion_label").send_keys(LABEL)
    d.find_element(By.ID, "file").send_keys(str(photo))
    d.execute_script("document.getElementById('lesion-fieldset').scrollIntoView()")
    _shot(d, "29-followup-bodymap-ko")
    _click_and_wait(d, d.find_element(By.ID, "screen-submit"))
    assert LABEL in d.find_element(By.ID, "followed-lesion").text
    assert d.find_elements(By.ID, "followup-first")  # the first photo: nothing to compare yet
    return d.current_url.split("?")[0]


def _add_second_photo(d, photo: Path) -> str:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    _click_and_wait(d, d.find_element(By.ID, "followup-add"))
    assert d.find_element(By.ID, "lesion-same").is_selected()  # the link says "the same lesion"
    chosen = d.find_element(By.CSS_SELECTOR, "#lesion_id option:checked").text
    assert LABEL in chosen and "등" in chosen
    d.find_element(By.ID, "file").send_keys(str(photo))
    _click_and_wait(d, d.find_element(By.ID, "screen-submit"))
    return d.current_url.split("?")[0]


def _check_table(d, first_id: str, second_id: str, pp: str) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    table = d.find_element(By.ID, "followup-table")
    heads = [h.get_attribute("id") for h in table.find_elements(By.CSS_SELECTOR, "thead th.photo")]
    assert heads == [f"followup-col-{first_id}", f"followup-col-{second_id}"]  # oldest first
    assert all(" UTC" in h.text for h in table.find_elements(By.CSS_SELECTOR, "thead th.photo"))
    loaded = d.execute_script(
        "return Array.from(document.querySelectorAll('#followup-table img')).every(i => i.naturalWidth > 0)"
    )
    assert loaded  # both thumbnails are served to their owner
    prob = table.find_element(By.ID, "followup-probability").text
    assert pp in prob and "%" in prob
    tds = table.find_element(By.ID, "followup-tds").find_elements(By.TAG_NAME, "td")
    assert len(tds) == 2 and all(c.text.strip() for c in tds)


def test_follow_up_of_one_lesion_in_the_browser(followup_server: str, browser, shared_data: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from selenium.webdriver.common.by import By

    first_photo, second_photo = _one_lesion_two_photos(shared_data)
    d, base = browser, followup_server
    _login(d, base, "patient@example.org")
    first_url = _mark_site_and_upload(d, base, first_photo)
    second_url = _add_second_photo(d, second_photo)
    first_id, second_id = first_url.rsplit("/", 1)[-1], second_url.rsplit("/", 1)[-1]
    assert first_id != second_id
    _check_table(d, first_id, second_id, "%p")
    assert "직전 사진보다" in d.find_element(By.ID, "followup-table").text
    d.execute_script("document.getElementById('followup').scrollIntoView()")
    _shot(d, "30-followup-compare-ko")
    d.get(f"{second_url}?lang=en")
    _check_table(d, first_id, second_id, " pp")
    assert "since the photo before" in d.find_element(By.ID, "followup-table").text
    assert "Follow-up of this lesion" in d.find_element(By.ID, "followup").text
    d.execute_script("document.getElementById('followup').scrollIntoView()")
    _shot(d, "31-followup-compare-en")
