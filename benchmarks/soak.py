"""Bounded soak run: mixed traffic against ``medlens serve`` for a fixed time, with 0 errors and flat
memory as the goal.

Starts the server (bundled models, throw-away SQLite; ``--workers``), signs up ``--clients`` patients, and
each client loops: upload (with an Idempotency-Key, every 5th one repeated), read the case, its image and
PDF, list its cases, and every 10th loop a wrong-password login and a fresh token. The server's resident
memory (all its processes, from /proc) is sampled every ``--sample-s``. Prints the request counts, any
errors (5xx, connection errors, unexpected 4xx), and RSS at start, at the first and last tenth and max.
Bounded: at most 30 minutes and 16 clients.

    .venv/bin/python benchmarks/soak.py --models-dir models --minutes 30 --clients 4
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import _start_server


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its children (uvicorn workers), MB."""
    pids, total = [pid], 0
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                stat = (proc / "stat").read_text().split()
            except OSError:
                continue
            if int(stat[3]) == pid:
                pids.append(int(proc.name))
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def _photo(rng: np.random.Generator) -> bytes:
    from skimage import data

    base = data.chelsea().astype(np.int16)
    noisy = np.clip(base + rng.integers(-3, 4, base.shape), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(noisy).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def client_loop(base: str, task: str, stop_at: float, seed: int, counts: dict, lock: threading.Lock) -> None:
    rng = np.random.default_rng(seed)
    email, pw = f"soak-{uuid.uuid4().hex[:8]}@example.org", f"Soak-{uuid.uuid4().hex}"

    def note(kind: str) -> None:
        with lock:
            counts[kind] = counts.get(kind, 0) + 1

    with httpx.Client(base_url=base, timeout=120) as c:
        c.post(
            "/api/v1/auth/signup", json={"email": email, "password": pw, "consent": True}
        ).raise_for_status()
        token = c.post("/api/v1/auth/token", data={"username": email, "password": pw}).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        loop, key = 0, None
        while time.time() < stop_at:
            loop += 1
            expected: list[tuple[str, str, int | tuple[int, ...], dict]] = []
            key = key if loop % 5 == 0 and key else uuid.uuid4().hex
            try:
                r = c.post(
                    "/api/v1/cases",
                    data={"task": task},
                    files={"file": ("p.jpg", _photo(rng), "image/jpeg")},
                    headers={**auth, "Idempotency-Key": key},
                )
                note(f"upload {r.status_code}")
                if r.status_code not in (200, 201, 422):
                    note("ERROR")
                    continue
                if r.status_code == 422:  # refused by the quality gate: fine, nothing to read
                    continue
                cid = r.json()["id"]
                expected = [
                    ("GET", f"/api/v1/cases/{cid}", 200, auth),
                    ("GET", f"/api/v1/cases/{cid}/image", 200, auth),
                    ("GET", f"/api/v1/cases/{cid}/report.pdf", 200, auth),
                    ("GET", "/api/v1/cases", 200, auth),
                ]
                for method, url, want, headers in expected:
                    resp = c.request(method, url, headers=headers)
                    note(f"{url.split('/')[-1] if not url.endswith(str(cid)) else 'case'} {resp.status_code}")
                    if resp.status_code != want:
                        note("ERROR")
                if loop % 10 == 0:
                    bad = c.post("/api/v1/auth/token", data={"username": email, "password": "wrong-pass-1"})
                    note(f"bad login {bad.status_code}")
                    if bad.status_code not in (401, 429):
                        note("ERROR")
                    good = c.post("/api/v1/auth/token", data={"username": email, "password": pw})
                    note(f"login {good.status_code}")
                    if good.status_code == 200:
                        auth = {"Authorization": f"Bearer {good.json()['access_token']}"}
                    elif good.status_code != 429:
                        note("ERROR")
            except httpx.HTTPError as exc:
                note(f"ERROR {type(exc).__name__}")


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models-dir", type=Path, default=Path(__file__).resolve().parents[1] / "models")
    ap.add_argument("--task", default="melanoma")
    ap.add_argument("--minutes", type=float, default=2.0)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--sample-s", type=float, default=2.0)
    args = ap.parse_args(argv)
    if args.minutes > 30 or args.clients > 16:
        raise SystemExit("bounded soak only: --minutes <= 30 and --clients <= 16")
    counts: dict[str, int] = {}
    lock = threading.Lock()
    samples: list[float] = []
    with tempfile.TemporaryDirectory(prefix="medlens-soak-") as tmp:
        base, proc = _start_server(
            args.models_dir, Path(tmp), ["--no-access-log", "--workers", str(args.workers)]
        )
        try:
            stop_at = time.time() + args.minutes * 60
            threads = [
                threading.Thread(target=client_loop, args=(base, args.task, stop_at, i, counts, lock))
                for i in range(args.clients)
            ]
            samples.append(_tree_rss_mb(proc.pid))
            for t in threads:
                t.start()
            while any(t.is_alive() for t in threads):
                time.sleep(args.sample_s)
                samples.append(_tree_rss_mb(proc.pid))
            for t in threads:
                t.join()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    tenth = max(1, len(samples) // 10)
    result = {
        "minutes": args.minutes,
        "clients": args.clients,
        "workers": args.workers,
        "requests": sum(v for k, v in counts.items() if not k.startswith("ERROR")),
        "errors": sum(v for k, v in counts.items() if k.startswith("ERROR")),
        "counts": dict(sorted(counts.items())),
        "rss_start_mb": round(samples[0]),
        "rss_first_tenth_mb": round(float(np.mean(samples[1 : 1 + tenth]))) if len(samples) > 1 else None,
        "rss_last_tenth_mb": round(float(np.mean(samples[-tenth:]))),
        "rss_max_mb": round(max(samples)),
    }
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
