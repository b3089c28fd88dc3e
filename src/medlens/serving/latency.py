"""Latency of an ONNX model on this machine, and a short description of the machine (torch-free)."""

from __future__ import annotations

import logging
import os
import platform
import statistics
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)


def median_ms(fn: Callable[[], object], runs: int, warmup: int = 5) -> float:
    """Median wall time in ms of ``fn()`` over ``runs`` calls, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def cpu_session(path: Path | str, threads: int | None = None, inter_op_threads: int | None = None) -> Any:
    """An ONNX Runtime CPU session for timing (``threads`` None: ONNX Runtime's default, as the bundle's
    export and serving use)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    if threads:
        opts.intra_op_num_threads = threads
    if inter_op_threads:
        opts.inter_op_num_threads = inter_op_threads
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def interleaved_latency(
    calls: Mapping[str, Callable[[], object]],
    rounds: int = 7,
    runs: int = 20,
    warmup: int = 3,
    pause_s: float = 0.0,
) -> dict[str, dict[str, float]]:
    """Per key, ``{latency_ms, latency_q1_ms, latency_q3_ms}``: each round times every call ``runs`` times
    (after ``warmup`` untimed calls) and keeps the median; the result is the median of the round medians
    and their quartiles. Every key is timed once per round, so a busy spell on a shared machine hits all
    of them alike instead of whichever model happened to be timed then. ``pause_s`` between rounds spreads
    them over a longer time: on a shared virtual machine speed drifts from minute to minute, which rounds
    taken back to back cannot show in their quartiles."""
    times: dict[str, list[float]] = {k: [] for k in calls}
    for r in range(rounds):
        if r and pause_s > 0:
            time.sleep(pause_s)
        for key, call in calls.items():
            times[key].append(median_ms(call, runs, warmup=warmup))
        log.debug("latency round %d/%d done", r + 1, rounds)
    out = {}
    for key, ts in times.items():
        q1, _, q3 = statistics.quantiles(ts, n=4) if len(ts) > 1 else (ts[0], ts[0], ts[0])
        out[key] = {
            "latency_ms": round(statistics.median(ts), 3),
            "latency_q1_ms": round(q1, 3),
            "latency_q3_ms": round(q3, 3),
        }
    return out


def _busy_ticks() -> tuple[int, int] | None:
    """(busy, total) clock ticks of all CPUs since boot (Linux ``/proc/stat``), else None."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields[:8]) - idle, sum(fields[:8])


def _own_ticks() -> int:
    """CPU clock ticks this process (all its threads) and its waited-for children have used."""
    t = os.times()
    return round((t.user + t.system + t.children_user + t.children_system) * os.sysconf("SC_CLK_TCK"))


class CpuShare:
    """Filled by :func:`others_cpu_share`: the fraction of the machine's CPU time that *other* processes
    used while the block ran (0 = they were idle, 1 = they held every core); None where unknown."""

    value: float | None = None


@contextmanager
def others_cpu_share() -> Iterator[CpuShare]:
    """Measure how busy the rest of the machine was during the block (Linux; None elsewhere).

    Latency measured while another process holds the cores describes that process, not the model; this
    is the check a timing command uses to refuse such a measurement."""
    share = CpuShare()
    start, own0 = _busy_ticks(), _own_ticks()
    yield share
    end, own1 = _busy_ticks(), _own_ticks()
    if start is None or end is None or end[1] <= start[1]:
        return
    others = (end[0] - start[0]) - (own1 - own0)
    share.value = round(min(1.0, max(0.0, others / (end[1] - start[1]))), 3)


def measure_onnx_latency(
    path: Path, input_size: int, runs: int = 100, batch: int = 1, threads: int | None = None
) -> float:
    """Median wall time in ms of one ONNX Runtime call on a (batch, 3, S, S) input (after 5 warm-ups)."""
    sess = cpu_session(path, threads)
    x = np.random.default_rng(0).standard_normal((batch, 3, input_size, input_size)).astype(np.float32)
    return median_ms(lambda: sess.run(["logits"], {"input": x}), runs)


def cpu_name() -> str:
    """The CPU's model name (``/proc/cpuinfo``), else what ``platform`` knows."""
    name = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return name


def hardware_summary() -> str:
    """Short CPU description for latency numbers (model name, cores)."""
    return f"{cpu_name()}, {os.cpu_count()} logical cores, ONNX Runtime CPU"
