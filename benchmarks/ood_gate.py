"""How often each bundled model's OOD gate flags images of its own kind and of the wrong kind.

Every image card carries an energy gate (flag when ``-logsumexp(logits)`` exceeds the 99th percentile of
validation energies). This draws ``--n`` seeded images from each real dataset under ``--data-root``,
runs every bundle under ``--models-dir`` on them exactly as served (card preprocessing and TTA) and
prints the share flagged as a Markdown table.

    .venv/bin/python benchmarks/ood_gate.py --n 200
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import numpy as np

from medlens.config import default_data_root
from medlens.data import create_dataset
from medlens.serving import Predictor

log = logging.getLogger("medlens.ood_gate")

# (label, adapter, path under the data root, options, task whose own domain it is)
SOURCES: tuple[tuple[str, str, str, dict, str | None], ...] = (
    ("Kermany official test X-rays", "kermany224", "chest_xray_kermany224", {}, "chest-xray"),
    ("ieee8023 + Radiography test X-rays", "covid-xray-sources", ".", {}, "chest-xray-covid"),
    # lateral films: the X-ray models read frontal views only, so these are out of domain for both
    ("ieee8023 lateral X-rays", "covid-chestxray", "covid_chestxray_ieee8023", {"views": ("L",)}, None),
    ("PneumoniaMNIST test X-rays (28 px)", "medmnist", "pneumoniamnist/pneumoniamnist.npz", {}, None),
    ("HAM10000 dermoscopy photos", "ham10000", "ham10000_lowres", {}, "skin-lesion"),
    ("melanoma-set photos (train part)", "imagefolder", "melanoma_10000/train", {}, "melanoma"),
)


def _images(data_root: Path, adapter: str, rel: str, opts: dict, n: int, seed: int) -> list[np.ndarray]:
    ds = create_dataset(adapter, data_root / rel, **opts)
    idx = np.arange(len(ds.samples))
    if ds.predefined_splits and ds.predefined_splits.get("test"):
        idx = np.asarray(ds.predefined_splits["test"])
    pick = np.random.default_rng(seed).choice(idx, size=min(n, len(idx)), replace=False)
    return [ds.samples[i].load_image() for i in pick]


def main(argv: list[str] | None = None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models-dir", type=Path, default=Path(__file__).resolve().parents[1] / "models")
    ap.add_argument("--data-root", type=Path, default=default_data_root())
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--models", default="", help="comma-separated bundle folders (default: all)")
    args = ap.parse_args(argv)
    wanted = {m.strip() for m in args.models.split(",") if m.strip()}
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    cards = [
        c
        for c in sorted(args.models_dir.glob("*/card.json"))
        if "preprocessing" in json.loads(c.read_text()) and (not wanted or c.parent.name in wanted)
    ]
    predictors = {c.parent.name: Predictor.from_card(c) for c in cards}
    rows = []
    for label, adapter, rel, opts, own_task in SOURCES:
        if not (args.data_root / rel).exists():
            log.warning("skipping %s: %s not found", label, args.data_root / rel)
            continue
        images = _images(args.data_root, adapter, rel, opts, args.n, args.seed)
        for name, predictor in predictors.items():
            flagged = [bool(p.ood) for p in predictor.predict_batch(images)]
            own = predictor.card.task == own_task
            rows.append(
                {
                    "model": name,
                    "input": label,
                    "own_domain": own,
                    "n": len(images),
                    "flagged": float(np.mean(flagged)),
                }
            )
            log.info(
                "%-12s %-34s %-5s flagged %5.1f %%",
                name,
                label,
                "own" if own else "wrong",
                100 * rows[-1]["flagged"],
            )
    print("\n| model | input | domain | n | flagged |\n|---|---|---|---:|---:|")
    for r in sorted(rows, key=lambda r: (r["model"], not r["own_domain"], r["input"])):
        domain = "own" if r["own_domain"] else "wrong"
        print(f"| {r['model']} | {r['input']} | {domain} | {r['n']} | {100 * r['flagged']:.1f} % |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return rows


if __name__ == "__main__":
    main()
