"""Model registry (issue 17, learning from corrections): confirmed-case dataset, compare, promote and
roll back through the API and the admin page, audited, admins only, the served model swapped in the
running app (visible in the next prediction) and kept across a restart; bad input is a 4xx that
changes nothing. The served model is a tiny *trained* melanoma model (registry_helpers); a second
version is a copy of its bundle (same weights), so the comparison is exact (every difference 0)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from .conftest import photo_bytes, upload
from .registry_helpers import add_confirmed_cases, copy_as_version, train_tiny_bundle
from .test_auth import csrf_of
from .test_pages import check_page, login

API = "/api/v1/admin/models"


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Overrides conftest's bundles: only the tiny trained melanoma model (its plots skipped: seconds)."""
    root = tmp_path_factory.mktemp("registry")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("medlens.training.report.write_plots", lambda *a, **k: [])
        return train_tiny_bundle(root).parent


def _audit(client, action: str) -> list[str]:
    from medlens.db import AuditLog

    with client.app.state.medlens.session_factory() as db:
        return [r.detail for r in db.scalars(select(AuditLog).where(AuditLog.action == action))]


def _candidate(client, admin_id: int | None = None, card_version: str = "0.1.0+r2") -> int:
    """Register a copy of the served bundle as candidate v2 (through the service, as `retrain run` does)."""
    from medlens.card import ModelCard
    from medlens.db import User
    from medlens.web.services import model_versions as mv

    state = client.app.state.medlens
    served = state.predictors["melanoma"].card
    out = copy_as_version(
        served.directory, Path(state.settings.data_dir) / "registry" / "melanoma" / "v2", card_version
    )
    with state.session_factory() as db:
        mv.ensure_baseline(db, served)
        user = db.get(User, admin_id) if admin_id else None
        row = mv.register_candidate(db, user, ModelCard.load(out), mv.next_version(db, "melanoma"), 1, None)
        return row.version


def _served_version(client) -> str:
    return client.app.state.medlens.predictors["melanoma"].card.version


def test_only_admins_see_or_change_the_registry(client, make_account):
    for role in ("patient", "clinician"):
        acc = make_account(role)
        assert client.get(API, headers=acc.auth).status_code == 403
        for path in ("/melanoma/versions/1/promote", "/melanoma/versions/1/compare", "/melanoma/rollback"):
            assert client.post(API + path, headers=acc.auth).status_code == 403
        assert client.post(API + "/nosuch/dataset", headers=acc.auth).status_code == 403  # 403 before 404
        login(client, acc.email)
        assert client.get("/admin/models").status_code == 403
    assert client.get(API).status_code == 401


def test_listing_registers_the_shipped_bundle_as_active_v1(client, make_account):
    admin = make_account("admin")
    r = client.get(API, headers=admin.auth)
    assert r.status_code == 200, r.text
    (m,) = r.json()
    assert m["model"] == "melanoma" and m["active_version"] == 1
    (v1,) = m["versions"]
    assert v1["status"] == "active" and v1["card_version"] == _served_version(client)
    assert set(v1["metrics"]) >= {"accuracy", "target_auroc"} and "ci_low" in v1["metrics"]["accuracy"]
    assert client.get(API, headers=admin.auth).json()[0]["versions"] == m["versions"]  # idempotent


def test_bad_input_is_a_clear_4xx_that_changes_nothing(client, make_account):
    admin = make_account("admin")
    client.get(API, headers=admin.auth)
    for path, code in (
        ("/nosuch/versions/1/promote", 404),
        ("/bad%20name/versions/1/promote", 404),
        ("/melanoma/versions/0/promote", 404),
        ("/melanoma/versions/99/promote", 404),
        ("/melanoma/versions/99999999999/compare", 404),
        ("/melanoma/versions/1/promote", 409),  # v1 is active, not a candidate
        ("/melanoma/versions/1/compare", 409),
        ("/melanoma/rollback", 409),  # v1 replaced nothing
        ("/melanoma/dataset", 422),  # no confirmed case yet
    ):
        r = client.post(API + path, headers=admin.auth)
        assert r.status_code == code, (path, r.text)
        assert r.json()["detail"], path
    v = _candidate(client, admin.id)
    r = client.post(f"{API}/melanoma/versions/{v}/promote", headers=admin.auth)  # not compared yet
    assert r.status_code == 409 and "Compare version 2 of melanoma" in r.json()["detail"]
    assert _served_version(client) != "0.1.0+r2"
    statuses = {x["version"]: x["status"] for x in client.get(API, headers=admin.auth).json()[0]["versions"]}
    assert statuses == {1: "active", 2: "candidate"}
    assert _audit(client, "model_promote") == [] and _audit(client, "model_rollback") == []


