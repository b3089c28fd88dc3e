"""Size and speed of a trial's model: params, MACs, ONNX file size and ONNX Runtime latency.

Measured once per run folder (sequentially, after training, so trials running at the same time do
not disturb the timing) and cached in ``<run>/profile.json``.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["trial_profile"]


def trial_profile(run_dir: Path, latency_runs: int = 30) -> dict[str, Any]:
    """``{params, macs, onnx_mb, latency_ms}`` of ``run_dir/best.pt`` (cached in profile.json)."""
    run_dir = Path(run_dir)
    cache = run_dir / "profile.json"
    if cache.is_file():
        return json.loads(cache.read_text())
    from medlens.export.onnx import export_onnx
    from medlens.export.profile import count_params_macs
    from medlens.models import load_checkpoint
    from medlens.serving.latency import hardware_summary, measure_onnx_latency
    from medlens.training.config import TrainConfig

    config = TrainConfig.load(run_dir / "config.json")
    size = int(config.resolved("input_size"))
    model, _ = load_checkpoint(run_dir / "best.pt")
    params, macs = count_params_macs(model, size)
    with tempfile.TemporaryDirectory() as tmp:
        path = export_onnx(model, Path(tmp) / "model.onnx", size)
        onnx_mb = path.stat().st_size / 1e6
        latency = measure_onnx_latency(path, size, runs=latency_runs)
    out = {
        "params": params,
        "macs": macs,
        "onnx_mb": round(onnx_mb, 3),
        "latency_ms": round(float(latency), 3),
        "latency_runs": latency_runs,
        "latency_hardware": hardware_summary(),
    }
    cache.write_text(json.dumps(out, indent=1))
    return out
