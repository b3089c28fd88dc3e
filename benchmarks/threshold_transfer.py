"""Does a recall target chosen on validation hold on new photos? Split-half on a bundle's validation split.

Three melanoma candidates aimed at recall 0.85 on validation and found 0.79-0.84 of the HAM10000 *test*
melanomas. This benchmark measures that transfer without touching any test photo: it splits a bundle's
validation outputs (``medlens cross-source --split val --out DIR``) into two random halves, stratified by
source and label, many times; on half A it chooses the every-source threshold for the target recall
(observed recall, and the one-sided Wilson lower bound at ``--confidence``), and on half B it measures
each source's recall and specificity at that threshold. It prints, per rule and source, how often B's
recall fell below the target, the mean recall and the mean specificity (what the guarantee costs).

    python benchmarks/threshold_transfer.py --val runs/xs/shipped-val --target 0.85 --confidence 0.95

Half of a validation split has half the positives, so both rules are noisier here than at export; the
comparison between them is the point.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

import numpy as np

from medlens.evaluation.markdown import write_markdown_and_json
from medlens.evaluation.operating import metrics_at_threshold, threshold_for_recall_by_group
from medlens.serving.predictor import softmax

log = logging.getLogger("threshold_transfer")


def load_val(folder: Path, target: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(y_bin, P(target), source) of a ``medlens cross-source`` output folder."""
    z = np.load(Path(folder) / "cross_source_logits.npz", allow_pickle=True)
    p = softmax(z["logits"], float(z["temperature"]))[:, target]
    return (z["labels"] == target).astype(np.int64), p, z["sources"].astype(str)


def halves(y: np.ndarray, g: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A boolean mask of half A, stratified by (source, label)."""
    a = np.zeros(y.size, bool)
    for key in {(s, c) for s, c in zip(g.tolist(), y.tolist(), strict=True)}:
        idx = np.flatnonzero((g == key[0]) & (y == key[1]))
        a[rng.permutation(idx)[: idx.size // 2]] = True
    return a


def transfer(
    y: np.ndarray,
    p: np.ndarray,
    g: np.ndarray,
    target: float,
    confidence: float,
    repeats: int = 500,
    seed: int = 0,
) -> dict[str, Any]:
    """Per rule ("observed", "lower bound"), per source: share of repeats with recall on B < target, mean
    recall and specificity on B, and the mean threshold."""
    rng = np.random.default_rng(seed)
    rules: dict[str, float | None] = {"observed": None, f"lower bound {confidence:.0%}": confidence}
    sources = sorted(set(g.tolist()))
    rec: dict[str, dict[str, list[float]]] = {r: {s: [] for s in sources} for r in rules}
    spec: dict[str, dict[str, list[float]]] = {r: {s: [] for s in sources} for r in rules}
    thr: dict[str, list[float]] = {r: [] for r in rules}
    for _ in range(repeats):
        a = halves(y, g, rng)
        b = ~a
        for rule, conf in rules.items():
            op, _ = threshold_for_recall_by_group(y[a], p[a], g[a], target, confidence=conf)
            thr[rule].append(op.threshold)
            for s in sources:
                m = b & (g == s)
                point = metrics_at_threshold(y[m], p[m], op.threshold)
                rec[rule][s].append(point.recall)
                spec[rule][s].append(point.specificity)
    out: dict[str, Any] = {"target": target, "confidence": confidence, "repeats": repeats, "n": int(y.size)}
    out["positives"] = {s: int(y[g == s].sum()) for s in sources}
    out["rules"] = {
        rule: {
            "mean_threshold": float(np.mean(thr[rule])),
            "sources": {
                s: {
                    "below_target": float(np.mean(np.array(rec[rule][s]) < target - 1e-12)),
                    "mean_recall": float(np.nanmean(rec[rule][s])),
                    "mean_specificity": float(np.nanmean(spec[rule][s])),
                }
                for s in sources
            },
        }
        for rule in rules
    }
    return out


def to_markdown(res: dict[str, Any], command: str) -> str:
    lines = [
        f"# Recall target {res['target']} chosen on one half of validation, measured on the other",
        "",
        f"{res['repeats']} random halves of {res['n']} validation images, stratified by source and label; "
        "the every-source threshold is chosen on half A and measured on half B. Positives per source "
        f"(whole split): {', '.join(f'{k} {v}' for k, v in res['positives'].items())}. No test photo is used.",
        "",
        "| rule | source | half B recall < target | mean recall on B | mean specificity on B | mean threshold |",
        "|---|---|---|---|---|---|",
    ]
    for rule, r in res["rules"].items():
        for s, v in r["sources"].items():
            lines.append(
                f"| {rule} | {s} | {v['below_target']:.0%} | {v['mean_recall']:.3f} | "
                f"{v['mean_specificity']:.3f} | {r['mean_threshold']:.3f} |"
            )
    lines += ["", f"`{command}`", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--val", type=Path, required=True, help="medlens cross-source --split val output folder")
    ap.add_argument("--target", type=float, default=0.85)
    ap.add_argument("--confidence", type=float, default=0.95)
    ap.add_argument("--repeats", type=int, default=500)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, help="write the table (.md) and the figures (.json) here")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    y, p, g = load_val(args.val)
    res = transfer(y, p, g, args.target, args.confidence, args.repeats, args.seed)
    command = "python benchmarks/threshold_transfer.py " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    md = to_markdown(res, command)
    log.info("%s", md)
    if args.out:
        write_markdown_and_json(args.out.with_suffix(".md"), md, {**res, "command": command})
    return res


if __name__ == "__main__":
    main()
