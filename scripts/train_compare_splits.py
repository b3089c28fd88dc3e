"""Grouped (by lesion/patient) vs random (per image, leaky) split: same protocol, two test numbers.

usage: .venv/bin/python scripts/train_compare_splits.py runs/GROUPED runs/RANDOM OUT_DIR
Writes OUT_DIR/grouped_vs_random.md (table) and OUT_DIR/grouped_vs_random.png (bars with 95% CIs).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from medlens.evaluation.plots import plot_metric_bars

METRICS = ("balanced_accuracy", "auroc_macro", "accuracy", "f1_macro", "target_sensitivity", "target_auroc")


def main(grouped: Path, random: Path, out: Path) -> None:
    runs = {"grouped (by lesion_id)": grouped, "random (per image, leaky)": random}
    results = {name: json.loads((path / "metrics.json").read_text())["test"] for name, path in runs.items()}
    audits = {name: json.loads((path / "leakage_audit.json").read_text()) for name, path in runs.items()}
    lines = [
        "| split | " + " | ".join(METRICS) + " | lesions in >1 split |",
        "|---|" + "---|" * (len(METRICS) + 1),
    ]
    for name, test in results.items():
        cells = [
            f"{test[m]['value']:.4f} [{test[m]['ci_low']:.3f}, {test[m]['ci_high']:.3f}]" for m in METRICS
        ]
        lines.append(
            f"| {name} | " + " | ".join(cells) + f" | {len(audits[name].get('group_overlap', []))} |"
        )
    out.mkdir(parents=True, exist_ok=True)
    (out / "grouped_vs_random.md").write_text("\n".join(lines) + "\n")
    plot_metric_bars(
        {k: {m: v[m] for m in METRICS} for k, v in results.items()},
        out / "grouped_vs_random.png",
        metrics=list(METRICS),
        title="HAM10000 test: split by lesion_id vs leaky per-image split (same protocol)",
    )
    print("\n".join(lines))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
