"""Own-group statistics: grade distributions of the patient's sex and age group, hidden below a minimum."""

from __future__ import annotations

import pytest

from medlens.tasks import get_task
from medlens.web.services import group_stats

from .conftest import photo_bytes, upload
from .test_pages import check_page, login


def test_hidden_below_the_minimum_then_shown(client, make_account, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(group_stats, "MIN_COUNT", 3)
    pat = make_account()
    ids = [upload(client, pat, photo_bytes(), task="scalp", body_site="scalp").json()["id"] for _ in range(2)]
    other = make_account()  # another group: never counted in the first
    upload(client, other, photo_bytes(), task="scalp", body_site="scalp", sex="male", age_group="20-29")
    login(client, pat.email)
    page = client.get(f"/cases/{ids[0]}?lang=en").text
    check_page(page)
    assert 'id="own-group"' in page and "fewer than 3 stored cases in this group (2)" in page
    assert page.count('<svg class="chart"') == 6  # only the case's own six heads

    body = upload(client, pat, photo_bytes(), task="scalp", body_site="scalp").json()
    page = client.get(f"/cases/{body['id']}?lang=ko").text
    check_page(page)
    assert "저장된 사례 3건" in page
    assert page.count('<svg class="chart"') == 12  # six heads + six group distributions
    own = page[page.index('id="own-group"') :]
    for head in get_task("scalp").heads:
        assert head.title.ko in own


def test_distribution_counts_the_top_grade() -> None:
    spec = get_task("scalp")
    preds = [
        {"heads": {h.name: {"0": 0.1, "1": 0.2, "2": 0.6, "3": 0.1} for h in spec.heads}},
        {"heads": {h.name: {"0": 0.7, "1": 0.1, "2": 0.1, "3": 0.1} for h in spec.heads}},
        {},
    ]
    dist = group_stats._distribution(spec, preds)
    assert dist["hair_loss"] == {"0": 1, "1": 0, "2": 1, "3": 0}
    stats = group_stats.GroupStats("scalp", "female", "70-79", 2, False, dist)
    assert stats.shares("hair_loss") == [("0", 0.5), ("1", 0.0), ("2", 0.5), ("3", 0.0)]


def test_admin_statistics_show_group_distributions(
    client, make_account, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(group_stats, "MIN_COUNT", 1)
    pat = make_account()
    upload(client, pat, photo_bytes(), task="scalp", body_site="scalp")
    admin = make_account("admin")
    login(client, admin.email)
    page = client.get("/admin?lang=en").text
    check_page(page)
    # the chart is titled with the screening's name, not its key
    assert "Scalp self-check (6 symptoms, grades 0-3): People like you (Female, 70-79" in page
    assert "(n=1)" in page and "scalp: People" not in page
