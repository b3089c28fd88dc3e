"""Smoke run of benchmarks/upload_path.py (tiny counts): it runs and reports every figure it promises."""

from __future__ import annotations

from pathlib import Path

import pytest

from medlens.config import PROJECT_ROOT


@pytest.mark.slow
def test_upload_path_benchmark_runs(load_benchmark):
    bench = load_benchmark("upload_path")
    models = Path(PROJECT_ROOT) / "models"
    result = bench.main(["--models-dir", str(models), "--n", "3", "--uploads", "4", "--pause-ms", "5"])
    assert result["write"]["orm_ms"] > 0 and result["write"]["core_ms"] > 0
    assert {"after_gate_default_ms", "after_gate_sequential_ms", "alone_default_ms"} <= set(result["opencv"])
    assert result["gc_plain"]["frozen_objects"] == 0
    assert result["gc_frozen"]["frozen_objects"] > 10_000  # the start-up heap left the collector
