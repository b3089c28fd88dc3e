"""How the X-ray quality profile treats real X-rays and real skin photos.

Draws ``--n`` seeded images from each folder under ``--data-root`` and prints, per folder, how many the
chest-X-ray quality gate accepts and which issue codes it gives the rest, as Markdown. X-ray folders
should pass; skin photos should be refused as ``not_xray``.

    .venv/bin/python benchmarks/xray_quality_gate.py --n 300
"""

from __future__ import annotations

import argparse
import logging
from collections import Counter
from pathlib import Path

import numpy as np

from medlens.config import default_data_root
from medlens.data.imageio import read_image_rgb
from medlens.quality import assess_quality

log = logging.getLogger("xray_quality_gate")
FOLDERS = (
    ("Kermany pediatric X-rays", "chest_xray_kermany224", "x-ray"),
    ("COVID-19 Radiography X-rays", "covid_radiography224", "x-ray"),
    ("ieee8023 X-rays and figures (all files)", "covid_chestxray_ieee8023/images", "x-ray"),
    ("melanoma-set dermoscopy photos", "melanoma_10000/train", "photo"),
    ("HAM10000 dermoscopy photos", "ham10000_lowres", "photo"),
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-root", type=Path, default=default_data_root())
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    rng = np.random.default_rng(args.seed)
    print("| folder | kind | n | accepted | issues of the refused |\n|---|---|---:|---:|---|")
    for label, rel, kind in FOLDERS:
        files = sorted(
            p for p in (args.data_root / rel).rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png")
        )
        if not files:
            log.warning("skipping %s: no images under %s", label, args.data_root / rel)
            continue
        pick = [files[i] for i in rng.choice(len(files), size=min(args.n, len(files)), replace=False)]
        codes: Counter[str] = Counter()
        ok = 0
        for path in pick:
            rep = assess_quality(read_image_rgb(path), "chest-xray")
            ok += rep.ok
            codes.update(rep.codes)
        issues = ", ".join(f"{c} {n}" for c, n in codes.most_common()) or "-"
        print(f"| {label} | {kind} | {len(pick)} | {ok} | {issues} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
