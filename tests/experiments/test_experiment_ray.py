"""A tiny synthetic grid through Ray Tune: killed mid-way, resumed, failed trial reported, table written.

Runs ``medlens experiment run`` as a subprocess in its own session on a local Ray (2 CPUs, one trial at
a time), SIGKILLs the whole session as soon as the first trial has its metrics.json, checks that
Ray left no process behind, then runs the same command again: finished trials are not retrained,
the rest are, and a trial that cannot train is reported as failed (exit code 1), not dropped.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import write_experiment

pytest.importorskip("ray")

BROKEN = "\ntrials:\n  - {name: broken, backbone: no_such_timm_model}\n"


def _cmd(config: Path, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-c",
        "from medlens.cli.main import app; app()",
        "experiment",
        "run",
        str(config),
        "--out",
        str(out),
        "--num-cpus",
        "2",
        "--max-concurrent",
        "1",
        *extra,
    ]


def _session_processes(sid: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            pids.append(int(stat.parent.name))
    return pids


@pytest.mark.slow
def test_grid_on_ray_tune_survives_a_kill_and_reports_failures(tiny_folder: Path, tmp_path: Path) -> None:
    config = write_experiment(tmp_path / "tiny.yaml", tiny_folder)
    config.write_text(
        config.read_text().replace("  sampler: [none, weighted]\n", "  sampler: [none]\n") + BROKEN
    )
    out = tmp_path / "exp"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "HF_HUB_OFFLINE": "1", "MPLBACKEND": "Agg"}
    log = (tmp_path / "first.log").open("w")
    proc = subprocess.Popen(
        _cmd(config, out, "--no-report"),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    try:
        while not list(out.glob("trials/*/metrics.json")):
            assert proc.poll() is None, (tmp_path / "first.log").read_text()[-3000:]
            assert time.monotonic() < deadline, "no trial finished within 300 s"
            time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    for _ in range(50):  # Ray's own processes share the session: none may outlive the kill
        if not _session_processes(proc.pid):
            break
        time.sleep(0.2)
    assert not _session_processes(proc.pid)
    finished = {p.parent.name: p.stat().st_mtime_ns for p in out.glob("trials/*/metrics.json")}
    assert 1 <= len(finished) < 2, f"the kill came too late: {sorted(finished)}"

    second = subprocess.run(_cmd(config, out), env=env, capture_output=True, text=True, timeout=600)
    assert second.returncode == 1, second.stdout[-3000:] + second.stderr[-3000:]
    assert "FAILED broken" in second.stderr
    for name, mtime in finished.items():  # not retrained
        assert (out / "trials" / name / "metrics.json").stat().st_mtime_ns == mtime
    assert {p.parent.name for p in out.glob("trials/*/metrics.json")} == {"none+none", "flip+none"}
    status = json.loads((out / "experiment.json").read_text())
    assert sorted(status["last_invocation"]["skipped"]) == sorted(finished)
    (second_run,) = status["invocations"]  # the killed first run wrote nothing; a report-only run adds none
    assert second_run["done"] == ["flip+none"] and list(second_run["failed"]) == ["broken"]
    assert second_run["started"] and second_run["wall_s"] > 0
    assert status["trials"]["broken"]["state"] == "failed"
    assert "no_such_timm_model" in status["trials"]["broken"]["error"]
    # both trials run one architecture: timed once for both, interleaved rounds, cached per experiment
    timed = json.loads((out / "latency.json").read_text())
    assert list(timed) == ["mobilenetv3_small_050@32/2"]
    (arch,) = timed.values()
    assert arch["threads"] == 1 and arch["latency_q1_ms"] <= arch["latency_ms"] <= arch["latency_q3_ms"]
    lat = {r["trial"]: r["latency_ms"] for r in csv.DictReader((out / "results.csv").open())}
    assert lat["none+none"] == lat["flip+none"] == str(arch["latency_ms"]) and lat["broken"] == ""
    assert "`mobilenetv3_small_050@32/2`" in (out / "report.md").read_text()
    timed_at = (out / "latency.json").stat().st_mtime_ns
    third = subprocess.run(_cmd(config, out), env=env, capture_output=True, text=True, timeout=600)
    assert third.returncode == 1  # broken is retried and fails again: a second invocation that trained
    assert len(json.loads((out / "experiment.json").read_text())["invocations"]) == 2
    assert (out / "latency.json").stat().st_mtime_ns == timed_at  # known architectures are not re-timed
    assert "Invocations that trained trials" in (out / "report.md").read_text()
    results = (out / "results.md").read_text()
    assert "| broken | failed:" in results
    assert "| none+none (ref) | done |" in results and "| flip+none | done |" in results
    assert (out / "bars_accuracy.png").stat().st_size > 1000
    assert not (out / "pareto_latency.png").exists()  # one architecture: one latency, no trade-off to plot
    assert "<table>" in (out / "report.html").read_text()
