"""Energy gate and source gate side by side: how often each bundled model refers images of its own
test split (false flags) and of other sources and modalities (hits).

For every image bundle under ``--models-dir`` with a ``source_gate`` block (``medlens ood-fit``), this
draws ``--n`` seeded images from the bundle's own test split (rebuilt from its card) and from each
real dataset under ``--data-root``, runs the model exactly as served (card preprocessing and TTA,
ONNX threads = 1) and prints the share flagged by the energy gate, the source gate and either, as a
Markdown table. ``--write-cards`` stores the held-out and far-OOD hit rates in each card's
``source_gate.held_out``.

    .venv/bin/python benchmarks/source_gate.py --n 200 --write-cards
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import numpy as np
from ood_gate import _images  # the same seeded test-or-all sample as the energy-gate benchmark

from medlens.card import ModelCard
from medlens.config import default_data_root
from medlens.data.rebuild import facts_from_card, rebuild_split
from medlens.serving import Predictor

log = logging.getLogger("medlens.source_gate")

XRAY, DERMOSCOPY, CLINICAL = "x-ray", "dermoscopy", "clinical photo"
# (label, adapter, path under the data root, options, modality, the source names a bank built from it
# carries: ``medlens.data.sources`` names, "<dataset>" or "<dataset>/<collection>")
SETS: tuple[tuple[str, str, str, dict, str, tuple[str, ...]], ...] = (
    ("Kermany pediatric X-rays (official test)", "kermany224", "chest_xray_kermany224", {}, XRAY,
     ("chest_xray_kermany224", "kermany", "kermany224")),
    ("COVID-19 Radiography adult X-rays", "imagefolder", "covid_radiography224", {}, XRAY,
     ("covid_radiography224", "radiography")),
    ("ieee8023 frontal adult X-rays", "covid-chestxray", "covid_chestxray_ieee8023", {}, XRAY,
     ("covid_chestxray_ieee8023", "ieee8023")),
    ("ieee8023 lateral X-rays", "covid-chestxray", "covid_chestxray_ieee8023", {"views": ("L",)}, XRAY, ()),
    ("PneumoniaMNIST X-rays (28 px)", "medmnist", "pneumoniamnist/pneumoniamnist.npz", {}, XRAY,
     ("pneumoniamnist",)),
    ("HAM10000 dermoscopy photos", "ham10000", "ham10000_lowres", {}, DERMOSCOPY, ("ham10000_lowres", "ham10000")),
    ("Kaggle melanoma_10000 photos", "imagefolder", "melanoma_10000/train", {}, DERMOSCOPY, ("melanoma_10000",)),
    ("DermNet clinical photos", "dermnet-zoster", "dermnet_subset", {}, CLINICAL, ("dermnet_subset", "dermnet")),
    ("scalp photos", "scalp-hair-14", "scalp_hair_14class", {}, CLINICAL, ("scalp_hair_14class",)),
)  # fmt: skip
# sources of the same modality a bundle never trained on that the issue asks about (no bundle trains on
# lateral films); which sets a bundle trained on is read from its card (``trained_on``), not listed here
HELD_OUT: dict[str, tuple[str, ...]] = {
    "chest-xray": (
        "COVID-19 Radiography adult X-rays",
        "ieee8023 frontal adult X-rays",
        "ieee8023 lateral X-rays",
    ),
    "chest-xray-covid": ("Kermany pediatric X-rays (official test)", "ieee8023 lateral X-rays"),
    "skin-lesion": ("Kaggle melanoma_10000 photos",),
    "skin-lesion-5": ("Kaggle melanoma_10000 photos",),
}
MODALITY = {
    "chest-xray": XRAY,
    "chest-xray-covid": XRAY,
    "melanoma": DERMOSCOPY,
    "skin-lesion": DERMOSCOPY,
    "skin-lesion-5": DERMOSCOPY,
    "herpes-zoster": CLINICAL,
    "scalp-conditions": CLINICAL,
}


def _pick(idx: np.ndarray, n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).choice(idx, size=min(n, len(idx)), replace=False)


def _own_test(card: ModelCard, n: int, seed: int) -> list[np.ndarray]:
    split = rebuild_split(facts_from_card(card), card.data.fingerprint, strict=False)
    samples = split.sample_set.samples
    return [samples[i].load_image() for i in _pick(np.asarray(split.manifest.splits["test"]), n, seed)]


def _rates(predictor: Predictor, images: list[np.ndarray]) -> dict[str, float | int]:
    preds = predictor.predict_batch(images)
    energy = np.array([bool(p.ood) for p in preds])
    source = np.array([bool(p.source_ood) for p in preds])
    return {
        "n": len(images),
        "energy": float(energy.mean()),
        "source": float(source.mean()),
        "either": float((energy | source).mean()),
    }


def trained_on(card: ModelCard) -> set[str]:
    """Dataset names of the sources in the card's source-gate bank (``"ieee8023/Italy"`` -> ``ieee8023``)."""
    return {name.split("/")[0] for name in (card.source_gate.sources if card.source_gate else {})}


