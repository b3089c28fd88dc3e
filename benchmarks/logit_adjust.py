"""Choose a bundle's logit adjustment on its validation split: balanced accuracy at each tau, as served.

The bundle's served logits (card preprocessing and test-time views) are computed once on the split rebuilt
from its card (fingerprint-verified); for every tau of the grid the decision is the arg-max of
``logits / T - tau * log(prior)``, the prior being the class shares of the split's training part, exactly
what ``medlens recalibrate MODEL --logit-adjust TAU`` serves (the temperature it refits does not move an
arg-max). The chosen tau beats tau = 0 by more than ``--margin`` or is 0 (ties: the smaller ``|tau|``).
Validation only by default: ``--split test`` exists to show a table after a choice, never to make one.

    python benchmarks/logit_adjust.py --model models/skin-lesion --split val --out reports/x/logit-adjust-val.md
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from medlens.evaluation.logit_adjust import choose_tau, class_prior, tau_grid
from medlens.evaluation.markdown import write_markdown_and_json
from medlens.serving.source_check import served_split


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, required=True, help="the bundle")
    ap.add_argument("--data-root", type=Path, default=None, help="root of its data (default: the card's)")
    ap.add_argument("--split", default="val", choices=("val", "test"))
    ap.add_argument("--low", type=float, default=-1.0)
    ap.add_argument("--high", type=float, default=1.0)
    ap.add_argument("--step", type=float, default=0.05)
    ap.add_argument("--margin", type=float, default=0.002, help="least gain over tau = 0 to adjust at all")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None, help="Markdown table (a .json beside it)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    t0 = time.perf_counter()
    served = served_split(args.model, args.split, args.data_root, args.threads)
    seconds = time.perf_counter() - t0
    card, samples = served.predictor.card, served.split.sample_set.samples
    prior = class_prior([samples[i].label for i in served.split.manifest.splits["train"]], len(card.classes))
    choice = choose_tau(
        served.labels,
        served.logits / card.temperature,
        prior,
        tau_grid(args.low, args.high, args.step),
        args.margin,
    )
    cmd = "python benchmarks/logit_adjust.py " + " ".join(argv if argv is not None else sys.argv[1:])
    lines = [
        f"Logit adjustment of `{args.model}` ({card.name}) on its {args.split} split ({len(served.indices)} photos, as served; "
        f"{seconds:.0f} s of inference). Training class shares: "
        + ", ".join(f"{c} {p:.3f}" for c, p in zip(card.classes, prior, strict=True))
        + ".",
        "",
        "| tau | balanced accuracy | accuracy |",
        "|---:|---:|---:|",
    ]
    for tau, bal, acc in choice.table:
        mark = "**" if tau == choice.tau else ""
        lines.append(f"| {mark}{tau:+.2f}{mark} | {bal:.4f} | {acc:.4f} |")
    verdict = (
        f"Chosen: tau = {choice.tau:+.2f} (balanced accuracy {choice.best:.4f} against {choice.at_zero:.4f} at tau = 0, "
        f"margin {args.margin})."
        if choice.adjusted
        else f"No adjustment: the best tau gains no more than {args.margin} over tau = 0 ({choice.at_zero:.4f})."
    )
    lines += ["", verdict, "", f"Command: `{cmd}`"]
    text = "\n".join(lines)
    print(text)
    out = {
        "model": str(args.model),
        "split": args.split,
        "n": len(served.indices),
        "prior": dict(zip(card.classes, prior.tolist(), strict=True)),
        "table": [{"tau": t, "balanced_accuracy": b, "accuracy": a} for t, b, a in choice.table],
        "chosen_tau": choice.tau,
        "adjusted": choice.adjusted,
        "at_zero": choice.at_zero,
        "best": choice.best,
        "seconds": seconds,
        "command": cmd,
    }
    if args.out:
        write_markdown_and_json(args.out, text, out)
    return out


if __name__ == "__main__":
    main()
