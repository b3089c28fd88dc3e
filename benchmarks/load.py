"""Load test of the medlens web service: N concurrent uploads against a loopback server.

Starts ``medlens serve`` on a free 127.0.0.1 port with a throw-away database (or targets ``--url``,
which must be a loopback address), signs up one patient, then drives ``--requests`` uploads with
``--concurrency`` in flight, bounded by ``--max-seconds``; ``--pause-ms`` lets each in-flight slot wait
between requests (low load: the server is idle when the next upload arrives, as with real patients).

Prints req/s, p50/p99 latency and errors, and two baselines:

* ``predictor_ms``: the Predictor's own time, measured here in-process: median wall time of
  ``Predictor.predict(image, cam=True)`` (preprocessing, network with the card's TTA, CAM) on the same
  decoded images, with the same bundle (``--models-dir``), paced with the same ``--pause-ms``; calls
  alternate between OpenCV's default threads and the server's sequential OpenCV, and the faster median
  counts (``predictor_ms_by_setting`` shows both): the Predictor at its best. With
  ``--concurrency 1`` one Predictor call is interleaved after each request (request, pause, Predictor
  call, pause, ...), so both see the same machine state; otherwise 120 calls are timed before the load.
  ``p50_over_predictor`` is the HTTP p50 divided by it: what the service adds around the model.
* ``model_ms_p50``: the network time the server itself reports in each response (``model_ms``).

and the median of each stage of the server's ``Server-Timing`` header (receive: body and form; read;
auth: token and account check; decode, quality, model, store, db, render; app: all of it): where the time
inside the server goes.

    .venv/bin/python benchmarks/load.py --models-dir models --task melanoma --concurrency 1 --pause-ms 200
    .venv/bin/python benchmarks/load.py --models-dir models --task chest-xray --concurrency 8 --requests 200
"""

from __future__ import annotations

import argparse
import http.client
import io
import ipaddress
import json
import logging
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import httpx
import numpy as np

from medlens.web.timing import parse_server_timing

log = logging.getLogger("medlens.load")