def _relation(model: str, label: str, modality: str, set_sources: tuple[str, ...], trained: set[str]) -> str:
    if set(set_sources) & trained:
        return "training data"
    if label in HELD_OUT.get(model, ()):
        return "held-out source"
    if MODALITY.get(model) not in (None, modality):
        return "far OOD"
    return "other set, same modality"


def main(argv: list[str] | None = None) -> list[dict]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models-dir", type=Path, default=Path(__file__).resolve().parents[1] / "models")
    ap.add_argument("--data-root", type=Path, default=default_data_root())
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--models", default="", help="comma-separated bundle folders (default: all)")
    ap.add_argument("--write-cards", action="store_true", help="store hit rates in source_gate.held_out")
    args = ap.parse_args(argv)
    wanted = {m.strip() for m in args.models.split(",") if m.strip()}
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    cards = [
        ModelCard.load(c.parent)
        for c in sorted(args.models_dir.glob("*/card.json"))
        if "source_gate" in (d := json.loads(c.read_text())) and d["source_gate"]
        if not wanted or c.parent.name in wanted
    ]
    predictors = {c.directory.name: Predictor.from_card(c, threads=1) for c in cards}
    rows: list[dict] = []
    for card in cards:
        name = card.directory.name
        rows.append({"model": name, "input": "own test split", "relation": "in-source",
                     **_rates(predictors[name], _own_test(card, args.n, args.seed))})  # fmt: skip
        log.info("%-16s own test: %s", name, rows[-1])
    for label, adapter, rel, opts, modality, set_sources in SETS:
        if not (args.data_root / rel).exists():
            log.warning("skipping %s: %s not found", label, args.data_root / rel)
            continue
        images = _images(args.data_root, adapter, rel, opts, args.n, args.seed)
        for card in cards:
            name = card.directory.name
            relation = _relation(name, label, modality, set_sources, trained_on(card))
            rows.append(
                {"model": name, "input": label, "relation": relation, **_rates(predictors[name], images)}
            )
            log.info("%-16s %-42s %-24s %s", name, label, relation, rows[-1])
    order = ("in-source", "training data", "held-out source", "other set, same modality", "far OOD")
    print(
        "\n| model | input | relation | n | energy gate | source gate | either |\n|---|---|---|---:|---:|---:|---:|"
    )
    for r in sorted(rows, key=lambda r: (r["model"], order.index(r["relation"]), r["input"])):
        print(f"| {r['model']} | {r['input']} | {r['relation']} | {r['n']} | {100 * r['energy']:.1f} % | "
              f"{100 * r['source']:.1f} % | {100 * r['either']:.1f} % |")  # fmt: skip
    if args.write_cards:
        for card in cards:
            assert card.source_gate is not None
            card.source_gate.held_out = {
                r["input"]: {k: r[k] for k in ("relation", "n", "source", "energy")}
                for r in rows
                if r["model"] == card.directory.name and r["relation"] in ("held-out source", "far OOD")
            }
            card.save(card.directory)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    return rows


if __name__ == "__main__":
    main()
