"""The shipped herpes-zoster bundle is served: listed by /api/v1/tasks and a real DermNet zoster photo
passes the skin-photo quality gate and gets a herpes-zoster result."""

from __future__ import annotations

from pathlib import Path

import pytest

from medlens.config import PROJECT_ROOT, Settings

from .conftest import _wipe

BUNDLE = PROJECT_ROOT / "models" / "herpes-zoster"


def test_zoster_bundle_served_and_upload_works(settings: Settings, shared_data: Path, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from medlens.web.app import create_app
    from medlens.web.services.users import create_user

    from .conftest import PASSWORD

    if not (BUNDLE / "card.json").exists():
        pytest.skip(f"{BUNDLE} is missing")
    photos = sorted((shared_data / "dermnet_subset" / "Herpes zoster").glob("*.jpg"))
    if not photos:
        pytest.skip("dermnet_subset not found")
    models = tmp_path / "models"
    models.mkdir()
    (models / "herpes-zoster").symlink_to(BUNDLE, target_is_directory=True)
    _wipe(settings.database_url)
    app = create_app(settings.model_copy(update={"models_dir": models}))
    with TestClient(app, headers={"Accept-Language": "en"}) as client:
        tasks = client.get("/api/v1/tasks").json()
        assert [t["name"] for t in tasks] == ["herpes-zoster"] and tasks[0]["modality"] == "skin-photo"
        with client.app.state.medlens.session_factory() as db:
            create_user(db, "p@example.org", PASSWORD, "P", "patient")
        token = client.post("/api/v1/auth/token", data={"username": "p@example.org", "password": PASSWORD})
        auth = {"Authorization": f"Bearer {token.json()['access_token']}"}
        r = client.post(
            "/api/v1/cases",
            data={"task": "herpes-zoster", "onset_hours": "30"},
            files={"file": (photos[0].name, photos[0].read_bytes(), "image/jpeg")},
            headers=auth,
        )
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["task"] == "herpes-zoster" and len(body["probabilities"]) == 13
        assert body["quality"] is not None and body["target_class"] == "herpes_zoster"
        assert body["urgent"] is bool(body["target_probability"] >= body["threshold"])