def test_dataset_versions_hold_confirmed_cases_only(client, make_account):
    admin = make_account("admin")
    pat = make_account("patient")
    state = client.app.state.medlens
    verdicts = [
        ("benign", "benign"),
        ("benign", "malignant"),
        ("malignant", "cannot_assess"),
        ("malignant", None),
    ]
    ids = add_confirmed_cases(state.session_factory, state.store, pat.id, verdicts)
    r = client.post(f"{API}/melanoma/dataset", headers=admin.auth)
    assert r.status_code == 201, r.text
    ds = r.json()
    assert ds["version"] == 1 and ds["n_images"] == 2 and ds["counts"] == {"benign": 1, "malignant": 1}
    manifest = json.loads((Path(state.settings.data_dir) / "datasets/melanoma/v1/manifest.json").read_text())
    assert sorted(c for f in manifest["files"] for c in f["case_ids"]) == ids[:2]  # agree + corrected only
    assert {f["label"] for f in manifest["files"]} == {"benign", "malignant"}
    assert (
        client.post(f"{API}/melanoma/dataset", headers=admin.auth).json()["version"] == 1
    )  # unchanged: reused
    add_confirmed_cases(state.session_factory, state.store, pat.id, [("malignant", "malignant")])
    assert client.post(f"{API}/melanoma/dataset", headers=admin.auth).json()["version"] == 2
    assert len(_audit(client, "model_dataset")) == 3


def test_compare_promote_hot_swap_and_roll_back(client, make_account):
    admin = make_account("admin")
    pat = make_account("patient")
    before = _served_version(client)
    assert upload(client, pat, photo_bytes()).json()["model_version"] == before
    v = _candidate(client, admin.id)

    r = client.post(f"{API}/melanoma/versions/{v}/compare", headers=admin.auth)
    assert r.status_code == 200, r.text
    comp = r.json()["comparison"]
    assert comp["against_version"] == 1 and comp["not_worse"] is True and comp["margin"] == 0.02
    assert comp["n_test"] == 6  # the served model's own test split (rebuilt and checked by its sha256)
    for d in comp["difference"].values():  # same weights: every resample's difference is 0
        assert d["value"] == d["ci_low"] == d["ci_high"] == 0.0

    r = client.post(f"{API}/melanoma/versions/{v}/promote", headers=admin.auth)
    assert r.status_code == 200 and r.json()["status"] == "active" and r.json()["previous_version"] == 1
    assert _served_version(client) == "0.1.0+r2"  # swapped in the running app
    assert upload(client, pat, photo_bytes()).json()["model_version"] == "0.1.0+r2"
    assert client.post(f"{API}/melanoma/versions/{v}/promote", headers=admin.auth).status_code == 409

    r = client.post(f"{API}/melanoma/rollback", headers=admin.auth)
    assert r.status_code == 200 and r.json()["version"] == 1 and r.json()["status"] == "active"
    assert upload(client, pat, photo_bytes(size=(240, 200))).json()["model_version"] == before
    statuses = {x["version"]: x["status"] for x in client.get(API, headers=admin.auth).json()[0]["versions"]}
    assert statuses == {1: "active", 2: "rolled_back"}
    assert [d.split(" not_worse=")[0] for d in _audit(client, "model_compare")] == [
        "model=melanoma version=2 vs=1"
    ]
    assert _audit(client, "model_promote") == ["model=melanoma version=2 replaces=1"]
    assert _audit(client, "model_rollback") == ["model=melanoma version=2 back_to=1"]


