"""ABCD features on real melanoma / benign photos: per-feature AUROC, segmentation failure rate, plots.

Rule-based features (nothing is fitted), so any images can serve as test data. Usage:

    .venv/bin/python benchmarks/abcd_melanoma.py --per-class 300 --seed 42 --out reports/abcd-melanoma
"""

from __future__ import annotations

import argparse
import json
import logging
import shlex
import sys
import time
from pathlib import Path

import cv2
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from medlens.config import default_data_root
from medlens.data.imageio import read_image_rgb
from medlens.evaluation.bootstrap import bootstrap_ci
from medlens.evaluation.metrics import roc_auc
from medlens.lesion import analyze_lesion
from medlens.quality import assess_quality

log = logging.getLogger("abcd_melanoma")

#: Feature name -> how to read it from LesionAnalysis.to_dict(). Higher is expected for melanoma.
FEATURES = {
    "A score (0-2)": lambda d: d["asymmetry"],
    "A mean flip mismatch": lambda d: float(np.mean(d["asymmetry_ratios"])),
    "B score (0-8)": lambda d: d["border"],
    "B compactness P^2/4piA": lambda d: d["compactness"],
    "C colours (1-6)": lambda d: len(d["colors"]),
    "D diameter px": lambda d: d["diameter_px"],
    "TDS": lambda d: d["tds"],
}


def sample_files(
    root: Path, per_class: int, seed: int, exclude_seed: int | None = None
) -> list[tuple[Path, int]]:
    """Seeded per-class sample; files of the ``exclude_seed`` sample (the development sample) are left out."""
    excluded = (
        {p for p, _ in sample_files(root, per_class, exclude_seed)} if exclude_seed is not None else set()
    )
    rng = np.random.default_rng(seed)
    out: list[tuple[Path, int]] = []
    for label, cls in enumerate(("benign", "malignant")):
        files = [f for f in sorted((root / cls).glob("*.jpg")) if f not in excluded]
        if len(files) < per_class:
            raise SystemExit(f"{root / cls}: only {len(files)} images, need {per_class}")
        out += [(files[i], label) for i in rng.choice(len(files), per_class, replace=False)]
    return out


def run(files: list[tuple[Path, int]]) -> list[dict]:
    rows = []
    t0 = time.perf_counter()
    for i, (path, label) in enumerate(files):
        image = read_image_rgb(path)
        res = analyze_lesion(image)
        d = res.to_dict()
        d.update(file=path.name, label=label, quality=assess_quality(image, modality="dermoscopy").codes)
        rows.append(d)
        if (i + 1) % 100 == 0:
            log.info("%d/%d images, %.1f s", i + 1, len(files), time.perf_counter() - t0)
    return rows


def write_rows(rows: list[dict], path: Path) -> None:
    """One CSV line per image: the features behind every number in the report."""
    import csv

    cols = [
        "file",
        "label",
        "ok",
        "failure",
        "confidence",
        "asymmetry",
        "asymmetry_ratios",
        "border",
        "compactness",
        "colors",
        "diameter_px",
        "tds",
        "tds_band",
        "quality",
    ]
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for r in rows:
            w.writerow([";".join(map(str, r[c])) if isinstance(r[c], list) else r[c] for c in cols])


