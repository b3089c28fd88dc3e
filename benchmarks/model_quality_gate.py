"""How each bundled model's capture-quality gate (the one the web upload and ``medlens predict`` apply)
treats real photos of its own kind and of the wrong kind.

For every model, ``--n`` seeded images are drawn from each folder under ``--data-root`` and checked with
:func:`medlens.quality.for_card.quality_check_for` (the task's modality, the model's input size and the
limits its card derives from its robustness curves). Rows of the model's own kind should be accepted
(a refusal there is a false "retake"); rows of another kind should be refused. Markdown to stdout.

    .venv/bin/python benchmarks/model_quality_gate.py --n 200
"""

from __future__ import annotations

import argparse
import logging
from collections import Counter
from pathlib import Path

import numpy as np

from medlens.card import load_card
from medlens.config import PROJECT_ROOT, default_data_root
from medlens.data.imageio import read_image_rgb
from medlens.quality.for_card import quality_check_for

log = logging.getLogger("model_quality_gate")
SUFFIXES = (".jpg", ".jpeg", ".png")
#: (label, folder under the data root, the kind of image it holds)
FOLDERS = (
    ("Kaggle melanoma 10000 dermoscopy", "melanoma_10000/train", "dermoscopy"),
    ("HAM10000 dermoscopy", "ham10000_lowres/images", "dermoscopy"),
    ("DermNet clinical skin photos", "dermnet_subset", "skin photo"),
    ("scalp photos", "scalp_hair_14class", "scalp photo"),
    ("Kermany pediatric chest X-rays", "chest_xray_kermany224", "chest X-ray"),
    ("COVID-19 Radiography chest X-rays", "covid_radiography224", "chest X-ray"),
)
MODELS = ("melanoma", "skin-lesion", "herpes-zoster", "scalp-conditions", "chest-xray", "chest-xray-covid")


def sample(folder: Path, n: int, rng: np.random.Generator) -> list[Path]:
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in SUFFIXES)
    if not files:
        return []
    return [files[i] for i in rng.choice(len(files), size=min(n, len(files)), replace=False)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-root", type=Path, default=default_data_root())
    ap.add_argument("--models-dir", type=Path, default=PROJECT_ROOT / "models")
    ap.add_argument("--models", nargs="+", default=list(MODELS))
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    rng = np.random.default_rng(args.seed)
    picks = {label: sample(args.data_root / rel, args.n, rng) for label, rel, _ in FOLDERS}
    images = {label: [read_image_rgb(p) for p in files] for label, files in picks.items()}
    print("| model (modality) | images | kind | n | accepted | issues of the refused |")
    print("|---|---|---|---:|---:|---|")
    for name in args.models:
        card = load_card(args.models_dir / name)
        check = quality_check_for(card)  # type: ignore[arg-type]
        if check is None:
            log.warning("skipping %s: its task is not registered", name)
            continue
        for label, _, kind in FOLDERS:
            if not images[label]:
                log.warning("skipping %s: no images", label)
                continue
            codes: Counter[str] = Counter()
            ok = 0
            for rgb in images[label]:
                report = check(rgb)
                ok += report.ok
                codes.update(report.codes)
            issues = ", ".join(f"{c} {k}" for c, k in codes.most_common()) or "-"
            modality = check.keywords["modality"]  # type: ignore[attr-defined]
            n = len(images[label])
            print(f"| {name} ({modality}) | {label} | {kind} | {n} | {ok} ({ok / n:.0%}) | {issues} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