def test_a_possibly_worse_or_changed_candidate_is_not_promoted(client, make_account):
    from medlens.db import ModelVersion

    admin = make_account("admin")
    v = _candidate(client, admin.id)
    state = client.app.state.medlens
    assert client.post(f"{API}/melanoma/versions/{v}/compare", headers=admin.auth).status_code == 200
    with state.session_factory() as db:
        row = db.scalar(select(ModelVersion).where(ModelVersion.version == v))
        row.comparison = {**row.comparison, "not_worse": False}
        db.commit()
    r = client.post(f"{API}/melanoma/versions/{v}/promote", headers=admin.auth)
    assert r.status_code == 409 and "may be worse" in r.json()["detail"]
    with state.session_factory() as db:  # a comparison that allows it, but the bundle changed on disk
        row = db.scalar(select(ModelVersion).where(ModelVersion.version == v))
        row.comparison = {**row.comparison, "not_worse": True}
        db.commit()
        onnx = Path(row.bundle_dir) / "model.onnx"
    onnx.write_bytes(onnx.read_bytes() + b"x")
    r = client.post(f"{API}/melanoma/versions/{v}/promote", headers=admin.auth)
    assert r.status_code == 409 and "cannot be loaded" in r.json()["detail"]
    assert _served_version(client) != "0.1.0+r2"
    assert {x["status"] for x in client.get(API, headers=admin.auth).json()[0]["versions"]} == {
        "active",
        "candidate",
    }


def test_a_restart_serves_the_promoted_version(client, make_account, settings):
    from fastapi.testclient import TestClient

    from medlens.web.app import create_app

    admin = make_account("admin")
    v = _candidate(client, admin.id)
    client.post(f"{API}/melanoma/versions/{v}/compare", headers=admin.auth)
    assert client.post(f"{API}/melanoma/versions/{v}/promote", headers=admin.auth).status_code == 200
    with TestClient(create_app(settings)) as again:
        assert again.app.state.medlens.predictors["melanoma"].card.version == "0.1.0+r2"


