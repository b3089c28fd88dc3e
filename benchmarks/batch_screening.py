"""Batch screening throughput: one process vs Ray Data actors, against the bare ONNX model time.

    python benchmarks/batch_screening.py --model models/melanoma \
        --folder ../shared/data/melanoma_10000/train --n 5000 --actors 2

Prints images/s for (1) the ONNX model alone on pre-decoded, preprocessed batches (no file I/O,
no decode: the ceiling), (2) ``medlens predict FOLDER --out rows.jsonl`` in one process and (3) the
same with ``--ray`` (Ray Data, ``--actors`` actors with one ONNX Runtime thread each), and the ratio
of each to the model-only figure. Ray start-up is included in (3), as a user would see it. On a
shared machine the figures move with the load: run it on an idle one to quote them. ``--quality`` adds
the capture-quality gate that ``medlens predict`` applies by default (off here, so the figures compare
with earlier runs; run both to see what the gate costs).
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from pathlib import Path

import numpy as np


def model_only_ips(model: Path, files: list[Path], batch_size: int) -> float:
    from medlens.serving import Predictor, read_any_image
    from medlens.serving.preprocessing import normalize, resize_for_model

    predictor = Predictor.from_card(model)
    pp = predictor.card.preprocessing
    images = [read_any_image(f) for f in files[: max(batch_size * 4, 64)]]
    batches = [
        np.stack([normalize(resize_for_model(im, pp)[0], pp) for im in images[i : i + batch_size]])
        for i in range(0, len(images), batch_size)
    ]
    predictor.forward(batches[0])  # warm-up
    t0 = time.perf_counter()
    n = 0
    for b in batches:
        predictor.forward(b)
        n += len(b)
    return n / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=Path("models/melanoma"))
    parser.add_argument("--folder", type=Path, default=Path("../shared/data/melanoma_10000/train"))
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--actors", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--out", type=Path, default=Path("runs/batch_screening"))
    parser.add_argument("--quality", action="store_true", help="apply the capture-quality gate per image")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    from medlens.batch.screen import screen_local, screen_ray, write_rows
    from medlens.serving.images import expand_inputs

    files = sorted(expand_inputs([args.folder], recursive=True))[: args.n]
    if not files:
        raise SystemExit(f"no images under {args.folder}")
    print(f"{len(files)} images from {args.folder}, model {args.model}, batch {args.batch_size}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, quality gate {args.quality}")  # fmt: skip
    ceiling = model_only_ips(args.model, files, args.batch_size)
    print(f"model only (ONNX Runtime, preprocessed batches): {ceiling:8.1f} images/s")
    t0 = time.perf_counter()
    n = write_rows(
        screen_local(files, args.model, args.batch_size, quality=args.quality), args.out / "local.jsonl"
    )
    local = n / (time.perf_counter() - t0)
    print(
        f"one process (decode + predict + write):        {local:8.1f} images/s  ({ceiling / local:.2f}x model time)"
    )
    import ray

    t0 = time.perf_counter()
    try:
        rows = screen_ray(files, args.model, args.batch_size, args.actors, quality=args.quality)
        n = write_rows(rows, args.out / "ray.jsonl")
    finally:
        ray.shutdown()
    on_ray = n / (time.perf_counter() - t0)
    print(
        f"Ray Data, {args.actors} actors (incl. start-up):       {on_ray:8.1f} images/s  ({ceiling / on_ray:.2f}x model time)"
    )
    print(f"Ray / one process: {on_ray / local:.2f}; load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
