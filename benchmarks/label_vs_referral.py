"""How often a bundle refers while its most likely class is another: the cases whose page explains it.

The service labels a photo with the arg-max of the calibrated probabilities and refers it when P(target) reaches
the card's threshold, which is set low for recall. On the bundle's test split (rebuilt from its card,
fingerprint-verified), as served: the referred photos, and among them those whose arg-max is not the target class,
per data source and in all; and how many of those are in truth the target class.

    python benchmarks/label_vs_referral.py --model models/melanoma --out reports/x/label-vs-referral.md
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np

from medlens.card import ModelCard
from medlens.data.sources import sources_of
from medlens.evaluation.markdown import write_markdown_and_json
from medlens.serving.predictor import softmax
from medlens.serving.source_check import served_split


def disagreement(y: np.ndarray, proba: np.ndarray, target: int, threshold: float) -> dict[str, int]:
    """Counts: photos, referred (P(target) >= threshold), referred with another arg-max, and of those the target's."""
    referred = proba[:, target] >= threshold
    other = referred & (proba.argmax(axis=1) != target)
    return {
        "photos": len(y),
        "referred": int(referred.sum()),
        "referred_other_label": int(other.sum()),
        "of_which_target": int((other & (y == target)).sum()),
    }


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--data-root", type=Path, default=None)
    ap.add_argument("--split", default="test", choices=("val", "test"))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None, help="Markdown table (a .json beside it)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    card = ModelCard.load(args.model)
    if card.thresholds.target_class is None or card.thresholds.threshold is None:
        raise SystemExit(f"{args.model}: the card has no target class and threshold")
    target = card.classes.index(card.thresholds.target_class)
    served = served_split(args.model, args.split, args.data_root, args.threads)
    y, proba = served.labels, softmax(served.logits, card.temperature)
    sources = sources_of(served.split.sample_set)[np.asarray(served.indices, dtype=np.int64)]
    rows = {str(s): disagreement(y[sources == s], proba[sources == s], target, card.thresholds.threshold)
            for s in sorted(set(sources.tolist()))}  # fmt: skip
    if len(rows) > 1:
        rows["all"] = disagreement(y, proba, target, card.thresholds.threshold)
    name = card.thresholds.target_class
    lines = [
        f"`{args.model}` ({card.name}) on its {args.split} split, as served; referral at P({name}) >= "
        f"{card.thresholds.threshold:.3f} (the card's threshold).",
        "",
        f"| source | photos | referred | referred, most likely not {name} | of those, truly {name} |",
        "|---|---:|---:|---:|---:|",
    ]
    for s, r in rows.items():
        share = r["referred_other_label"] / r["referred"] if r["referred"] else float("nan")
        lines.append(
            f"| {s} | {r['photos']} | {r['referred']} | {r['referred_other_label']} ({share:.0%}) | "
            f"{r['of_which_target']} |"
        )
    cmd = "python benchmarks/label_vs_referral.py " + " ".join(argv if argv is not None else sys.argv[1:])
    lines += ["", f"Command: `{cmd}`"]
    text = "\n".join(lines)
    print(text)
    out = {"model": str(args.model), "split": args.split, "rows": rows, "command": cmd}
    if args.out:
        write_markdown_and_json(args.out, text, out)
    return out


if __name__ == "__main__":
    main()