def test_a_promotion_elsewhere_reaches_a_running_app(client, make_account):
    """Another worker or the CLI promoted: the registry watcher's pass serves it here too."""
    from medlens.web.services import model_versions as mv

    admin = make_account("admin")
    v = _candidate(client, admin.id)
    state = client.app.state.medlens
    with state.session_factory() as db:
        row = mv.compare(db, None, mv.get_version(db, "melanoma", v), 0.02, n_boot=50)
        mv.promote(db, None, row, None)  # the CLI: no predictors of its own to swap
    assert _served_version(client) != "0.1.0+r2"
    mv.apply_active(state.session_factory, state.predictors)
    assert _served_version(client) == "0.1.0+r2"


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_admin_page_walks_compare_promote_rollback(client, make_account, lang: str):
    admin = make_account("admin")
    login(client, admin.email)
    v = _candidate(client, admin.id)
    page = client.get(f"/admin/models?lang={lang}").text
    check_page(page)
    assert f'id="compare-melanoma-{v}"' in page and f'id="promote-melanoma-{v}"' not in page
    token = csrf_of(page)
    assert client.post(f"/admin/models/melanoma/versions/{v}/compare", data={}).status_code == 403  # no CSRF
    r = client.post(
        f"/admin/models/melanoma/versions/{v}/compare", data={"csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303
    page = client.get(f"/admin/models?lang={lang}").text
    check_page(page)
    assert re.search(r"Δ (Accuracy|정확도): \+0\.000 \[\+0\.000, \+0\.000\]", page)
    assert ("Not worse" if lang == "en" else "더 나쁘지 않음") in page
    r = client.post(
        f"/admin/models/melanoma/versions/{v}/promote", data={"csrf_token": token}, follow_redirects=False
    )
    assert r.status_code == 303 and _served_version(client) == "0.1.0+r2"
    page = client.get(f"/admin/models?lang={lang}").text
    assert 'id="rollback-melanoma"' in page and " UTC" in page
    r = client.post("/admin/models/melanoma/rollback", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and _served_version(client) != "0.1.0+r2"
    r = client.post(
        "/admin/models/melanoma/rollback", data={"csrf_token": token}
    )  # nothing left to roll back
    assert (
        r.status_code == 409
        and ("nothing to roll back" if lang == "en" else "되돌릴 버전이 없습니다") in r.text
    )


def test_without_torch_the_page_shows_the_cli_command(client, make_account, monkeypatch):
    monkeypatch.setattr("medlens.web.services.retrain.torch_available", lambda: False)
    admin = make_account("admin")
    login(client, admin.email)
    page = client.get("/admin/models?lang=en").text
    assert "medlens retrain run --model melanoma --compare" in page and 'id="retrain-melanoma"' not in page
    r = client.post(f"{API}/melanoma/retrain", headers=admin.auth)
    assert r.status_code == 409 and "medlens retrain run --model melanoma" in r.json()["detail"]
    assert _audit(client, "model_retrain") == []


def test_cli_retrain_run_trains_compares_promotes_and_rolls_back(client, make_account, settings, monkeypatch):
    """``medlens retrain run``: dataset -> candidate trained on the original data + confirmed cases (the
    parent's own training command + --extra-train; val/test unchanged) -> compared; then the CLI's
    promote and roll back, which a running app follows. Tiny: 1 epoch at 32 px, plots skipped."""
    from typer.testing import CliRunner

    from medlens.card import ModelCard
    from medlens.cli.main import app
    from medlens.config import get_settings
    from medlens.web.services import model_versions as mv

    admin = make_account("admin")
    pat = make_account("patient")
    state = client.app.state.medlens
    verdicts = [("benign", "benign"), ("benign", "malignant"), ("malignant", "malignant")] * 2
    add_confirmed_cases(state.session_factory, state.store, pat.id, [*verdicts, ("benign", "cannot_assess")])
    env = {
        "MEDLENS_DATABASE_URL": settings.database_url,
        "MEDLENS_DATA_DIR": str(settings.data_dir),
        "MEDLENS_MODELS_DIR": str(settings.models_dir),
        "MEDLENS_PROMOTE_MARGIN": "1.0",  # a 6-image test split: any candidate passes, so the walk is fixed
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setattr("medlens.training.report.write_plots", lambda *a, **k: [])
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        args = ["retrain", "run", "--model", "melanoma", "--compare", "--latency-runs", "0", "--n-boot", "50"]
        r = runner.invoke(app, [*args, "--by-user", str(admin.id), "--train-arg=--n-boot=50"])
        assert r.exit_code == 0, r.output + repr(r.exception)
        assert "melanoma v2" in r.output and "vs v1" in r.output and "not worse (margin 1.0)" in r.output

        parent = state.predictors["melanoma"].card
        card = ModelCard.load(Path(settings.data_dir) / "registry" / "melanoma" / "v2")
        assert card.lineage is not None and card.lineage.parent_version == parent.version
        assert card.lineage.dataset_version == 1 and card.lineage.n_confirmed == 6
        assert card.version == f"{parent.version}+r2" and card.data.fingerprint == parent.data.fingerprint
        run_cfg = json.loads((Path(settings.data_dir) / "registry/melanoma/runs/v2/config.json").read_text())
        assert run_cfg["extra_train"] == [str(Path(settings.data_dir) / "datasets" / "melanoma" / "v1")]
        run_metrics = json.loads(
            (Path(settings.data_dir) / "registry/melanoma/runs/v2/metrics.json").read_text()
        )
        assert run_metrics["run"]["n_train"] == parent.data.n_train + 6  # the 6 confirmed images, train only
        assert run_metrics["run"]["n_test"] == parent.data.n_test
        assert len(_audit(client, "model_candidate")) == 1 and len(_audit(client, "model_compare")) == 1

        r = runner.invoke(
            app, ["retrain", "promote", "--model", "melanoma", "--version", "2", "--by-user", str(admin.id)]
        )
        assert r.exit_code == 0 and "v2" in r.output and "active" in r.output, r.output
        mv.apply_active(state.session_factory, state.predictors)  # the running app's watcher pass
        assert _served_version(client) == card.version
        r = runner.invoke(app, ["retrain", "rollback", "--model", "melanoma"])
        assert r.exit_code == 0 and "melanoma v1" in r.output, r.output
        r = runner.invoke(app, ["retrain", "rollback", "--model", "melanoma"])
        assert r.exit_code == 2 and "nothing to roll back" in r.output
        r = runner.invoke(app, ["retrain", "versions", "--model", "melanoma"])
        assert "v2" in r.output and "rolled_back" in r.output and "v1" in r.output
        assert _audit(client, "model_rollback") == ["model=melanoma version=2 back_to=1"]
    finally:
        get_settings.cache_clear()


def test_a_model_without_a_training_command_is_not_retrained(client, make_account, monkeypatch):
    admin = make_account("admin")
    card = client.app.state.medlens.predictors["melanoma"].card
    monkeypatch.setattr(card, "training_command", "")
    r = client.post(f"{API}/melanoma/retrain", headers=admin.auth)
    assert r.status_code == 409 and "no `medlens train` command" in r.json()["detail"]
    assert client.app.state.medlens.retrain_jobs.get("melanoma") is None
    assert _audit(client, "model_retrain") == []
