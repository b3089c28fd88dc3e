"""The pediatric pneumonia bundle on adult chest X-rays it never saw (issue 12's X-ray pair).

``models/chest-xray`` learnt normal vs pneumonia from Kermany's children (one hospital). This runs it,
exactly as served (card preprocessing, threshold), on every frontal adult film of the two COVID-19
collections that is not a copy of a Kermany training film (the Radiography Database's normals include
some): their normals should come back normal, and their other-pneumonia and COVID-19 films
(COVID-19 is a viral pneumonia) should come back pneumonia. Per collection: specificity on normals,
sensitivity on pneumonias, AUROC, each with a 95 % bootstrap CI, beside the in-source figures of the card.

    .venv/bin/python benchmarks/cross_source_pneumonia.py --out reports/chest-xray-kermany224/cross-source.md
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np

from medlens.config import default_data_root
from medlens.data.adapters.pneumonia_sources import unseen_adult_films
from medlens.data.sources import dataset_of, sources_of
from medlens.evaluation.bootstrap import bootstrap_ci
from medlens.evaluation.metrics import roc_auc
from medlens.evaluation.source_card import card_test_row, source_row, write_source_block
from medlens.serving import Predictor
from medlens.serving.predictor import softmax

log = logging.getLogger("cross_source_pneumonia")
ROOT = Path(__file__).resolve().parents[1]


def _rate(y: np.ndarray, hit: np.ndarray) -> float:
    return float(np.mean(hit[y == 1])) if (y == 1).any() else float("nan")


def _fmt(v: tuple[float, float, float]) -> str:
    return f"{v[0]:.3f} [{v[1]:.3f}, {v[2]:.3f}]"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=ROOT / "models" / "chest-xray")
    ap.add_argument("--data-root", type=Path, default=default_data_root())
    ap.add_argument("--n-boot", type=int, default=1000)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument(
        "--card", action="store_true", help="Write the rows into the card (metrics.cross_source)."
    )
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    predictor = Predictor.from_card(args.model)
    card = predictor.card
    t = card.classes.index("pneumonia")
    thr = float(card.thresholds.threshold if card.thresholds.threshold is not None else 0.5)
    adult = unseen_adult_films(args.data_root)
    src = np.array([dataset_of(s) for s in sources_of(adult).tolist()])
    y = (adult.labels() != adult.classes.index("normal")).astype(np.int64)  # pneumonia or COVID-19
    log.info("running %s on %d adult films", card.name, len(adult))
    logits = predictor.logits_batch([s.load_image() for s in adult.samples])
    p = softmax(logits, card.temperature)[:, t]
    pos = (p >= thr).astype(np.int64)
    test = card.metrics.get("test", {})

    def v(key: str) -> str:
        e = test.get(key)
        return f"{e['value']:.3f}" if isinstance(e, dict) else "-"

    lines = [
        f"# {card.name} (pediatric, Kermany) on adult chest X-rays it never saw",
        "",
        "Screening aid, not a diagnosis. Every frontal film of each collection except those that copy a "
        f"Kermany training or validation film ({adult.name}); positive = other pneumonia or COVID-19; threshold {thr:.3f} from the card; 95 % bootstrap "
        f"CIs ({args.n_boot}). Command: `.venv/bin/python benchmarks/cross_source_pneumonia.py "
        f"--out {args.out}`",
        "",
        "| films | n normal / pneumonia | specificity (normals called normal) | sensitivity (pneumonias "
        "called pneumonia) | AUROC |",
        "|---|---|---|---|---|",
        f"| Kermany official test (in-source, card) | {int(card.data.n_test or 0)} | {v('target_specificity')} | "
        f"{v('target_sensitivity')} | {v('auroc_macro')} |",
    ]
    rows = [card_test_row(card, f"Kermany official test ({card.data.n_test})")]
    for name in [*sorted(set(src.tolist())), "both adult collections"]:
        m = src == name if name in set(src.tolist()) else np.ones(len(y), bool)
        yy, pp, hh = y[m], p[m], pos[m]
        spec = bootstrap_ci(_rate, 1 - yy, 1 - hh, n_boot=args.n_boot) if (yy == 0).sum() >= 5 else None
        sens = bootstrap_ci(_rate, yy, hh, n_boot=args.n_boot) if (yy == 1).sum() >= 5 else None
        auc = bootstrap_ci(roc_auc, yy, pp, n_boot=args.n_boot) if (yy == 0).sum() >= 5 and yy.sum() else None
        spec_s = _fmt(spec) if spec else f"{int(((yy == 0) & (hh == 0)).sum())}/{int((yy == 0).sum())}"
        lines.append(
            f"| {name} (cross-source) | {int((yy == 0).sum())} / {int(yy.sum())} | {spec_s} | "
            f"{_fmt(sens) if sens else '-'} | {_fmt(auc) if auc else '-'} |"
        )
        rows.append(
            source_row(f"{name} adult films", "cross-source", len(yy), int(yy.sum()), auc, sens, spec)
        )
    md = "\n".join(lines) + "\n"
    print(md)
    if args.out:
        args.out.write_text(md)
    if args.card:
        cmd = f"python benchmarks/cross_source_pneumonia.py --out {args.out} --card"
        note = "pneumonia (other pneumonia or COVID-19 on adult films) vs normal at the card threshold"
        write_source_block(args.model, rows, str(args.out or ""), cmd, note)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
