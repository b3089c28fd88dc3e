"""The 7-class skin-lesion bundle (HAM10000) as a melanoma screener, in-source and cross-source.

Scores P(mel) of the served bundle (card preprocessing, TTA, temperature) against melanoma vs benign
labels on (a) the HAM10000 test lesions (in-source; nv/bkl/df/vasc as benign, bcc/akiec left out, as
``melanoma-ham10000``) and (b) the Kaggle melanoma 10000 folder's own photos (cross-source; the
folder's copies of HAM10000 melanomas left out, as ``melanoma-kaggle``, all splits: the skin-lesion
model never saw any of them), also restricted to its photos without a dark lens border (a shortcut
the Kaggle melanomas carry far more often than its benign photos). Prints AUROC and recall / specificity at the card's ``mel`` threshold
with 95% bootstrap intervals.

    python benchmarks/cross_source_skin_lesion.py --model models/skin-lesion
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from medlens.audit.probes import lens_border_mask
from medlens.config import default_data_root
from medlens.data import create_dataset
from medlens.evaluation.bootstrap import bootstrap_ci
from medlens.evaluation.cross_source import flag_rate
from medlens.evaluation.metrics import roc_auc
from medlens.evaluation.source_card import source_row, write_source_block
from medlens.serving import Predictor
from medlens.serving.predictor import softmax
from medlens.serving.source_check import bundle_logits, split_indices


def _row(role: str, y: np.ndarray, p: np.ndarray, thr: float, n_boot: int) -> dict:
    """AUROC of ``p`` and recall / specificity at ``thr``, each with a bootstrap interval."""
    return {
        "role": role,
        "n": len(y),
        "n_malignant": int(y.sum()),
        "auroc": bootstrap_ci(roc_auc, y, p, n_boot=n_boot),
        "recall@thr": bootstrap_ci(flag_rate, (p[y == 1] >= thr).astype(float), n_boot=n_boot),
        "specificity@thr": bootstrap_ci(flag_rate, (p[y == 0] < thr).astype(float), n_boot=n_boot),
    }


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--model", type=Path, default=Path(__file__).resolve().parents[1] / "models" / "skin-lesion"
    )
    ap.add_argument("--data-root", type=Path, default=default_data_root())
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--n-boot", type=int, default=1000)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument(
        "--card", action="store_true", help="Write the rows into the card (metrics.cross_source)."
    )
    ap.add_argument("--report", default="", help="Where the rows are reported (named in the card).")
    args = ap.parse_args(argv)
    predictor = Predictor.from_card(args.model, threads=args.threads)
    card = predictor.card
    t = card.classes.index(card.thresholds.target_class or "mel")
    thr = float(card.thresholds.threshold if card.thresholds.threshold is not None else 0.5)
    out: dict = {"model": str(args.model), "threshold": thr, "rows": {}}
    for name, dataset, split, role in (
        ("HAM10000 test lesions", "melanoma-ham10000", "test", "in-source"),
        ("Kaggle melanoma 10000, own photos", "melanoma-kaggle", "all", "cross-source"),
    ):
        ds = create_dataset(dataset, args.data_root)
        idx = split_indices(ds, split)
        p_all = softmax(bundle_logits(predictor, ds, idx), card.temperature)[:, t]
        y_all = ds.subset(idx).labels()
        subsets = {name: np.ones(len(idx), dtype=bool)}
        if role == "cross-source":
            # the lens border marks the Kaggle melanomas far more often than its benign photos (issue 12):
            # the row without it shows what transfers apart from that shortcut
            subsets[f"{name} without a lens border"] = ~lens_border_mask([ds.samples[i] for i in idx])
        for row_name, keep in subsets.items():
            out["rows"][row_name] = _row(role, y_all[keep], p_all[keep], thr, args.n_boot)

    def f(v: tuple[float, float, float]) -> str:
        return f"{v[0]:.3f} [{v[1]:.3f}, {v[2]:.3f}]"

    lines = [
        f"{card.name}: P({card.classes[t]}) as melanoma-vs-benign score, threshold {thr:.3f} (card)",
        "",
        "| test set | role | n (malignant) | AUROC | melanoma recall @thr | specificity @thr |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name, r in out["rows"].items():
        lines.append(
            f"| {name} | {r['role']} | {r['n']} ({r['n_malignant']}) | {f(r['auroc'])} | "
            f"{f(r['recall@thr'])} | {f(r['specificity@thr'])} |"
        )
    text = "\n".join(lines)
    print(text)
    if args.report:
        cmd = f"python benchmarks/cross_source_skin_lesion.py --model {args.model} --card --report {args.report}"
        Path(args.report).write_text(f"{text}\n\nCommand: `{cmd}`\n")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    if args.card:
        rows = [
            source_row(
                name, r["role"], r["n"], r["n_malignant"], r["auroc"], r["recall@thr"], r["specificity@thr"]
            )
            for name, r in out["rows"].items()
        ]
        cmd = f"python benchmarks/cross_source_skin_lesion.py --model {args.model} --card"
        write_source_block(
            args.model,
            rows,
            args.report,
            cmd,
            "melanoma vs benign (nv, bkl, df, vasc; bcc and akiec left out), P(melanoma) at the card threshold",
        )
    return out


if __name__ == "__main__":
    main()
