"""Peak server memory under the red-team burst: N concurrent uploads of a small PNG holding a huge image.

Starts ``medlens serve`` (bundled models, throw-away SQLite) on loopback, signs up one patient, then
sends ``--concurrency`` uploads at once of a ~100 KB 6000x6000 PNG (36 Mpx, under the 40 Mpx limit) and
samples the server's resident memory (``/proc/<pid>/status``: VmRSS every 10 ms, VmHWM at the end).
Prints the RSS before the burst, the peak, the answers' status codes and the burst's wall time.
``--decode-budget-mb`` sets the server's decode memory budget (0 = its automatic size; a huge value
shows the unbounded behaviour). Target (issue 11): peak <= 1 GB for 8 concurrent 36 Mpx uploads.

    .venv/bin/python benchmarks/decode_memory.py --models-dir models --concurrency 8
    .venv/bin/python benchmarks/decode_memory.py --models-dir models --decode-budget-mb 100000   # unbounded
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import _start_server


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def big_png(side: int, seed: int) -> bytes:
    """A ``side`` x ``side`` grayscale-ish RGB PNG that compresses to ~100 KB (smooth bands + a seed)."""
    row = ((np.arange(side) * 255) // side).astype(np.uint8)
    img = np.repeat(np.repeat(row[None, :], side, axis=0)[:, :, None], 3, axis=2)
    img[:8, :8] = seed % 256  # distinct files (content addressing must not dedupe them)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models-dir", type=Path, default=Path("models"))
    ap.add_argument("--task", default="melanoma")
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--side", type=int, default=6000)
    ap.add_argument("--decode-budget-mb", type=int, default=0)
    args = ap.parse_args(argv)
    os.environ["MEDLENS_DECODE_BUDGET_MB"] = str(args.decode_budget_mb)
    files = [big_png(args.side, i) for i in range(args.concurrency)]
    with tempfile.TemporaryDirectory() as tmp:
        base, proc = _start_server(args.models_dir, Path(tmp), ["--no-access-log"])
        try:
            email, pw = f"mem-{uuid.uuid4().hex[:8]}@example.org", f"Pw-{uuid.uuid4().hex}"
            httpx.post(
                f"{base}/api/v1/auth/signup", json={"email": email, "password": pw, "consent": True}
            ).raise_for_status()
            token = httpx.post(f"{base}/api/v1/auth/token", data={"username": email, "password": pw}).json()
            auth = {"Authorization": f"Bearer {token['access_token']}"}
            time.sleep(1.0)
            before = _status_kb(proc.pid, "VmRSS")
            peak = [before]
            done = threading.Event()

            def sample() -> None:
                while not done.is_set():
                    peak[0] = max(peak[0], _status_kb(proc.pid, "VmRSS"))
                    time.sleep(0.01)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()

            def send(data: bytes) -> int:
                r = httpx.post(
                    f"{base}/api/v1/cases",
                    data={"task": args.task},
                    files={"file": ("big.png", data, "image/png")},
                    headers=auth,
                    timeout=300,
                )
                return r.status_code

            started = time.perf_counter()
            with ThreadPoolExecutor(args.concurrency) as pool:
                codes = list(pool.map(send, files))
            wall = time.perf_counter() - started
            done.set()
            sampler.join()
            hwm = _status_kb(proc.pid, "VmHWM")
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    result = {
        "concurrency": args.concurrency,
        "pixels": args.side * args.side,
        "file_kb": round(sum(map(len, files)) / len(files) / 1024, 1),
        "decode_budget_mb": args.decode_budget_mb or "auto",
        "rss_before_mb": round(before / 1024),
        "rss_peak_sampled_mb": round(peak[0] / 1024),
        "rss_high_water_mb": round(hwm / 1024),
        "status_codes": {str(c): codes.count(c) for c in sorted(set(codes))},
        "burst_s": round(wall, 2),
    }
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
