"""Issue 12's floors for the multi-source melanoma bundle, from ``medlens cross-source`` outputs.

Floors: accuracy >= 0.93 on the Kaggle test part (the folder's own photos), and specificity >= 0.80 on
HAM10000 test nevi at a threshold with melanoma recall >= 0.85. Reads ``cross_source_logits.npz`` of a
validation run and a test run of the same bundle (``medlens cross-source --split val|test --out DIR``)
and reports, with 95 % bootstrap CIs:

* Kaggle test accuracy (calibrated P(malignant) >= 0.5, i.e. arg-max) and AUROC;
* HAM10000 test melanoma recall and nevi specificity at the card's threshold (chosen on the pooled
  validation split for recall >= 0.9), and at a HAM10000 threshold chosen on HAM10000 *validation*
  lesions for melanoma recall >= ``--ham-recall`` (never on test).

    python benchmarks/melanoma_floors.py --val runs/xs/multi-96-val --test runs/xs/multi-96-test
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from medlens.evaluation.bootstrap import bootstrap_ci, ci_dict
from medlens.evaluation.cross_source import flag_rate
from medlens.evaluation.metrics import roc_auc
from medlens.evaluation.operating import threshold_for_recall
from medlens.serving.predictor import softmax


def _load(folder: Path) -> dict[str, Any]:
    z = np.load(folder / "cross_source_logits.npz", allow_pickle=True)
    p = softmax(z["logits"], float(z["temperature"]))[:, 1]
    return {
        "p": p,
        "y": z["labels"].astype(np.int64),
        "source": z["sources"].astype(str),
        "orig": z["original"].astype(str),
        "threshold": float(z["threshold"]),
    }


def _acc(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.mean((p >= 0.5) == (y == 1)))


def floors(val: dict[str, Any], test: dict[str, Any], ham_recall: float = 0.9, n_boot: int = 1000) -> dict:
    kag = test["source"] == "melanoma_10000"
    ham = test["source"] == "ham10000"
    out: dict[str, Any] = {"n_kaggle_test": int(kag.sum()), "n_ham_test": int(ham.sum())}
    out["kaggle_accuracy"] = ci_dict(bootstrap_ci(_acc, test["y"][kag], test["p"][kag], n_boot=n_boot))
    out["kaggle_auroc"] = ci_dict(bootstrap_ci(roc_auc, test["y"][kag], test["p"][kag], n_boot=n_boot))
    vh = val["source"] == "ham10000"
    thr_ham = float(threshold_for_recall(val["y"][vh], val["p"][vh], ham_recall).threshold)
    for name, thr in (("card", test["threshold"]), (f"ham-val recall {ham_recall}", thr_ham)):
        mel = ham & (test["y"] == 1)
        nv = ham & (test["orig"] == "nv")
        out[name] = {
            "threshold": thr,
            "melanoma_recall": ci_dict(
                bootstrap_ci(flag_rate, (test["p"][mel] >= thr).astype(float), n_boot=n_boot)
            ),
            "nevi_specificity": ci_dict(
                bootstrap_ci(flag_rate, (test["p"][nv] < thr).astype(float), n_boot=n_boot)
            ),
            "n_melanoma": int(mel.sum()),
            "n_nevi": int(nv.sum()),
        }
        out[name]["floor_met"] = (
            out[name]["melanoma_recall"]["value"] >= 0.85 and out[name]["nevi_specificity"]["value"] >= 0.80
        )
    out["kaggle_floor_met"] = out["kaggle_accuracy"]["value"] >= 0.93
    return out


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--val", type=Path, required=True)
    ap.add_argument("--test", type=Path, required=True)
    ap.add_argument("--ham-recall", type=float, default=0.9)
    ap.add_argument("--n-boot", type=int, default=1000)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    res = floors(_load(args.val), _load(args.test), args.ham_recall, args.n_boot)
    print(json.dumps(res, indent=1))
    if args.json:
        args.json.write_text(json.dumps(res, indent=1))
    return res


if __name__ == "__main__":
    main()
