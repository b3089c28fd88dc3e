"""Admin page "Subgroup performance": read from the served cards, ko/en, CIs, flagged gap; admins only."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from medlens.config import Settings

from .test_pages import check_page, login


def _block() -> dict:
    """metrics.subgroups as ``medlens subgroups --card`` writes it, on rows with a planted sex gap."""
    from medlens.evaluation.subgroup_report import card_block, model_largest_gap
    from medlens.evaluation.subgroups import subgroup_metrics

    rng = np.random.default_rng(11)
    n = 500
    y = (rng.random(n) < 0.4).astype(int)
    sex = rng.choice(["female", "male"], n).astype(object)
    site = rng.choice(["back", "lower extremity", "ear"], n, p=[0.5, 0.46, 0.04]).astype(object)
    called = np.where(y == 1, rng.random(n) < np.where(sex == "female", 0.95, 0.55), rng.random(n) < 0.2)
    s = np.where(called, 0.8, 0.2)
    p = np.stack([1 - s, s], axis=1)
    attrs = {
        name: subgroup_metrics(y, p, g, ["benign", "malignant"], "malignant", 0.5, n_boot=100)
        for name, g in (("sex", sex), ("site", site))
    }
    result = {
        "test_set": "card", "data": "planted toy rows", "role": "cross-source", "n": n,
        "n_target": int(y.sum()), "target": "malignant", "threshold": 0.5, "min_n": 30, "min_class": 10,
        "n_boot": 100, "attributes": attrs, "largest_gap": model_largest_gap(attrs),
    }  # fmt: skip
    return card_block(
        result, "reports/subgroups-toy/report.md", "medlens subgroups --model models/melanoma --card"
    )


@pytest.fixture
def subgroup_client(settings: Settings, models_dir: Path, tmp_path: Path) -> Iterator:
    """The app with the test bundles; the melanoma bundle's card carries metrics.subgroups."""
    from fastapi.testclient import TestClient

    from medlens.evaluation.subgroup_report import write_card_block
    from medlens.web.app import create_app

    from .conftest import _wipe

    root = tmp_path / "models"
    root.mkdir()
    for sub in models_dir.iterdir():
        if sub.name == "melanoma":
            shutil.copytree(sub, root / sub.name)
        else:
            (root / sub.name).symlink_to(sub, target_is_directory=True)
    write_card_block(root / "melanoma", _block())
    _wipe(settings.database_url)
    app = create_app(settings.model_copy(update={"models_dir": root}))
    with TestClient(app, headers={"Accept-Language": "en"}) as c:
        yield c


def _account(client, role: str):  # type: ignore[no-untyped-def]
    from medlens.web.services.users import create_user

    from .conftest import PASSWORD

    email = f"{role}-sub@example.org"
    with client.app.state.medlens.session_factory() as db:
        create_user(db, email, PASSWORD, role.title(), role)
    return email


def test_admin_page_shows_subgroup_tables_with_ci_and_flagged_gap(subgroup_client):
    login(subgroup_client, _account(subgroup_client, "admin"))
    page = subgroup_client.get("/admin")
    assert page.status_code == 200
    check_page(page.text)
    html = page.text
    section = html[html.index('id="subgroups"') :]
    assert "Subgroup performance" in section
    assert 'id="subgroups-melanoma-webtest"' in section
    assert "cross-source" in section and "planted toy rows" in section
    # the planted gap: sensitivity, female vs male, flagged and its interval excludes 0
    assert "Largest gap:</strong>" in section
    assert "Sex, Sensitivity (target class): Female vs Male" in section
    assert "the interval excludes 0" in section and "← flagged" in section
    # a value with its interval, a body site translated, a too-small group, the re-run command
    assert '<table class="list subgroup-table" data-attribute="sex">' in section
    assert re.search(r"0\.\d{3} <span class=\"hint\">\[0\.\d{3}, [01]\.\d{3}\]</span>", section)
    assert "Leg" in section and "too few" in section
    assert "medlens subgroups --model models/melanoma --card" in section
    # the other served models have no entry yet, listed after the measured one
    assert "chest-xray-webtest" in section and "Not measured yet" in section
    assert section.index("melanoma-webtest") < section.index("chest-xray-webtest")


def test_admin_page_subgroups_in_korean(subgroup_client):
    login(subgroup_client, _account(subgroup_client, "admin"))
    page = subgroup_client.get("/admin", headers={"Accept-Language": "ko"})
    assert page.status_code == 200
    section = page.text[page.text.index('id="subgroups"') :]
    assert "하위집단별 성능" in section and "가장 큰 격차" in section
    assert "민감도 (대상 클래스)" in section and "여성" in section and "다리" in section
    assert "교차 출처" in section and "표본 부족" in section


@pytest.mark.parametrize("role", ["patient", "clinician"])
def test_non_admin_gets_403(subgroup_client, role):
    login(subgroup_client, _account(subgroup_client, role))
    r = subgroup_client.get("/admin", follow_redirects=False)
    assert r.status_code == 403
    assert "Subgroup performance" not in r.text and "planted toy rows" not in r.text


def test_anonymous_is_sent_to_login(subgroup_client):
    r = subgroup_client.get("/admin", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
