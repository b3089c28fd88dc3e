"""A melanoma bundle on HAM10000 (another clinic's dermoscopy), run exactly as served.

Reproduces issue 12's measurement (note: the Kaggle folder holds copies of all 1,113 HAM10000
melanomas, so for a model trained on that folder most of them are training photos; ``--clean`` keeps
only the melanomas whose copies are in its test split): every HAM10000 melanoma, ``--n-nv`` nevi and ``--n-bkl`` benign
keratoses drawn with a fixed seed, through the torch-free ``Predictor`` (the card's preprocessing,
test-time flips and temperature). Prints, per class, the share called *benign* both by the arg-max
label (what ``medlens predict --json`` shows as ``label``) and at the card's operating threshold
(what the service's risk band uses), melanoma recall, and AUROC melanoma vs nevus / vs keratosis with
95% bootstrap intervals.

    python benchmarks/cross_source_melanoma.py --model models/melanoma
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import numpy as np

from medlens.config import default_data_root
from medlens.data import create_dataset
from medlens.evaluation.bootstrap import bootstrap_ci
from medlens.evaluation.cross_source import flag_rate
from medlens.evaluation.metrics import roc_auc
from medlens.serving import Predictor
from medlens.serving.predictor import softmax

log = logging.getLogger("medlens.cross_source_melanoma")


def pick(dx: np.ndarray, n_nv: int, n_bkl: int, seed: int) -> np.ndarray:
    """Indices: all ``mel`` plus ``n_nv`` ``nv`` and ``n_bkl`` ``bkl`` drawn without replacement."""
    rng = np.random.default_rng(seed)
    out = [np.flatnonzero(dx == "mel")]
    for cls, n in (("nv", n_nv), ("bkl", n_bkl)):
        pool = np.flatnonzero(dx == cls)
        out.append(np.sort(rng.choice(pool, size=min(n, pool.size), replace=False)))
    return np.concatenate(out)


def clean(args: argparse.Namespace) -> dict:
    """A model trained on the whole Kaggle folder, on HAM10000 photos it never saw: the melanomas whose
    Kaggle copies sit in its test split, against the benign photos of HAM10000's test lesions."""
    from medlens.data.adapters.melanoma_sources import unseen_ham_photos
    from medlens.data.sources import original_classes
    from medlens.serving.source_check import bundle_logits

    ham, idx, n_mel = unseen_ham_photos(args.data_root, args.seed)
    orig = original_classes(ham)
    mel, benign = idx[:n_mel], idx[n_mel:]
    predictor = Predictor.from_card(args.model, threads=args.threads)
    card = predictor.card
    p = softmax(bundle_logits(predictor, ham, idx), card.temperature)[:, card.classes.index("malignant")]
    y = np.array([1] * len(mel) + [0] * len(benign))
    o = orig[idx]
    thr = float(card.thresholds.threshold) if card.thresholds.threshold is not None else 0.5
    rows = {
        "auroc_mel_vs_benign": bootstrap_ci(roc_auc, y, p),
        "auroc_mel_vs_nv": bootstrap_ci(
            roc_auc, y[(o == "mel") | (o == "nv")], p[(o == "mel") | (o == "nv")]
        ),
        "mel_recall_at_threshold": bootstrap_ci(flag_rate, (p[y == 1] >= thr).astype(float)),
        "nv_benign_at_threshold": bootstrap_ci(flag_rate, (p[o == "nv"] < thr).astype(float)),
        "benign_specificity_at_threshold": bootstrap_ci(flag_rate, (p[y == 0] < thr).astype(float)),
    }
    print(
        f"{card.name} on unseen HAM10000 photos: {len(mel)} melanomas whose Kaggle copies are in its test split, "
        f"{len(benign)} benign photos of HAM10000 test lesions ({int((o == 'nv').sum())} nevi); threshold {thr:.3f}"
    )
    for k, v in rows.items():
        print(f"{k}: {v[0]:.3f} [{v[1]:.3f}, {v[2]:.3f}]")
    result = {
        "model": str(args.model),
        "protocol": "clean",
        "n_mel": len(mel),
        "n_benign": len(benign),
        "rows": rows,
    }
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    if args.card:
        from medlens.evaluation.source_card import card_test_row, source_row, write_source_block

        own = card_test_row(card, f"Kaggle melanoma 10000 test split ({card.data.n_test})")
        other = source_row(
            "unseen HAM10000 photos (melanomas whose Kaggle copies are in its test split + benign test lesions)",
            "cross-source",
            len(idx),
            len(mel),
            rows["auroc_mel_vs_benign"],
            rows["mel_recall_at_threshold"],
            rows["benign_specificity_at_threshold"],
        )
        cmd = f"python benchmarks/cross_source_melanoma.py --clean --model {args.model} --card"
        note = f"at its threshold {100 * rows['nv_benign_at_threshold'][0]:.0f} % of those HAM10000 nevi are called benign"
        write_source_block(args.model, [own, other], "reports/generalisation-melanoma/report.md", cmd, note)
    return result


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=Path(__file__).resolve().parents[1] / "models" / "melanoma")
    ap.add_argument("--data-root", type=Path, default=default_data_root())
    ap.add_argument("--n-nv", type=int, default=1000)
    ap.add_argument("--n-bkl", type=int, default=500)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--card", action="store_true", help="With --clean: write the rows into the card.")
    ap.add_argument(
        "--clean",
        action="store_true",
        help="Only HAM10000 photos the model never saw (for models trained on the whole Kaggle folder).",
    )
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.clean:
        return clean(args)

    ham = create_dataset("ham10000", args.data_root / "ham10000_lowres")
    dx = np.array([ham.classes[s.label] for s in ham.samples], dtype=object)
    idx = pick(dx, args.n_nv, args.n_bkl, args.seed)
    predictor = Predictor.from_card(args.model, threads=args.threads)
    card = predictor.card
    t = card.classes.index("malignant")
    logits = np.concatenate(
        [
            predictor.logits_batch([ham.samples[i].load_image() for i in idx[s : s + 64]], batch_size=64)
            for s in range(0, len(idx), 64)
        ]
    )
    proba = softmax(logits, card.temperature)
    p_mal = proba[:, t]
    thr = float(card.thresholds.threshold) if card.thresholds.threshold is not None else 0.5
    argmax_mal = proba.argmax(axis=1) == t
    sub = dx[idx]
    rows = {}
    for cls in ("mel", "nv", "bkl"):
        m = sub == cls
        rows[cls] = {
            "n": int(m.sum()),
            "called_malignant_argmax": bootstrap_ci(flag_rate, argmax_mal[m].astype(float)),
            "called_malignant_at_threshold": bootstrap_ci(flag_rate, (p_mal[m] >= thr).astype(float)),
        }
    for cls in ("nv", "bkl"):
        m = (sub == "mel") | (sub == cls)
        rows[cls]["auroc_mel_vs_this"] = bootstrap_ci(roc_auc, (sub[m] == "mel").astype(int), p_mal[m])
    result = {"model": str(args.model), "threshold": thr, "seed": args.seed, "rows": rows}

    def f(v: tuple[float, float, float]) -> str:
        return f"{v[0]:.3f} [{v[1]:.3f}, {v[2]:.3f}]"

    print(
        f"{card.name} (input {card.preprocessing.input_size} px, TTA {card.tta}) on HAM10000, threshold {thr:.3f}"
    )
    print(
        "| HAM10000 class | n | called malignant (arg-max) | called malignant (@ threshold) | AUROC mel vs class |"
    )
    print("|---|---:|---:|---:|---:|")
    for cls, r in rows.items():
        auc = f(r["auroc_mel_vs_this"]) if "auroc_mel_vs_this" in r else "—"
        print(
            f"| {cls} | {r['n']} | {f(r['called_malignant_argmax'])} | "
            f"{f(r['called_malignant_at_threshold'])} | {auc} |"
        )
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