def box_plots(rows: list[dict], path: Path) -> None:
    ok = [r for r in rows if r["ok"]]
    fig, axs = plt.subplots(1, len(FEATURES), figsize=(3 * len(FEATURES), 3.6))
    for ax, (name, get) in zip(axs, FEATURES.items(), strict=True):
        data = [[get(r) for r in ok if r["label"] == k] for k in (0, 1)]
        ax.boxplot(data, showfliers=False)
        ax.set_xticks([1, 2], ["benign", "malignant"])
        ax.set_title(name, fontsize=9)
    fig.suptitle("ABCD features, Kaggle melanoma 10000 (train folder sample)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def overlays(files: list[tuple[Path, int]], path: Path, n: int = 4) -> None:
    tiles = []
    for label in (0, 1):
        for p, _ in [f for f in files if f[1] == label][:n]:
            tiles.append(cv2.resize(analyze_lesion(read_image_rgb(p)).overlay, (300, 300)))
    grid = np.vstack([np.hstack(tiles[:n]), np.hstack(tiles[n:])])
    cv2.imwrite(str(path), cv2.cvtColor(grid, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 85])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=default_data_root() / "melanoma_10000" / "train")
    ap.add_argument("--per-class", type=int, default=300)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--exclude-seed", type=int, default=42, help="development sample to leave out (-1: none)")
    ap.add_argument("--out", type=Path, default=Path("reports/abcd-melanoma"))
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    args.out.mkdir(parents=True, exist_ok=True)
    exclude = None if args.exclude_seed < 0 else args.exclude_seed
    files = sample_files(args.data, args.per_class, args.seed, exclude)
    t0 = time.perf_counter()
    rows = run(files)
    elapsed = time.perf_counter() - t0
    ok = [r for r in rows if r["ok"]]
    y = np.array([r["label"] for r in ok])
    fail = {
        cls: float(np.mean([not r["ok"] for r in rows if r["label"] == k]))
        for k, cls in enumerate(("benign", "malignant"))
    }
    aucs = {}
    for name, get in FEATURES.items():
        x = np.array([get(r) for r in ok], dtype=float)
        aucs[name] = bootstrap_ci(roc_auc, y, x, n_boot=1000, seed=args.seed)
    bands = {
        cls: {
            b: int(sum(r["tds_band"] == b for r in ok if r["label"] == k))
            for b in ("benign", "suspicious", "highly_suspicious")
        }
        for k, cls in enumerate(("benign", "malignant"))
    }
    codes = sorted({c for r in rows for c in r["quality"]})
    quality = {c: float(np.mean([c in r["quality"] for r in rows])) for c in codes}
    quality_ok = float(np.mean([not r["quality"] for r in rows]))
    box_plots(rows, args.out / "abcd_boxplots.png")
    overlays(files, args.out / "abcd_overlays.jpg")
    write_rows(rows, args.out / "abcd_features.csv")
    (args.out / "abcd_summary.json").write_text(
        json.dumps({"auroc": aucs, "failure_rate": fail, "tds_bands": bands, "quality": quality}, indent=1)
    )
    command = "nice -n 10 .venv/bin/python benchmarks/abcd_melanoma.py " + shlex.join(
        sys.argv[1:] if argv is None else argv
    )
    lines = [
        "# ABCD features vs. malignancy (Kaggle melanoma 10000)",
        "",
        "medlens screens and refers; the ABCD/TDS numbers are screening aids, never a diagnosis.",
        "",
        f"Command: `{command}`",
        "",
        f"Data: `{args.data}` (train folder), seeded sample of {args.per_class} benign + {args.per_class} malignant "
        f"images (seed {args.seed}), disjoint from the development sample (seed {exclude}) used to set the asymmetry "
        f"threshold. Rule-based features: nothing is fitted on these images. Run time {elapsed:.0f} s "
        f"({1000 * elapsed / len(rows):.0f} ms/image, 2 shared CPU cores).",
        "",
        "## Segmentation failures (reported, not hidden)",
        "",
        "| class | failure rate |",
        "|---|---|",
        *[f"| {c} | {v:.1%} |" for c, v in fail.items()],
        "",
        f"AUROC below is computed on the {len(ok)} images whose segmentation succeeded.",
        "",
        "## Per-feature AUROC, malignant vs benign (95 % bootstrap CI, 1000 resamples)",
        "",
        "| feature | AUROC | 95 % CI |",
        "|---|---|---|",
        *[f"| {n} | {p:.3f} | {lo:.3f}–{hi:.3f} |" for n, (p, lo, hi) in aucs.items()],
        "",
        "## TDS bands by true class",
        "",
        "| true class | benign (<4.75) | suspicious (4.75–5.45) | highly suspicious (>5.45) |",
        "|---|---|---|---|",
        *[
            f"| {c} | {b['benign']} | {b['suspicious']} | {b['highly_suspicious']} |"
            for c, b in bands.items()
        ],
        "",
        "## Capture-quality gate on the same (good, curated) photos",
        "",
        f"`assess_quality(image, modality='dermoscopy')` passed {quality_ok:.1%} of the {len(rows)} photos"
        + (": flagged " + ", ".join(f"{c} {v:.1%}" for c, v in quality.items()) if quality else "")
        + " (a false-retake rate, since these photos are usable).",
        "",
        "![box plots](abcd_boxplots.png)",
        "",
        "First row benign, second row malignant (green outline, yellow major / cyan minor axis, colour legend):",
        "",
        "![overlays](abcd_overlays.jpg)",
        "",
        "Per-image features: `abcd_features.csv`; summary numbers: `abcd_summary.json`.",
        "",
        "## Notes and limits",
        "",
        "- D is a diameter score (1 ≤2 mm … 5 >8 mm); Stolz's rule scores differential structures instead. "
        "These photos carry no scale, so D assumes a 20 mm field of view and the diameter in pixels is "
        "what the AUROC uses.",
        "- Thresholds: abrupt border = ≥40 % of the L* step within ±3 px at 256 px (from synthetic ramps); "
        "asymmetry 0.2 flip mismatch per axis (raised from 0.15 after the development sample, seed 42, "
        "where 0.15 put most benign lesions at A=2); colour references are typical dermoscopic sRGB values. "
        "About 80 other train-folder images were looked at while building the segmenter.",
        "- The Kaggle images vary in magnification and crop, which limits size-based features.",
    ]
    (args.out / "report.md").write_text("\n".join(lines) + "\n")
    log.info("wrote %s", args.out / "report.md")


if __name__ == "__main__":
    main()
