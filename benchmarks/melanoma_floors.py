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

With ``--card MODEL`` the bundle's ``metrics.cross_source`` gets its in-source rows per source (at the
card threshold) and, for each ``--loso "LABEL=DIR=SOURCE"``, the SOURCE rows of another run's
``cross_source_logits.npz`` (the same task trained without SOURCE: leave-one-source-out).
"""

from __future__ import annotations

import argparse
import json
import sys
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


def _row(
    data: str, role: str, y: np.ndarray, p: np.ndarray, thr: float, n_boot: int, source: str
) -> dict[str, Any]:
    """Target-vs-rest AUROC, sensitivity and specificity at ``thr``, and arg-max accuracy, with bootstrap CIs."""
    from medlens.evaluation.source_card import source_row

    pos, neg = y == 1, y == 0
    return source_row(
        data,
        role,
        len(y),
        int(pos.sum()),
        bootstrap_ci(roc_auc, y, p, n_boot=n_boot),
        bootstrap_ci(flag_rate, (p[pos] >= thr).astype(float), n_boot=n_boot),
        bootstrap_ci(flag_rate, (p[neg] < thr).astype(float), n_boot=n_boot),
        source=source,
        accuracy=bootstrap_ci(_acc, y, p, n_boot=n_boot),
    )


SOURCE_NAMES = {"melanoma_10000": "Kaggle melanoma 10000 own photos", "ham10000": "HAM10000"}


def card_rows(test: dict[str, Any], loso: list[str], n_boot: int) -> list[dict[str, Any]]:
    """In-source rows of the bundle per test source, then the leave-one-source-out rows."""
    rows = []
    for src in sorted(set(test["source"].tolist()), key=lambda s: s != "melanoma_10000"):
        m = test["source"] == src
        label = f"{SOURCE_NAMES.get(src, src)} test split (lesion-grouped)"
        rows.append(_row(label, "in-source", test["y"][m], test["p"][m], test["threshold"], n_boot, src))
    for spec in loso:
        label, folder, src = spec.split("=")
        other = _load(Path(folder))
        m = other["source"] == src
        if not m.any():
            raise SystemExit(f"--loso {spec}: no {src!r} rows in {folder}")
        rows.append(
            _row(label, "cross-source", other["y"][m], other["p"][m], other["threshold"], n_boot, src)
        )
    return rows


def kept_cross_source_rows(card: dict[str, Any]) -> list[dict[str, Any]]:
    """The leave-one-source-out rows of a card: they describe other runs, not the bundle, so they stay
    valid when the bundle is replaced (the run folders they were measured from need not exist now)."""
    block = card.get("metrics", {}).get("cross_source") or {}
    rows = [r for r in block.get("rows", []) if r.get("role") == "cross-source"]
    if not rows:
        raise SystemExit("--loso-rows-from: that card has no cross-source rows")
    return rows


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--val", type=Path, required=True)
    ap.add_argument("--test", type=Path, required=True)
    ap.add_argument("--ham-recall", type=float, default=0.9)
    ap.add_argument("--n-boot", type=int, default=1000)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--card", type=Path, default=None, help="bundle whose card gets the rows")
    ap.add_argument("--loso", action="append", default=[], help="LABEL=DIR=SOURCE (repeatable)")
    ap.add_argument(
        "--loso-rows-from",
        type=Path,
        default=None,
        help="card.json whose cross-source rows (measured earlier, e.g. of a bundle being replaced) are kept",
    )
    args = ap.parse_args(argv)
    test = _load(args.test)
    res = floors(_load(args.val), test, args.ham_recall, args.n_boot)
    print(json.dumps(res, indent=1))
    if args.json:
        args.json.write_text(json.dumps(res, indent=1))
    if args.card:
        from medlens.evaluation.source_card import write_source_block

        rows = card_rows(test, args.loso, args.n_boot)
        if args.loso_rows_from:
            rows += kept_cross_source_rows(json.loads(args.loso_rows_from.read_text()))
        cmd = "python benchmarks/melanoma_floors.py " + " ".join(argv if argv is not None else sys.argv[1:])
        card_note = (
            f"floors: Kaggle test accuracy {res['kaggle_accuracy']['value']:.3f}; HAM10000 test melanoma recall "
            f"{res['card']['melanoma_recall']['value']:.3f} and nevi specificity "
            f"{res['card']['nevi_specificity']['value']:.3f} at the card threshold"
        )
        write_source_block(args.card, rows, "reports/generalisation-melanoma/report.md", cmd, card_note)
    return res


if __name__ == "__main__":
    main()
