"""In-process timings behind three choices of the upload path (``medlens serve``), after idle gaps.

Each step sleeps ``--pause-ms`` first (a real upload meets an idle machine, where Python code runs 2-3x
slower than in a hot loop), then times:

* ``write``: the case and its audit row written after a Predictor call, through the ORM unit of work
  (account loaded with ``Session.get``) vs two Core ``INSERT`` statements and a Core ``SELECT`` of the
  account id, as ``cases.create_case`` does (SQLite, throw-away database).
* ``opencv``: ``Predictor.predict`` right after the quality gate, with OpenCV's default threads vs
  sequential OpenCV (``medlens.serving.runtime.configure_serving_threads``), and the Predictor alone.
* ``gc``: cyclic-GC time per upload over ``--uploads`` API uploads through the in-process app, without
  and with ``gc.freeze()`` after start-up (each in a fresh process).

    .venv/bin/python benchmarks/upload_path.py --models-dir models --task melanoma
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger("medlens.upload_path")


def _card(models_dir: Path, task: str) -> Path:
    for card in sorted(models_dir.glob("*/card.json")):
        if json.loads(card.read_text()).get("task") == task:
            return card
    raise SystemExit(f"no bundle for task {task!r} under {models_dir}")


def _photo() -> np.ndarray:
    from skimage import data

    return data.chelsea()


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def bench_write(models_dir: Path, task: str, n: int, pause: float) -> dict[str, float]:
    from sqlalchemy import insert, select

    from medlens.db import Case, User, make_engine, make_session_factory, upgrade_to_head
    from medlens.serving import Predictor
    from medlens.web.services import audit, users

    tmp = tempfile.mkdtemp(prefix="medlens-write-")
    url = f"sqlite:///{tmp}/bench.db"
    upgrade_to_head(url)
    factory = make_session_factory(make_engine(url))
    with factory() as db:
        uid = users.create_user(db, "bench@example.org", "bench-password-1").id
    predictor, rgb = Predictor.from_card(_card(models_dir, task)), _photo()
    record = predictor.predict(rgb, cam=True).to_dict("en")
    record = {k: v for k, v in record.items() if k not in ("risk_label", "advice")}
    values: dict[str, Any] = {
        "task": task, "image_sha256": "0" * 64, "prediction": record, "predicted_label": "x",
        "model_name": "m", "model_version": "1", "status": "new",
    }  # fmt: skip
    active_id = select(User.id).where(User.id == uid, User.active.is_(True))  # as users.user_id_for_token
    insert_case = insert(Case).returning(Case.id)  # as cases.create_case

    def orm() -> float:
        with factory() as db:
            t0 = time.perf_counter()
            user = db.get(User, uid)
            t1 = time.perf_counter()
            predictor.predict(rgb, cam=True)
            t2 = time.perf_counter()
            row = Case(owner=user, **values)
            db.add(row)
            db.flush()
            audit.record(db, user, "create", row.id, "bench")
            db.commit()
            return (t1 - t0 + time.perf_counter() - t2) * 1000

    def core() -> float:
        with factory() as db:
            t0 = time.perf_counter()
            conn = db.connection()
            conn.execute(active_id).scalar_one()
            t1 = time.perf_counter()
            predictor.predict(rgb, cam=True)
            t2 = time.perf_counter()
            case_id = conn.execute(insert_case, {**values, "owner_id": uid}).scalar_one()
            audit.insert_row(conn, uid, "create", case_id, "bench")
            db.commit()
            return (t1 - t0 + time.perf_counter() - t2) * 1000

    times: dict[str, list[float]] = {"orm_ms": [], "core_ms": []}
    for _ in range(n):
        for name, fn in (("orm_ms", orm), ("core_ms", core)):
            time.sleep(pause)
            times[name].append(fn())
    return {k: _median(v) for k, v in times.items()}


def bench_opencv(models_dir: Path, task: str, n: int, pause: float) -> dict[str, float]:
    import cv2

    from medlens.quality import assess_quality
    from medlens.serving import Predictor

    predictor, rgb = Predictor.from_card(_card(models_dir, task)), _photo()
    predictor.predict(rgb, cam=True)
    default = cv2.getNumThreads()
    times: dict[str, list[float]] = {k: [] for k in ("after_gate_default_ms", "after_gate_sequential_ms")}
    alone: list[float] = []
    for _ in range(n):
        for name, threads in (("after_gate_default_ms", default), ("after_gate_sequential_ms", 0)):
            cv2.setNumThreads(threads)
            time.sleep(pause)
            assess_quality(rgb, "dermoscopy")
            t0 = time.perf_counter()
            predictor.predict(rgb, cam=True)
            times[name].append((time.perf_counter() - t0) * 1000)
        cv2.setNumThreads(default)
        time.sleep(pause)
        t0 = time.perf_counter()
        predictor.predict(rgb, cam=True)
        alone.append((time.perf_counter() - t0) * 1000)
    return {**{k: _median(v) for k, v in times.items()}, "alone_default_ms": _median(alone)}


def gc_per_upload(models_dir: Path, task: str, uploads: int, pause: float, freeze: bool) -> dict[str, float]:
    """Mean cyclic-GC ms per upload through the in-process app (TestClient); run in a fresh process."""
    from fastapi.testclient import TestClient
    from PIL import Image

    tmp = tempfile.mkdtemp(prefix="medlens-gc-")
    os.environ.update(
        MEDLENS_DATABASE_URL=f"sqlite:///{tmp}/bench.db",
        MEDLENS_DATA_DIR=f"{tmp}/var",
        MEDLENS_SECRET_KEY="bench-" + "k" * 32,
        MEDLENS_MODELS_DIR=str(models_dir),
    )
    from medlens.config import get_settings
    from medlens.db import upgrade_to_head
    from medlens.web.app import create_app

    settings = get_settings()
    upgrade_to_head(settings.database_url)
    spent = {"ms": 0.0, "runs": 0.0}
    started = [0.0]

    def on_gc(phase: str, _info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            spent["ms"] += (time.perf_counter() - started[0]) * 1000
            spent["runs"] += 1

    base, rng = _photo(), np.random.default_rng(0)
    with TestClient(create_app(settings, freeze_gc=freeze)) as client:
        account = {"email": "gc@example.org", "password": "bench-password-1", "consent": True}
        client.post("/api/v1/auth/signup", json=account).raise_for_status()
        form = {"username": account["email"], "password": account["password"]}
        token = client.post("/api/v1/auth/token", data=form).json()["access_token"]
        gc.callbacks.append(on_gc)
        for _ in range(uploads):
            noisy = np.clip(base.astype(np.int16) + rng.integers(-3, 4, base.shape), 0, 255).astype(np.uint8)
            buf = io.BytesIO()
            Image.fromarray(noisy).save(buf, format="JPEG", quality=90)
            r = client.post(
                "/api/v1/cases",
                data={"task": task},
                files={"file": ("p.jpg", buf.getvalue(), "image/jpeg")},
                headers={"Authorization": f"Bearer {token}"},
            )
            r.raise_for_status()
            time.sleep(pause)
        gc.callbacks.remove(on_gc)
    return {
        "gc_ms_per_upload": round(spent["ms"] / uploads, 3),
        "collections_per_upload": spent["runs"] / uploads,
        "frozen_objects": gc.get_freeze_count(),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models-dir", type=Path, default=Path(__file__).resolve().parents[1] / "models")
    ap.add_argument("--task", default="melanoma")
    ap.add_argument("--n", type=int, default=60, help="timed calls per variant (write, opencv)")
    ap.add_argument("--uploads", type=int, default=100, help="uploads per GC run")
    ap.add_argument("--pause-ms", type=float, default=200.0)
    ap.add_argument("--gc-child", choices=("plain", "frozen"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    pause = args.pause_ms / 1000
    if args.gc_child:  # one GC run in this fresh process; JSON on stdout for the parent
        out = gc_per_upload(
            args.models_dir.resolve(), args.task, args.uploads, pause, args.gc_child == "frozen"
        )
        sys.stdout.write(json.dumps(out) + "\n")
        return out
    result: dict[str, Any] = {
        "write": bench_write(args.models_dir, args.task, args.n, pause),
        "opencv": bench_opencv(args.models_dir, args.task, args.n, pause),
    }
    for mode in ("plain", "frozen"):
        cmd = [
            sys.executable,
            __file__,
            "--gc-child",
            mode,
            "--models-dir",
            str(args.models_dir),
            "--task",
            args.task,
        ]
        cmd += ["--uploads", str(args.uploads), "--pause-ms", str(args.pause_ms)]
        done = subprocess.run(cmd, check=True, capture_output=True, text=True)
        result[f"gc_{mode}"] = json.loads(done.stdout.strip().splitlines()[-1])
    result["write"]["orm_over_core"] = round(result["write"]["orm_ms"] / result["write"]["core_ms"], 2)
    for key, value in result.items():
        log.info("%-8s %s", key, value)
    return result


if __name__ == "__main__":
    main()
