"""Speed of the bootstrap CIs every report and card carries: ``summary_with_ci`` on N predictions of C classes.

Prints the wall time of one call (median of ``--repeats``) and its ratio to the target. Target: a 10,000-image,
7-class test split with 1,000 resamples in under 15 s on one core of this machine (measured ~2 s when idle),
so a report's intervals never dominate an evaluation. This was a timed unit test until stop 40; timings belong
here, where a loaded machine shows up as a number, not as a failed test.

    .venv/bin/python benchmarks/bootstrap_speed.py
    .venv/bin/python benchmarks/bootstrap_speed.py --n 2651 --classes 2 --n-boot 2000
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import time

import numpy as np

from medlens.evaluation.bootstrap import summary_with_ci

log = logging.getLogger("bootstrap_speed")


def synthetic_case(n: int, classes: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Labels and softmax probabilities of a moderately good classifier."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, n)
    z = rng.normal(size=(n, classes))
    z[np.arange(n), y] += 1.2
    p = np.exp(z)
    return y, p / p.sum(1, keepdims=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--classes", type=int, default=7)
    ap.add_argument("--n-boot", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--target-s", type=float, default=15.0)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    y, p = synthetic_case(args.n, args.classes)
    names = [f"c{i}" for i in range(args.classes)]
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        summary_with_ci(y, p, names, target=names[-1], n_boot=args.n_boot, seed=0)
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    log.info(
        "summary_with_ci: n=%d, %d classes, %d resamples: median %.2f s over %d calls (%s); "
        "target %.0f s, ratio %.2f; load average %.2f",
        args.n, args.classes, args.n_boot, med, args.repeats, ", ".join(f"{t:.2f}" for t in times),
        args.target_s, med / args.target_s, os.getloadavg()[0],
    )  # fmt: skip


if __name__ == "__main__":
    main()
