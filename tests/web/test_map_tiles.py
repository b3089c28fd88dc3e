"""The clinic map's tile server setting: checked at startup, its origin added to the CSP img-src only."""

from __future__ import annotations

import pytest

from medlens.web.map_tiles import tile_origin


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("", ""),
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
        ("http://127.0.0.1:8080/tiles/{z}/{x}/{y}.png", "http://127.0.0.1:8080"),
    ],
)
def test_tile_origin(url: str, origin: str) -> None:
    assert tile_origin(url) == origin


@pytest.mark.parametrize(
    "url",
    [
        "https://tile.example.org/map.png",  # no placeholders
        "javascript:alert(1)//{z}/{x}/{y}",
        "ftp://tiles.example.org/{z}/{x}/{y}.png",
        "https://tiles.{s}.example.org/{z}/{x}/{y}.png",  # placeholder not in the leftmost label
        "https://a.org; script-src *//{z}/{x}/{y}",  # would inject into the CSP
    ],
)
def test_bad_tile_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        tile_origin(url)


def test_no_tiles_by_default_and_csp_unchanged(client) -> None:
    page = client.get("/care?lang=en")
    assert page.status_code == 200
    assert 'data-tile-url=""' in page.text and 'id="no-tiles"' in page.text
    assert "img-src 'self' data:;" in page.headers["content-security-policy"]
    for asset in (
        "/static/vendor/leaflet/leaflet.js",
        "/static/vendor/leaflet/leaflet.css",
        "/static/vendor/leaflet/images/marker-icon.png",
        "/static/vendor/leaflet.markercluster/leaflet.markercluster.js",
        "/static/clinic_map.js",
    ):
        assert client.get(asset).status_code == 200, asset


def test_a_tile_server_is_allowed_by_the_csp(settings) -> None:
    from fastapi.testclient import TestClient

    from medlens.web.app import create_app

    url = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    app = create_app(settings.model_copy(update={"map_tile_url": url, "map_tile_attribution": "© Example"}))
    with TestClient(app) as c:
        page = c.get("/care?lang=ko")
    assert "img-src 'self' data: https://*.tiles.example.org;" in page.headers["content-security-policy"]
    assert f'data-tile-url="{url}"' in page.text and 'id="no-tiles"' not in page.text
