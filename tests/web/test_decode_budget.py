"""Issue 11, finding 2: concurrent decodes are bounded by a memory budget (a semaphore weighted by each
image's pixel count). Peak-memory figures: benchmarks/decode_memory.py."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from medlens.web.errors import AppError
from medlens.web.services import images
from medlens.web.services.decode_budget import BYTES_PER_PIXEL, DecodeBudget, auto_budget_mb, estimated_cost

from .conftest import photo_bytes, upload


def test_cost_comes_from_the_header_not_the_file_size():
    data = photo_bytes("PNG", size=(400, 300))
    assert estimated_cost(data) == 400 * 300 * BYTES_PER_PIXEL
    assert 64 <= auto_budget_mb() <= 384


def test_budget_bounds_concurrency_and_times_out():
    budget = DecodeBudget(100, wait_s=10)
    inside, peak = [0], [0]
    lock = threading.Lock()

    def work(cost: int) -> None:
        with budget.hold(cost):
            with lock:
                inside[0] += 1
                peak[0] = max(peak[0], inside[0])
            time.sleep(0.02)
            with lock:
                inside[0] -= 1

    with ThreadPoolExecutor(6) as pool:
        list(pool.map(work, [60] * 6))  # two never fit together
    assert peak[0] == 1 and budget.in_use == 0
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(work, [25] * 12))
    assert peak[0] == 4
    with ThreadPoolExecutor(2) as pool:  # bigger than the whole budget: runs alone, still runs
        list(pool.map(work, [10_000, 10_000]))
    budget.wait_s = 0.1
    with budget.hold(100), pytest.raises(AppError) as err, budget.hold(1):
        pass
    assert err.value.status == 503


def test_uploads_decode_within_the_budget(client, make_account, monkeypatch):
    """Through the app: with room for one image at a time, concurrent uploads decode one by one
    (before the budget, all of them decoded at once)."""
    pat = make_account()
    data = photo_bytes("PNG", size=(320, 240))
    state = client.app.state.medlens
    state.decode_budget = DecodeBudget(int(estimated_cost(data) * 1.5))
    inside, peak = [0], [0]
    lock = threading.Lock()
    real = images.decode_upload

    def slow_decode(*args, **kwargs):  # type: ignore[no-untyped-def]
        with lock:
            inside[0] += 1
            peak[0] = max(peak[0], inside[0])
        time.sleep(0.15)
        try:
            return real(*args, **kwargs)
        finally:
            with lock:
                inside[0] -= 1

    monkeypatch.setattr("medlens.web.services.cases.decode_upload", slow_decode)
    with ThreadPoolExecutor(4) as pool:
        codes = list(
            pool.map(
                lambda _: upload(client, pat, data, filename="p.png", ctype="image/png").status_code, range(4)
            )
        )
    assert codes == [201] * 4
    assert peak[0] == 1 and state.decode_budget.in_use == 0
