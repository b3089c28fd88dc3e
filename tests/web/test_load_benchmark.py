"""Smoke run of benchmarks/load.py: a few concurrent uploads against a real loopback server."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.mark.slow
def test_load_benchmark_runs(models_dir: Path, tmp_path: Path, load_benchmark):
    load = load_benchmark("load")
    out = tmp_path / "load.json"
    result = load.main(
        [
            "--models-dir",
            str(models_dir),
            "--task",
            "melanoma",
            "--concurrency",
            "2",
            "--requests",
            "6",
            "--max-seconds",
            "120",
            "--json-out",
            str(out),
        ]
    )
    assert result["requests_ok"] == 6 and result["errors"] == {}
    assert result["p99_ms"] >= result["p50_ms"] > 0
    assert result["p50_over_predictor"] > 1  # HTTP round trip costs more than the model alone
    assert result["predictor_ms"] > 0 and result["server_stages_p50_ms"]["model"] > 0
    by_setting = result["predictor_ms_by_setting"]  # both OpenCV settings timed, the faster one counts
    assert set(by_setting) == {"opencv_default", "opencv_sequential"}
    assert result["predictor_ms"] == min(by_setting.values())
    assert out.exists()


def test_load_benchmark_refuses_remote_targets(load_benchmark):
    load = load_benchmark("load")
    with pytest.raises(SystemExit, match="only loopback"):
        load._loopback_only("http://8.8.8.8:8000")
    load._loopback_only("http://127.0.0.1:8000")
