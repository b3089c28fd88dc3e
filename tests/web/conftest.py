"""Web fixtures: database URL (tmp SQLite, or MEDLENS_TEST_DATABASE_URL e.g. PostgreSQL), small real ONNX
models exported from random-init timm networks, an app + TestClient, users and tokens, test images."""

from __future__ import annotations

import io
import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from medlens.config import PROJECT_ROOT, Settings

PASSWORD = "correct-horse-9"
REAL_RISK_MODEL = PROJECT_ROOT / "models" / "covid-death"


@pytest.fixture(scope="session")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """MEDLENS_TEST_DATABASE_URL when set (CI's PostgreSQL), else a fresh SQLite file."""
    from medlens.db import downgrade, upgrade_to_head

    url = os.environ.get("MEDLENS_TEST_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('db')}/test.db"
    if not url.startswith("sqlite"):
        downgrade(url, "base")  # start from an empty schema on a reused server
    upgrade_to_head(url)
    return url


def _bundle(
    out: Path, task: str, classes: tuple[str, ...], seed: int, heads: dict[str, list[str]] | None = None
) -> Path:
    import torch

    from medlens.card import DataInfo, ModelCard, Preprocessing, Thresholds
    from medlens.export import write_bundle
    from medlens.models import create_classifier

    torch.manual_seed(seed)
    model = create_classifier(
        "resnet18", num_classes=len(classes), heads={k: len(v) for k, v in heads.items()} if heads else None
    ).eval()
    card = ModelCard(
        name=f"{task}-webtest",
        task=task,
        version="0.0.1",
        backbone="resnet18",
        classes=list(classes),
        heads=heads or {},
        preprocessing=Preprocessing(input_size=64),
        temperature=1.0,
        thresholds=Thresholds(target_class=None if heads else classes[-1], threshold=None if heads else 0.4),
        data=DataInfo(dataset="random-init web test model"),
    )
    write_bundle(model, out, card, latency_runs=0)
    return out


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Small real ONNX bundles (random-init resnet18 at 64 px): melanoma, chest-xray and 6-head scalp."""
    from medlens.tasks import get_task

    root = tmp_path_factory.mktemp("models")
    _bundle(root / "melanoma", "melanoma", ("benign", "malignant"), 0)
    _bundle(root / "chest-xray", "chest-xray", ("normal", "pneumonia"), 1)
    scalp = get_task("scalp")
    heads = {h.name: list(h.classes) for h in scalp.heads}
    _bundle(root / "scalp", "scalp", scalp.classes, 2, heads=heads)
    return root


@pytest.fixture
def settings(db_url: str, models_dir: Path, tmp_path: Path) -> Settings:
    return Settings(
        database_url=db_url,
        data_dir=tmp_path / "var",
        models_dir=models_dir,
        secret_key=secrets.token_urlsafe(48),  # a fresh random key per test (known keys are refused)
        max_upload_bytes=2 * 1024 * 1024,
        max_image_pixels=20_000_000,
        default_language="en",
        jobs_every_minutes=0,  # no background schedule (test_scheduler.py runs it on purpose)
    )


@pytest.fixture
def risk_client(settings: Settings, models_dir: Path, tmp_path: Path) -> Iterator:
    """The app with the image test bundles plus a copy of the real COVID-19 risk model."""
    from fastapi.testclient import TestClient

    from medlens.web.app import create_app

    if not (REAL_RISK_MODEL / "card.json").exists():
        pytest.skip(f"{REAL_RISK_MODEL} is missing (the committed COVID-19 risk model)")
    root = tmp_path / "models"
    root.mkdir()
    for sub in models_dir.iterdir():
        (root / sub.name).symlink_to(sub, target_is_directory=True)
    shutil.copytree(REAL_RISK_MODEL, root / "covid-death")
    app = create_app(settings.model_copy(update={"models_dir": root}))
    with TestClient(app, headers={"Accept-Language": "en"}) as c:
        yield c


def _wipe(db_url: str) -> None:
    from sqlalchemy import delete

    from medlens.db import (
        AuditLog,
        AuthSession,
        CareProduct,
        Case,
        ClinicEntry,
        JobRun,
        Lesion,
        LoginThrottle,
        ModelVersion,
        Notice,
        Reply,
        User,
        make_engine,
    )

    engine = make_engine(db_url)
    with engine.begin() as conn:
        for table in (
            JobRun,
            ModelVersion,
            LoginThrottle,
            AuthSession,
            AuditLog,
            Notice,
            Reply,
            Case,
            Lesion,
            User,
            CareProduct,
            ClinicEntry,
        ):
            conn.execute(delete(table))
    engine.dispose()


@pytest.fixture
def app(settings: Settings):
    from medlens.web.app import create_app

    _wipe(settings.database_url)
    return create_app(settings)


@pytest.fixture
def client(app) -> Iterator:
    from fastapi.testclient import TestClient

    with TestClient(app, headers={"Accept-Language": "en"}) as c:
        yield c


@dataclass
class Account:
    id: int
    email: str
    role: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def make_account(client):
    """Create a user of any role directly through the service layer and log in via the API."""
    from medlens.web.services.users import create_user

    counter = {"n": 0}

    def make(role: str = "patient") -> Account:
        counter["n"] += 1
        email = f"{role}{counter['n']}@example.org"
        with client.app.state.medlens.session_factory() as db:
            user = create_user(db, email, PASSWORD, f"{role.title()} {counter['n']}", role)
        r = client.post("/api/v1/auth/token", data={"username": email, "password": PASSWORD})
        assert r.status_code == 200, r.text
        return Account(user.id, email, role, r.json()["access_token"])

    return make


def photo_bytes(fmt: str = "JPEG", size: tuple[int, int] = (256, 192), exif_gps: bool = False) -> bytes:
    """A natural photo (scikit-image's bundled 'chelsea'), resized; optionally with EXIF incl. GPS."""
    from skimage import data

    im = Image.fromarray(data.chelsea()).resize(size)
    buf = io.BytesIO()
    if exif_gps:
        exif = Image.Exif()
        exif[0x010F] = "TestCam"  # Make
        exif[0x8825] = {1: "N", 2: (37.0, 33.0, 58.0), 3: "E", 4: (126.0, 58.0, 40.0)}  # GPSInfo
        im.save(buf, format=fmt, exif=exif)
    else:
        im.save(buf, format=fmt)
    return buf.getvalue()


@pytest.fixture
def jpeg() -> bytes:
    return photo_bytes("JPEG")


def upload(
    client,
    account: Account,
    data: bytes,
    task: str = "melanoma",
    filename: str = "photo.jpg",
    ctype: str = "image/jpeg",
    **fields: str,
):
    form = {
        "task": task,
        "sex": "female",
        "age_group": "70-79",
        "body_site": "back",
        "symptom_onset": "months",
    }
    form.update(fields)
    r = client.post("/api/v1/cases", data=form, files={"file": (filename, data, ctype)}, headers=account.auth)
    queue = getattr(client.app.state.medlens, "enrich_queue", None)
    if queue is not None:
        queue.join()  # the after-upload work is done, as once the response is sent (TestClient's old semantics)
    return r


def stored_files(settings: Settings) -> list[Path]:
    root = Path(settings.data_dir) / "uploads"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def gray_array(h: int = 192, w: int = 192, seed: int = 0) -> np.ndarray:
    """A 12-bit X-ray-like texture (smooth shading + fine noise, so it is not flagged as blurry)."""
    yy, xx = np.mgrid[0:h, 0:w]
    shade = (np.sin(xx / 17.0) + np.cos(yy / 23.0) + 2) * 700
    noise = np.random.default_rng(seed).normal(0, 250, (h, w))
    return np.clip(shade + noise, 0, 4095).astype(np.uint16)


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Production uses argon2's default cost; tests use a cheap argon2id to keep the suite fast."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(
        "medlens.web.security._HASHER", PasswordHasher(time_cost=1, memory_cost=256, parallelism=1)
    )