def _loopback_only(url: str) -> None:
    host = urlparse(url).hostname or ""
    addr = socket.gethostbyname(host)
    if not ipaddress.ip_address(addr).is_loopback:
        raise SystemExit(f"refusing to load-test {url}: only loopback servers (127.0.0.1) are allowed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server(
    models_dir: Path, tmp: Path, extra: list[str] | None = None
) -> tuple[str, subprocess.Popen]:
    port = _free_port()
    env = {
        **os.environ,
        "MEDLENS_DATABASE_URL": f"sqlite:///{tmp}/load.db",
        "MEDLENS_DATA_DIR": str(tmp / "var"),
        "MEDLENS_SECRET_KEY": uuid.uuid4().hex,
    }
    exe = str(Path(sys.executable).with_name("medlens"))
    proc = subprocess.Popen(
        [
            exe,
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--models-dir",
            str(models_dir),
            *(extra or []),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if httpx.get(f"{base}/api/v1/tasks", timeout=2).status_code == 200:
                return base, proc
        except httpx.HTTPError:
            time.sleep(0.5)
        if proc.poll() is not None:
            raise SystemExit("server exited during start-up")
    proc.terminate()
    raise SystemExit("server did not start within 120 s")


def _images(path: Path | None, n: int, rng: np.random.Generator) -> list[bytes]:
    """Distinct JPEGs (so content addressing does not dedupe them): a base photo with small random noise."""
    from PIL import Image

    if path is not None:
        base = np.asarray(Image.open(path).convert("RGB"))
    else:
        from skimage import data

        base = data.chelsea()
    out = []
    for _ in range(n):
        noisy = np.clip(base.astype(np.int16) + rng.integers(-3, 4, base.shape), 0, 255).astype(np.uint8)
        buf = io.BytesIO()
        Image.fromarray(noisy).save(buf, format="JPEG", quality=90)
        out.append(buf.getvalue())
    return out


class PredictorBaseline:
    """The Predictor's own time: wall ms of ``Predictor.predict(rgb, cam=True)`` in this process, on the
    decoded upload images, with the bundle the server serves (``None`` when no card for the task).

    Calls alternate between this process's default OpenCV threads and the server's sequential OpenCV
    (:func:`medlens.serving.runtime.configure_serving_threads`); :meth:`median` is the faster of the two
    medians, so the service is compared with the Predictor at its best."""

    SETTINGS = ("opencv_default", "opencv_sequential")

    def __init__(self, models_dir: Path, task: str, images: list[bytes]) -> None:
        import cv2
        from PIL import Image

        from medlens.serving import Predictor

        cards = [
            c for c in sorted(models_dir.glob("*/card.json")) if json.loads(c.read_text()).get("task") == task
        ]
        self.predictor = Predictor.from_card(cards[0]) if cards else None
        if self.predictor is None:
            log.warning("no card for task %s under %s: no in-process Predictor baseline", task, models_dir)
        self.arrays = [np.asarray(Image.open(io.BytesIO(b)).convert("RGB")) for b in images[:20]]
        self.times: dict[str, list[float]] = {name: [] for name in self.SETTINGS}
        self._next = 0
        self._default_threads = cv2.getNumThreads()
        if self.predictor is not None:
            self.predictor.predict(self.arrays[0], cam=True)  # warm-up

    def one(self) -> None:
        """Time one call (the next image in turn, the next OpenCV setting in turn)."""
        import cv2

        if self.predictor is None:
            return
        rgb = self.arrays[self._next % len(self.arrays)]
        setting = self.SETTINGS[self._next % len(self.SETTINGS)]
        self._next += 1
        cv2.setNumThreads(self._default_threads if setting == "opencv_default" else 0)
        try:
            t0 = time.perf_counter()
            self.predictor.predict(rgb, cam=True)
            self.times[setting].append((time.perf_counter() - t0) * 1000)
        finally:
            cv2.setNumThreads(self._default_threads)

    def medians(self) -> dict[str, float]:
        return {name: round(statistics.median(v), 2) for name, v in self.times.items() if v}

    def median(self) -> float | None:
        medians = self.medians()
        return min(medians.values()) if medians else None

    @property
    def calls(self) -> int:
        return sum(len(v) for v in self.times.values())


def _multipart(task: str, data: bytes) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body with the task field and the photo, and its content type."""
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="task"\r\n\r\n{task}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="load.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _drive(
    base: str,
    token: str,
    task: str,
    images: list[bytes],
    concurrency: int,
    max_s: float,
    pause_s: float = 0.0,
    between: Callable[[], None] | None = None,
) -> dict:
    """``concurrency`` threads, each with one keep-alive connection (``http.client``: a lean client, so the
    latency is the server's, not the client library's), post the prepared uploads until none are left.
    ``between`` runs after each request's pause, followed by another pause (one thread only)."""
    url = urlparse(base)
    host = url.hostname or "127.0.0.1"
    bodies = [_multipart(task, im) for im in images]  # built before the clock starts
    lock = threading.Lock()
    todo = iter(bodies)
    latencies: list[float] = []
    model_ms: list[float] = []
    stages: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    stop_at = time.perf_counter() + max_s

    def count(kind: str) -> None:
        with lock:
            errors[kind] = errors.get(kind, 0) + 1

    def worker() -> None:
        conn = http.client.HTTPConnection(host, url.port, timeout=120)
        while True:
            with lock:
                item = next(todo, None)
            if item is None:
                break
            if time.perf_counter() > stop_at:
                count("skipped (time bound)")
                continue
            body, ctype = item
            headers = {"Authorization": f"Bearer {token}", "Content-Type": ctype}
            t0 = time.perf_counter()
            try:
                conn.request("POST", "/api/v1/cases", body=body, headers=headers)
                r = conn.getresponse()
                payload = r.read()
            except (OSError, http.client.HTTPException) as exc:
                count(type(exc).__name__)
                conn.close()
                conn = http.client.HTTPConnection(host, url.port, timeout=120)
                continue
            dt = (time.perf_counter() - t0) * 1000
            if r.status == 201:
                out = json.loads(payload)
                with lock:
                    latencies.append(dt)
                    if out.get("model_ms") is not None:
                        model_ms.append(float(out["model_ms"]))
                    for name, ms in parse_server_timing(r.getheader("server-timing") or "").items():
                        stages.setdefault(name, []).append(ms)
            else:
                count(str(r.status))
            if pause_s:
                time.sleep(pause_s)
            if between is not None:
                between()
                time.sleep(pause_s)
        conn.close()

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    lat = np.asarray(latencies) if latencies else np.asarray([np.nan])
    p50 = float(np.percentile(lat, 50))
    return {
        "requests_ok": len(latencies),
        "errors": errors,
        "concurrency": concurrency,
        "wall_s": round(wall, 2),
        "req_per_s": round(len(latencies) / wall, 2) if wall > 0 else 0.0,
        "p50_ms": round(p50, 1),
        "p99_ms": round(float(np.percentile(lat, 99)), 1),
        "model_ms_p50": round(statistics.median(model_ms), 2) if model_ms else None,
        "server_stages_p50_ms": {k: round(statistics.median(v), 2) for k, v in stages.items()},
        # round trip outside the app: client, loopback TCP, HTTP parsing
        "outside_app_p50_ms": round(p50 - statistics.median(stages["app"]), 2) if "app" in stages else None,
    }


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", help="target an already running loopback server instead of starting one")
    ap.add_argument("--models-dir", type=Path, default=Path(__file__).resolve().parents[1] / "models")
    ap.add_argument("--task", default=None, help="task to screen (default: first task the server offers)")
    ap.add_argument("--image", type=Path, default=None, help="base image (default: scikit-image 'chelsea')")
    ap.add_argument("--concurrency", type=int, default=8)
    ap.add_argument("--requests", type=int, default=100)
    ap.add_argument("--max-seconds", type=float, default=120.0)
    ap.add_argument(
        "--no-access-log", dest="access_log", action="store_false", help="start the server without access log"
    )
    ap.add_argument(
        "--opencv-threads", type=int, default=None, help="start the server with this --opencv-threads"
    )
    ap.add_argument("--workers", type=int, default=None, help="start the server with this many --workers")
    ap.add_argument("--pause-ms", type=float, default=0.0, help="wait after each response (low-load runs)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json-out", type=Path, default=None)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if args.requests > 5000 or args.concurrency > 256:
        raise SystemExit("bounded load only: --requests <= 5000 and --concurrency <= 256")

    proc = None
    with tempfile.TemporaryDirectory(prefix="medlens-load-") as tmp:
        if args.url:
            if args.opencv_threads is not None:
                raise SystemExit("--opencv-threads applies to the server load.py starts, not to one at --url")
            _loopback_only(args.url)
            base = args.url.rstrip("/")
        else:
            extra = [] if args.access_log else ["--no-access-log"]
            if args.opencv_threads is not None:
                extra += ["--opencv-threads", str(args.opencv_threads)]
            if args.workers is not None:
                extra += ["--workers", str(args.workers)]
            base, proc = _start_server(args.models_dir, Path(tmp), extra)
        try:
            tasks = [t["name"] for t in httpx.get(f"{base}/api/v1/tasks").json()]
            task = args.task or (tasks[0] if tasks else None)
            if task is None or task not in tasks:
                raise SystemExit(f"task {task!r} not served; available: {tasks}")
            email, pw = f"load-{uuid.uuid4().hex[:8]}@example.org", uuid.uuid4().hex
            httpx.post(
                f"{base}/api/v1/auth/signup", json={"email": email, "password": pw, "consent": True}
            ).raise_for_status()
            token = httpx.post(f"{base}/api/v1/auth/token", data={"username": email, "password": pw}).json()[
                "access_token"
            ]
            images = _images(args.image, args.requests, np.random.default_rng(args.seed))
            pause = args.pause_ms / 1000
            baseline = PredictorBaseline(args.models_dir, task, images)
            interleave = args.concurrency == 1
            if not interleave:  # up front, paced like the load
                for _ in range(120):
                    time.sleep(pause)
                    baseline.one()
            between = baseline.one if interleave else None
            drive = _drive(base, token, task, images, args.concurrency, args.max_seconds, pause, between)
            predictor_ms = baseline.median()
            result = {"task": task, "pause_ms": args.pause_ms, **drive}
            result["predictor_ms"] = None if predictor_ms is None else round(predictor_ms, 2)
            result["predictor_ms_by_setting"] = baseline.medians()
            result["predictor_calls"] = baseline.calls
            result["p50_over_predictor"] = (
                None if predictor_ms is None else round(result["p50_ms"] / predictor_ms, 2)
            )
        finally:
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=15)
    for k, v in result.items():
        log.info("%-20s %s", k, v)
    if args.json_out:
        args.json_out.write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
