"""`medlens retime`: interleaved latency, the busy-machine check, and cards updated in place (only latency)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medlens.card import load_card
from medlens.cli.main import app
from medlens.serving.latency import interleaved_latency, others_cpu_share
from medlens.serving.retime import MachineBusyError, retime_bundles

from .conftest import make_bundle

LATENCY_KEYS = {
    "latency_ms",
    "latency_q1_ms",
    "latency_q3_ms",
    "latency_batch32_ips",
    "latency_hardware",
    "latency_method",
}
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bundles(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = tmp_path_factory.mktemp("retime")
    make_bundle(root / "small", input_size=32, seed=0)
    make_bundle(root / "large", input_size=96, seed=1)
    return [root / "small", root / "large"]


@pytest.fixture
def busy_core() -> Iterator[None]:
    """Another process that keeps one core busy while the test runs."""
    proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    time.sleep(0.3)
    yield
    proc.kill()
    proc.wait()


def test_interleaved_latency_orders_calls_and_reports_the_spread() -> None:
    figures = interleaved_latency(
        {"fast": lambda: time.sleep(0.002), "slow": lambda: time.sleep(0.008)}, rounds=5, runs=4, warmup=1
    )
    for f in figures.values():
        assert f["latency_q1_ms"] <= f["latency_ms"] <= f["latency_q3_ms"]
    assert 2.0 <= figures["fast"]["latency_ms"] < figures["slow"]["latency_ms"]
    assert figures["slow"]["latency_ms"] >= 8.0


def test_pause_spreads_the_rounds_out() -> None:
    t0 = time.perf_counter()
    interleaved_latency({"noop": lambda: None}, rounds=4, runs=3, warmup=0, pause_s=0.05)
    assert time.perf_counter() - t0 >= 0.15  # three pauses between four rounds


def test_cpu_share_counts_other_processes_not_this_one(busy_core: None) -> None:
    with others_cpu_share() as share:
        time.sleep(1.0)
    if share.value is None:
        pytest.skip("this platform has no /proc/stat")
    assert share.value >= 0.5 / (os.cpu_count() or 1) - 0.05  # one busy core of the machine's


def test_cpu_share_leaves_out_this_process_own_work() -> None:
    with others_cpu_share() as idle:  # whatever else the machine runs, as a reference
        time.sleep(0.8)
    with others_cpu_share() as working:
        end = time.perf_counter() + 0.8
        while time.perf_counter() < end:
            pass
    if idle.value is None or working.value is None:
        pytest.skip("this platform has no /proc/stat")
    # the loop holds one core; counted as "others" it would add 1/cpus to the share
    assert working.value - idle.value < 0.5 / (os.cpu_count() or 1)


def test_retime_writes_only_the_latency_fields(bundles: list[Path]) -> None:
    before = {p: json.loads((p / "card.json").read_text()) for p in bundles}
    results, share = retime_bundles(bundles, rounds=3, runs=5, max_others=1.0, write=True, pause_s=0.01)
    assert [r.path for r in results] == bundles
    small, large = results
    assert small.latency_ms < large.latency_ms  # 32 px vs 96 px input, same network
    for r in results:
        raw = json.loads((r.path / "card.json").read_text())
        assert {k: v for k, v in raw.items() if k not in LATENCY_KEYS} == {
            k: v for k, v in before[r.path].items() if k not in LATENCY_KEYS
        }
        assert raw["latency_q1_ms"] <= raw["latency_ms"] == r.latency_ms <= raw["latency_q3_ms"]
        assert raw["latency_batch32_ips"] == r.batch32_ips > 0
        assert raw["latency_method"].startswith("by medlens retime on ")
        assert "3 interleaved rounds 0.01 s apart x 5 calls" in raw["latency_method"]
        assert r.before_ms == before[r.path]["latency_ms"]
        load_card(r.path)  # weights hash and every check still pass
    if share is not None:
        assert f"{share:.0%} of the CPUs" in raw["latency_method"]


def test_retime_refuses_a_busy_machine_and_writes_nothing(bundles: list[Path], busy_core: None) -> None:
    before = {p: (p / "card.json").read_bytes() for p in bundles}
    if not Path("/proc/stat").is_file():
        pytest.skip("this platform has no /proc/stat")
    with pytest.raises(MachineBusyError, match="other processes used"):
        retime_bundles(bundles, rounds=2, runs=3, max_others=0.05, write=True)
    assert {p: (p / "card.json").read_bytes() for p in bundles} == before


def test_cli_retime_prints_and_leaves_cards_without_write(bundles: list[Path]) -> None:
    before = (bundles[0] / "card.json").read_bytes()
    res = CliRunner().invoke(
        app, ["retime", str(bundles[0]), "--rounds", "2", "--runs", "3", "--max-busy", "1"]
    )
    assert res.exit_code == 0, res.output
    assert "small |" in res.output and "cards unchanged" in res.output
    assert (bundles[0] / "card.json").read_bytes() == before


@pytest.mark.parametrize(
    ("target", "message"),
    [("models/covid-death", "retime times image models"), ("models/no-such-model", "no such model card")],
)
def test_cli_retime_names_what_it_cannot_time(target: str, message: str) -> None:
    res = CliRunner().invoke(app, ["retime", str(REPO / target)])
    assert res.exit_code == 2
    assert message in res.output
