"""Build models/skin-lesion-5 (seed 000's five classes) from the HAM10000 7-class bundle and evaluate it.

The five-class model is the 7-class HAM10000 model (models/skin-lesion, lesion-grouped split, seed 0)
with its calibrated probabilities summed per group (``medlens.export.merge_classes``; mapping in
``medlens.data.adapters.merged_classes.HAM5_MAP``). It is scored on the *same* lesion-grouped test
split the 7-class model never saw (checked by the split fingerprint), with bootstrap 95 % CIs.

    PYTHONPATH=src python scripts/build_skin_lesion_5.py ../shared/data/ham10000_lowres \
        --src models/skin-lesion --out models/skin-lesion-5 --report reports/skin-lesion-5-ham10000
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import numpy as np

from medlens.card import ModelCard
from medlens.data.adapters.merged_classes import HAM5_CLASSES, HAM5_MAP
from medlens.data.imageio import read_image_rgb as read_image
from medlens.data.registry import create_dataset
from medlens.data.splits import make_split
from medlens.evaluation.bootstrap import bootstrap_ci, summary_with_ci
from medlens.evaluation.metrics import balanced_accuracy
from medlens.evaluation.per_class import per_class_recall_ci
from medlens.export.merge_classes import merge_bundle
from medlens.serving import Predictor
from medlens.serving.conformal import fit_block

log = logging.getLogger("build_skin_lesion_5")
SEED000 = "accuracy ~0.95 on a 9:1 random image split (leaky: photos of one lesion on both sides); no balanced accuracy or per-class recall published"


def _probs(pred: Predictor, sources: list[str]) -> np.ndarray:
    out = []
    for i in range(0, len(sources), 64):
        batch = [read_image(s) for s in sources[i : i + 64]]
        out.extend([[p.probabilities[c] for c in HAM5_CLASSES] for p in pred.predict_batch(batch)])
    return np.asarray(out, dtype=np.float64)


def _energy(pred: Predictor, sources: list[str]) -> np.ndarray:
    out = []
    for i in range(0, len(sources), 64):
        batch = [read_image(s) for s in sources[i : i + 64]]
        out.extend(p.energy for p in pred.predict_batch(batch))
    return np.asarray(out, dtype=np.float64)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("data_root", type=Path)
    ap.add_argument("--src", type=Path, default=Path("models/skin-lesion"))
    ap.add_argument("--out", type=Path, default=Path("models/skin-lesion-5"))
    ap.add_argument("--report", type=Path, default=Path("reports/skin-lesion-5-ham10000"))
    ap.add_argument("--n-boot", type=int, default=1000)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    src_card = json.loads((args.src / "card.json").read_text())
    ham7 = create_dataset("ham10000", args.data_root)
    manifest = make_split(ham7, (0.7, 0.15, 0.15), seed=0)
    if manifest.fingerprint != src_card["data"]["fingerprint"]:
        raise SystemExit(
            f"split fingerprint {manifest.fingerprint[:16]} != the source card's: not the same split"
        )
    ham5 = create_dataset("ham10000-5", args.data_root)
    card = merge_bundle(args.src, args.out, "skin-lesion-5", HAM5_CLASSES, HAM5_MAP, name="skin-lesion-5")
    pred = Predictor.from_card(args.out)
    split = {k: list(v) for k, v in manifest.splits.items()}
    y = {k: ham5.labels()[idx] for k, idx in split.items()}
    src = {k: [ham5.samples[i].source for i in idx] for k, idx in split.items()}
    ood_threshold = float(np.percentile(_energy(pred, src["val"]), 99))
    p_test = _probs(pred, src["test"])
    t = HAM5_CLASSES.index("melanoma")
    thr = card["thresholds"].get("threshold")
    test = summary_with_ci(y["test"], p_test, list(HAM5_CLASSES), target=t, threshold=thr, n_boot=args.n_boot)
    bacc = bootstrap_ci(lambda a, p: balanced_accuracy(a, p.argmax(1)), y["test"], p_test, n_boot=args.n_boot)
    test["balanced_accuracy"] = {"value": bacc[0], "ci_low": bacc[1], "ci_high": bacc[2]}
    per_class = per_class_recall_ci(y["test"], p_test.argmax(1), HAM5_CLASSES, n_boot=args.n_boot)
    # the merged bcc class, broken down by HAM10000 dx (bcc vs akiec)
    dx = np.array([ham5.samples[i].meta.extra["source_class"] for i in split["test"]])
    pred5 = p_test.argmax(1)
    by_dx = {
        d: {
            "n": int((dx == d).sum()),
            "called": {c: int(((dx == d) & (pred5 == k)).sum()) for k, c in enumerate(HAM5_CLASSES)},
        }
        for d in sorted(set(dx))
    }
    metrics = {
        "source": f"merged ONNX bundle {args.out} on the lesion-grouped HAM10000 test split (served TTA {card['tta']})",
        "test": test,
        "per_class_recall": per_class,
        "test_by_ham_dx": by_dx,
        "split_fingerprint": manifest.fingerprint,
        "n": {k: len(v) for k, v in split.items()},
        "seed000": SEED000,
    }
    test["n_test"] = len(split["test"])
    card["metrics"] = {"source": metrics["source"], "test": test, "per_class_recall": per_class}
    card["export_command"] = (
        f"{src_card['export_command']} && PYTHONPATH=src python scripts/build_skin_lesion_5.py "
        f"{args.data_root} --src {args.src} --out {args.out} --report {args.report}"
    )
    card["ood"] = {"method": "energy", "threshold": ood_threshold, "val_quantile": 0.99}
    # conformal sets for the five classes, fitted on the same lesion-grouped val split, measured on test
    card["conformal"] = fit_block(
        _probs(pred, src["val"]),
        y["val"],
        list(HAM5_CLASSES),
        "melanoma",
        test=(p_test, y["test"]),
        calibration="val split of ham10000 (grouped, seed 0; labels merged to 5 classes)",
        command=card["export_command"],
    ).model_dump(mode="json")
    card["data"] = {
        **card["data"],
        "dataset": "ham10000_lowres (ham10000-5: HAM10000 dx merged to 5 classes)",
    }
    card["limitations"] = [
        "Five classes mapped from HAM10000 dx: mel -> melanoma, nv -> nevus, bcc + akiec -> bcc "
        "('basal cell carcinoma or other keratinocyte (pre)cancer'), bkl -> seborrheic keratosis, "
        "df + vasc -> other benign. Probabilities are the 7-class model's, summed per group.",
        *card["limitations"],
    ]
    (args.out / "card.json").write_text(json.dumps(card, indent=1, ensure_ascii=False))
    ModelCard.load(args.out)  # hashes and schema check
    args.report.mkdir(parents=True, exist_ok=True)
    (args.report / "metrics.json").write_text(json.dumps(metrics, indent=1))
    log.info("balanced accuracy %.3f (%.3f-%.3f)", *bacc)


if __name__ == "__main__":
    main()
