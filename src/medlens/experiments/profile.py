"""Size and speed of a trial's model: params, MACs, ONNX file size, and ONNX Runtime latency.

Params, MACs and the ONNX size are a property of each trial's model (cached in ``<run>/profile.json``).
Latency is a property of the *architecture* (backbone, input size, number of classes): trials that
share one run the same graph, so timing each of them separately only measures the machine's noise
(the first tables showed 0.9-2.5 ms for one architecture). :func:`architecture_latencies` therefore
times one exported model per architecture, single-threaded, in interleaved rounds (every architecture
once per round, so a busy spell on a shared machine hits all of them alike) and reports the median
with the spread between rounds; it is cached per experiment in ``latency.json``.
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import Any

__all__ = ["architecture_key", "architecture_latencies", "trial_profile"]

log = logging.getLogger(__name__)

LATENCY_KEYS = ("latency_ms", "latency_runs", "latency_hardware")  # written by older profile.json files


def trial_profile(run_dir: Path) -> dict[str, Any]:
    """``{params, macs, onnx_mb}`` of ``run_dir/best.pt`` (cached in profile.json)."""
    run_dir = Path(run_dir)
    cache = run_dir / "profile.json"
    if cache.is_file():
        cached = json.loads(cache.read_text())
        return {k: v for k, v in cached.items() if k not in LATENCY_KEYS}
    from medlens.export.onnx import export_onnx
    from medlens.export.profile import count_params_macs
    from medlens.models import load_checkpoint

    size = _input_size(run_dir)
    model, _ = load_checkpoint(run_dir / "best.pt")
    params, macs = count_params_macs(model, size)
    with tempfile.TemporaryDirectory() as tmp:
        onnx_mb = export_onnx(model, Path(tmp) / "model.onnx", size).stat().st_size / 1e6
    out = {"params": params, "macs": macs, "onnx_mb": round(onnx_mb, 3)}
    cache.write_text(json.dumps(out, indent=1))
    return out


def _input_size(run_dir: Path) -> int:
    from medlens.training.config import TrainConfig

    return int(TrainConfig.load(run_dir / "config.json").resolved("input_size"))


def architecture_key(run_dir: Path) -> str:
    """``backbone@size/classes`` of a finished run: trials with the same key run the same ONNX graph."""
    import numpy as np

    from medlens.training.config import TrainConfig

    config = TrainConfig.load(Path(run_dir) / "config.json")
    n = int(np.load(Path(run_dir) / "test_logits.npy", mmap_mode="r").shape[1])  # the model's classes
    return f"{config.resolved('backbone')}@{int(config.resolved('input_size'))}/{n}"


def architecture_latencies(
    run_dirs: Iterable[Path], cache: Path | None = None, rounds: int = 7, runs: int = 20, threads: int = 1
) -> dict[Path, dict[str, Any]]:
    """Each finished run's architecture latency: ``{run_dir: {latency_ms, latency_q1_ms, latency_q3_ms,
    rounds, runs, threads, hardware, architecture, trials}}`` (``trials``: the runs sharing it).

    One run per :func:`architecture_key` is exported to ONNX; each round times every architecture for
    ``runs`` calls (batch 1, after warm-ups) and keeps the median; ``latency_ms`` is the median of the
    round medians and q1/q3 their quartiles. Keys already in ``cache`` (measured on the same hardware
    with the same settings) are not measured again; new ones are added to it.
    """
    import numpy as np

    from medlens.export.onnx import export_onnx
    from medlens.models import load_checkpoint
    from medlens.serving.latency import cpu_session, hardware_summary, interleaved_latency

    groups: dict[str, list[Path]] = {}
    for run_dir in run_dirs:
        groups.setdefault(architecture_key(run_dir), []).append(Path(run_dir))
    settings = {"rounds": rounds, "runs": runs, "threads": threads, "hardware": hardware_summary()}
    known: dict[str, dict[str, Any]] = json.loads(cache.read_text()) if cache and cache.is_file() else {}
    known = {k: v for k, v in known.items() if all(v.get(s) == settings[s] for s in settings)}
    todo = sorted(k for k in groups if k not in known)
    if todo:
        log.info(
            "timing %d architecture(s) (%d rounds x %d runs, %d thread)", len(todo), rounds, runs, threads
        )
        sessions: dict[str, Any] = {}
        inputs: dict[str, Any] = {}
        with tempfile.TemporaryDirectory() as tmp:
            for i, key in enumerate(todo):
                run_dir = groups[key][0]
                size = _input_size(run_dir)
                model, _ = load_checkpoint(run_dir / "best.pt")
                path = export_onnx(model, Path(tmp) / f"model{i}.onnx", size)
                sessions[key] = cpu_session(path, threads, inter_op_threads=1)
                inputs[key] = np.random.default_rng(0).standard_normal((1, 3, size, size)).astype(np.float32)
            calls = {k: partial(sess.run, ["logits"], {"input": inputs[k]}) for k, sess in sessions.items()}
            timed = interleaved_latency(calls, rounds, runs)
        for key, figures in timed.items():
            known[key] = {**figures, **settings}
        if cache is not None:
            cache.write_text(json.dumps(known, indent=1, sort_keys=True))
    return {
        run_dir: {**known[k], "architecture": k, "trials": len(members)}
        for k, members in groups.items()
        for run_dir in members
    }
