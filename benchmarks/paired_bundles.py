"""Two bundles of one task on the same photos, as served: paired bootstrap of each metric's difference.

In-source: the test split both cards name (the split fingerprints must be equal), rebuilt from the
first card; metrics accuracy, balanced accuracy and macro AUROC on the calibrated probabilities.
Cross-source (``--cross DATASET:SPLIT:CLASS``, repeatable): AUROC of the bundles' P(CLASS) against the
dataset's binary labels (1 = CLASS), e.g. the skin-lesion models' P(mel) on the Kaggle melanoma photos.
With ``--no-border`` each cross-source row is repeated on the photos without a dark lens border only
(``medlens.audit.probes.has_lens_border``), where a model cannot score by the border.
Per group (``--by sex|age|site``, repeatable): within each group of the in-source split with at least
``--min-target`` images of the card's target class, the paired Δ of the target's sensitivity (each bundle at its
own card threshold) and of its AUROC, so a change that one group pays for is seen before a bundle is shipped.
Rows are resampled with the same indices for both bundles, so each interval is that of the difference.

    python benchmarks/paired_bundles.py --model runs/bundles/new --reference models/skin-lesion \
        --cross melanoma-kaggle:all:mel --out reports/x/paired.md
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np

from medlens.audit.probes import lens_border_mask
from medlens.card import ModelCard
from medlens.config import default_data_root
from medlens.data import create_dataset
from medlens.data.rebuild import facts_from_card, rebuild_split
from medlens.data.sample import SampleSet
from medlens.evaluation.bootstrap import bootstrap_ci
from medlens.evaluation.markdown import write_markdown_and_json
from medlens.evaluation.metrics import roc_auc
from medlens.experiments.compare import PAIRED_METRICS, paired_difference
from medlens.serving import Predictor
from medlens.serving.predictor import softmax
from medlens.serving.source_check import bundle_logits, split_indices
from medlens.serving.subgroup_check import ATTRIBUTES, sample_groups

log = logging.getLogger("paired_bundles")
METRICS = ("accuracy", "balanced_accuracy", "auroc_macro")


def _probs(predictor: Predictor, sample_set: SampleSet, idx: list[int]) -> np.ndarray:
    return softmax(bundle_logits(predictor, sample_set, idx), predictor.card.temperature)


def _sensitivity(y: np.ndarray, score: np.ndarray, threshold: float) -> float:
    pos = y == 1
    return float((score[pos] >= threshold).mean()) if pos.any() else float("nan")


def group_rows(
    y: np.ndarray,
    pa: np.ndarray,
    pb: np.ndarray,
    groups: np.ndarray,
    target: int,
    thresholds: tuple[float, float],
    min_target: int = 20,
    n_boot: int = 1000,
) -> dict[str, dict]:
    """Per group with >= ``min_target`` target images: paired Δ (a - b) of the target's sensitivity, each bundle
    at its own threshold on P(target), and of the target-vs-rest AUROC. Smaller groups, groups of targets only
    and ``unknown`` are left out."""
    yb = (y == target).astype(int)
    sa, sb = pa[:, target], pb[:, target]
    ta, tb = thresholds
    out: dict[str, dict] = {}
    for g in sorted({str(v) for v in groups}):
        m = groups == g
        n_t = int(yb[m].sum())
        if g == "unknown" or n_t < min_target or n_t == int(m.sum()):
            continue
        yy, a, b = yb[m], sa[m], sb[m]
        rows = {
            "sensitivity": (
                lambda t, u, v: _sensitivity(t, u, ta) - _sensitivity(t, v, tb),
                _sensitivity(yy, a, ta),
                _sensitivity(yy, b, tb),
            ),
            "AUROC": (lambda t, u, v: roc_auc(t, u) - roc_auc(t, v), roc_auc(yy, a), roc_auc(yy, b)),
        }
        for name, (fn, va, vb) in rows.items():
            d = bootstrap_ci(fn, yy, a, b, n_boot=n_boot)
            out[f"{g} (n={int(m.sum())}, {n_t} target): {name}"] = {
                "model": va,
                "reference": vb,
                "delta": {"value": d[0], "ci_low": d[1], "ci_high": d[2]},
            }
    return out


def _ci(v: tuple[float, float, float] | dict) -> str:
    if isinstance(v, dict):
        v = (v["value"], v["ci_low"], v["ci_high"])
    mark = "**" if v[1] > 0 or v[2] < 0 else ""
    return f"{mark}{v[0]:+.3f} [{v[1]:+.3f}, {v[2]:+.3f}]{mark}"


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, required=True, help="the candidate bundle")
    ap.add_argument("--reference", type=Path, required=True, help="the bundle it is compared with")
    ap.add_argument(
        "--data-root", type=Path, default=None, help="root of the in-source data (default: card's)"
    )
    ap.add_argument(
        "--cross", action="append", default=[], help="DATASET:SPLIT:CLASS under the shared data root"
    )
    ap.add_argument(
        "--by",
        action="append",
        default=[],
        choices=ATTRIBUTES,
        help="paired target sensitivity/AUROC per group",
    )
    ap.add_argument(
        "--split",
        default="test",
        choices=("test", "val"),
        help="in-source split (val: to check a test finding)",
    )
    ap.add_argument(
        "--no-border", action="store_true", help="repeat cross-source rows on photos without a lens border"
    )
    ap.add_argument("--min-target", type=int, default=20, help="--by: least target images a group needs")
    ap.add_argument("--shared-root", type=Path, default=default_data_root())
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--n-boot", type=int, default=1000)
    ap.add_argument("--out", type=Path, default=None, help="Markdown table (a .json beside it)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    a, b = (Predictor.from_card(p, threads=args.threads) for p in (args.model, args.reference))
    if a.card.data.fingerprint != b.card.data.fingerprint:
        raise SystemExit("the two cards name different splits (fingerprints differ): no paired comparison")
    card: ModelCard = a.card
    split = rebuild_split(facts_from_card(card, args.data_root), card.data.fingerprint, strict=True)
    test = list(split.manifest.splits[args.split])
    y = np.asarray([split.sample_set.samples[i].label for i in test])
    pa, pb = _probs(a, split.sample_set, test), _probs(b, split.sample_set, test)
    out: dict = {"model": str(args.model), "reference": str(args.reference), "n_test": len(test), "rows": {}}
    diff = paired_difference((y, pa, ""), (y, pb, ""), METRICS, n_boot=args.n_boot)
    for m in METRICS:
        out["rows"][f"in-source {args.split}: {m}"] = {
            "model": PAIRED_METRICS[m](y, pa),
            "reference": PAIRED_METRICS[m](y, pb),
            "delta": diff[m],
        }
    if args.by:
        if not (card.thresholds.target_class and a.card.thresholds.threshold and b.card.thresholds.threshold):
            raise SystemExit("--by needs two cards with a target class and an operating threshold")
        target = card.classes.index(card.thresholds.target_class)
        thresholds = (float(a.card.thresholds.threshold), float(b.card.thresholds.threshold))
        found = sample_groups([split.sample_set.samples[i] for i in test])
        for attr in args.by:
            if attr not in found:
                raise SystemExit(f"--by {attr}: the {args.split} photos carry no {attr}")
            rows = group_rows(y, pa, pb, found[attr], target, thresholds, args.min_target, args.n_boot)
            out["rows"].update({f"{attr} {k}": v for k, v in rows.items()})
    for spec in args.cross:
        dataset, part, cls = spec.split(":")
        ds = create_dataset(dataset, args.shared_root)
        idx = split_indices(ds, part)
        yy = (ds.subset(idx).labels() == 1).astype(int)
        sa = _probs(a, ds, idx)[:, card.classes.index(cls)]
        sb = _probs(b, ds, idx)[:, card.classes.index(cls)]
        subsets = {"": np.ones(len(idx), bool)}
        if args.no_border:
            subsets[", no lens border"] = ~lens_border_mask([ds.samples[i] for i in idx])
        for label, keep in subsets.items():
            t, u, v = yy[keep], sa[keep], sb[keep]
            d = bootstrap_ci(lambda t, u, v: roc_auc(t, u) - roc_auc(t, v), t, u, v, n_boot=args.n_boot)
            name = f"cross-source {dataset} ({part}{label}, n={int(keep.sum())}, {int(t.sum())} {cls})"
            out["rows"][f"{name}: AUROC of P({cls})"] = {
                "model": roc_auc(t, u),
                "reference": roc_auc(t, v),
                "delta": {"value": d[0], "ci_low": d[1], "ci_high": d[2]},
            }
    lines = [
        f"| photos, as served | {b.card.name} ({args.reference}) | {a.card.name} ({args.model}) | paired Δ |",
        "|---|---:|---:|---:|",
    ]
    lines += [
        f"| {k} | {r['reference']:.3f} | {r['model']:.3f} | {_ci(r['delta'])} |"
        for k, r in out["rows"].items()
    ]
    text = "\n".join(lines)
    print(text)
    if args.out:
        cmd = "python benchmarks/paired_bundles.py " + " ".join(argv if argv is not None else sys.argv[1:])
        write_markdown_and_json(args.out, f"{text}\n\nBold: the interval excludes 0. Command: `{cmd}`", out)
    return out


if __name__ == "__main__":
    main()
