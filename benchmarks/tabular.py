"""Speed of the COVID tabular pipeline on the full file (1,048,575 rows), 2 threads.

    nice -n 10 .venv/bin/python benchmarks/tabular.py [--models lr,hgb,lgbm,rf] [--n-jobs 2]

Prints load time, then fit and scoring time per model (target death among all patients, all
allowed features, every row used for fitting and for scoring, except RandomForest which is fitted
on a 200k-row subsample), with ratios against the targets: LightGBM fit <= 60 s, scoring >= 1M rows/s.
Tree models score each distinct encoded row once (exact; see CovidRiskClassifier.predict_proba).
Timings are wall-clock on a machine whose 2 cores are shared with other jobs.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

FIT_TARGET_S = 60.0
SCORE_TARGET_RPS = 1_000_000.0
RF_ROWS = 200_000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", default="lr,hgb,lgbm,rf")
    ap.add_argument("--n-jobs", type=int, default=2)
    ap.add_argument("--data", type=Path, default=None)
    ap.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    args = ap.parse_args()

    from medlens.tabular.estimators import CovidRiskClassifier
    from medlens.tabular.io import load_covid
    from medlens.tabular.targets import get_target

    t0 = time.perf_counter()
    data = load_covid(args.data)
    load_s = time.perf_counter() - t0
    print(f"load + validate + preprocess: {load_s:.2f} s for {len(data.raw):,} rows ({data.source})")
    t = get_target("death-all")
    X = data.clean[t.features("all")]
    y = data.clean[t.label].to_numpy()
    out = {"load_s": load_s, "rows": len(y), "n_jobs": args.n_jobs, "models": {}}
    print(f"{'model':6s} {'fit rows':>10s} {'fit s':>8s} {'score rows/s':>14s}  ratios vs target")
    for m in args.models.split(","):
        sub = RF_ROWS if m == "rf" else None
        clf = CovidRiskClassifier(t.features("all"), m, "none", sub, 0, args.n_jobs)
        t0 = time.perf_counter()
        clf.fit(X, y)
        fit_s = time.perf_counter() - t0
        clf.decision_score(X.iloc[:1000])  # warm-up
        t0 = time.perf_counter()
        clf.decision_score(X)
        rps = len(y) / (time.perf_counter() - t0)
        ratios = f"score {rps / SCORE_TARGET_RPS:.2f}x of 1M rows/s"
        if m == "lgbm":
            ratios = f"fit {FIT_TARGET_S / fit_s:.2f}x faster than 60 s target, " + ratios
        print(f"{m:6s} {clf.n_train_rows_:>10,} {fit_s:>8.1f} {rps:>14,.0f}  {ratios}")
        out["models"][m] = {"fit_rows": clf.n_train_rows_, "fit_s": fit_s, "score_rows_per_s": rps}
    from medlens.config import PROJECT_ROOT
    from medlens.tabular.risk import RiskModel

    mdir = PROJECT_ROOT / "models" / "covid-death"
    if (mdir / "card.json").exists():
        t0 = time.perf_counter()
        rm = RiskModel.load(mdir)
        load_ms = 1000 * (time.perf_counter() - t0)
        rm.predict_one({"AGE": 60, "SEX": "male"})
        n = 200
        t0 = time.perf_counter()
        for i in range(n):
            rm.predict_one({"AGE": 20 + i % 60, "SEX": "female", "PNEUMONIA": "yes", "DIABETES": "no"})
        one_ms = 1000 * (time.perf_counter() - t0) / n
        print(f"RiskModel.load {load_ms:.0f} ms; predict_one (with top factors) {one_ms:.2f} ms")
        out["risk_model"] = {"load_ms": load_ms, "predict_one_ms": one_ms}
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
