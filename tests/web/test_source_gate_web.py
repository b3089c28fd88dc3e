"""The source gate in the web app: an image far from every training source is referred, with its reason
(API, page, both languages); a bundle without the gate serves as before."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from .conftest import _wipe, photo_bytes, upload
from .test_pages import login


def _add_gate(bundle: Path, threshold: float) -> None:
    """Fit a bank on the bundle's own embeddings of a few noise images; ``threshold`` < 0 flags everything."""
    from medlens.card import ModelCard, SourceGate, sha256_file
    from medlens.quality.source_gate import fit_bank
    from medlens.serving import Predictor

    card = ModelCard.load(bundle)
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (64, 64, 3), dtype=np.uint8) for _ in range(8)]
    emb = Predictor.from_card(card, threads=1).embeddings_batch(images)
    path = fit_bank(emb, ["clinic-a"] * 4 + ["clinic-b"] * 4, dims=4).save(bundle / "ood_bank.npz")
    card.source_gate = SourceGate(threshold=threshold, file=path.name, sha256=sha256_file(path))
    card.save(bundle)


@pytest.fixture
def client(settings, models_dir: Path, tmp_path: Path) -> Iterator:
    """The app with the test bundles; melanoma's copy gets a source gate that flags every image."""
    from fastapi.testclient import TestClient

    from medlens.web.app import create_app

    root = tmp_path / "models"
    root.mkdir()
    for sub in models_dir.iterdir():
        if sub.name == "melanoma":
            shutil.copytree(sub, root / sub.name)
            _add_gate(root / sub.name, threshold=-1.0)
        else:
            (root / sub.name).symlink_to(sub, target_is_directory=True)
    _wipe(settings.database_url)
    app = create_app(settings.model_copy(update={"models_dir": root}))
    with TestClient(app, headers={"Accept-Language": "en"}) as c:
        yield c


def test_far_image_is_referred_with_its_reason(client, make_account):
    pat = make_account("patient")
    r = upload(client, pat, photo_bytes())
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["abstain"] is True and body["ood"] is True
    reason = next(x for x in body["review_reasons"] if "far from every set of images" in x)
    assert "nearest: clinic-" in reason and "> limit -1.000" in reason
    assert body["risk"] in ("moderate", "high")  # a referral is never shown as low risk
    from medlens.db import Case

    with client.app.state.medlens.session_factory() as db:
        row = db.get(Case, body["id"])
        assert row.risk in ("moderate", "high") and row.prediction["source_ood"] is True
    login(client, pat.email)
    page = client.get(f"/cases/{body['id']}").text
    assert (
        "No verdict: a clinician should look at this photo" in page and "far from every set of images" in page
    )
    ko = client.get(f"/cases/{body['id']}?lang=ko").text
    assert "판정 보류" in ko and "어떤 이미지 모음과도 거리가 멉니다" in ko


def test_bundle_without_the_gate_serves_as_before(client, make_account):
    pat = make_account("patient")
    r = upload(client, pat, photo_bytes(), task="scalp", body_site="scalp")  # symlinked bundle: no gate
    assert r.status_code == 201, r.text
    assert not any("far from every set" in x for x in r.json()["review_reasons"])
    from medlens.db import Case

    with client.app.state.medlens.session_factory() as db:
        assert db.get(Case, r.json()["id"]).prediction["source_ood"] is None
