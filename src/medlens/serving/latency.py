"""Latency of an ONNX model on this machine, and a short description of the machine (torch-free)."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np


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


def measure_onnx_latency(
    path: Path, input_size: int, runs: int = 100, batch: int = 1, threads: int | None = None
) -> float:
    """Median wall time in ms of one ONNX Runtime call on a (batch, 3, S, S) input (after 5 warm-ups)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    if threads:
        opts.intra_op_num_threads = threads
    sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
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
