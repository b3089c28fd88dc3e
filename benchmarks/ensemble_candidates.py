"""Compare candidate ensembles on validation outputs only, before any of them is built or tested.

Each member's served validation logits come from ``medlens cross-source --split val --out DIR``
(``DIR/cross_source_logits.npz``: raw TTA-averaged logits, the card's temperature, labels, sources).
A candidate's score is what ``medlens ensemble`` would serve: the mean of the members' calibrated
logits (``logits_i / T_i``). Per candidate and source: arg-max accuracy (and the number of photos it
gets right, so near-ties are visible) and the target-vs-rest AUROC.

    python benchmarks/ensemble_candidates.py \
        --member v2=runs/xs/shipped-val --member Kv2=runs/xs/kaggle-v2-160-val \
        --candidate C1=v2,Kv2 --target 1 --out reports/generalisation-melanoma/e3-selection
"""

from __future__ import annotations

import argparse
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

from medlens.evaluation.markdown import write_markdown_and_json

log = logging.getLogger("ensemble_candidates")


@dataclass(frozen=True)
class MemberOutputs:
    """One member's served validation outputs, rows in file order."""

    files: np.ndarray
    logits: np.ndarray
    temperature: float
    labels: np.ndarray
    sources: np.ndarray

    @classmethod
    def load(cls, folder: Path) -> MemberOutputs:
        d = np.load(folder / "cross_source_logits.npz")
        order = np.argsort(d["files"])
        return cls(
            files=d["files"][order],
            logits=d["logits"][order].astype(np.float64),
            temperature=float(d["temperature"]),
            labels=d["labels"][order],
            sources=d["sources"][order],
        )


def ensemble_logits(members: list[MemberOutputs]) -> np.ndarray:
    """The mean of the members' calibrated logits; the members must cover the same photos with the same labels."""
    first = members[0]
    for m in members[1:]:
        if not (np.array_equal(m.files, first.files) and np.array_equal(m.labels, first.labels)):
            raise ValueError("members were measured on different photos or labels")
    return np.mean([m.logits / m.temperature for m in members], axis=0)


def score_by_source(
    logits: np.ndarray, labels: np.ndarray, sources: np.ndarray, target: int
) -> dict[str, dict]:
    """Per source: n, photos right at arg-max, accuracy and target-vs-rest AUROC (from the logit margin)."""
    out = {}
    margin = logits[:, target] - np.delete(logits, target, axis=1).max(axis=1)
    right = logits.argmax(axis=1) == labels
    for source in sorted(set(sources.tolist())):
        m = sources == source
        y = labels[m] == target
        out[source] = {
            "n": int(m.sum()),
            "right": int(right[m].sum()),
            "accuracy": float(right[m].mean()),
            "auroc": float(roc_auc_score(y, margin[m])) if 0 < y.sum() < m.sum() else None,
        }
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--member", action="append", required=True, help="NAME=cross-source output folder")
    ap.add_argument("--candidate", action="append", required=True, help="NAME=member,member,...")
    ap.add_argument("--target", type=int, default=1, help="index of the target class")
    ap.add_argument("--out", type=Path, required=True, help="writes OUT.md and OUT.json")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    members = {k: MemberOutputs.load(Path(v)) for k, v in (s.split("=", 1) for s in args.member)}
    rows = []
    for spec in [*(f"{k}={k}" for k in members), *args.candidate]:
        name, names = spec.split("=", 1)
        chosen = [members[n.strip()] for n in names.split(",")]
        scores = score_by_source(ensemble_logits(chosen), chosen[0].labels, chosen[0].sources, args.target)
        rows.append({"name": name, "members": names.split(","), "by_source": scores})
    sources = sorted({s for r in rows for s in r["by_source"]})
    lines = [
        "| candidate | members | " + " | ".join(f"{s}: right / n (accuracy), AUROC" for s in sources) + " |",
        "|---|---|" + "---|" * len(sources),
    ]
    for r in rows:
        cells = []
        for s in sources:
            c = r["by_source"][s]
            auroc = f"{c['auroc']:.4f}" if c["auroc"] is not None else "—"
            cells.append(f"{c['right']} / {c['n']} ({c['accuracy']:.4f}), {auroc}")
        lines.append(f"| {r['name']} | {' + '.join(r['members'])} | " + " | ".join(cells) + " |")
    text = "\n".join(lines)
    log.info("%s", text)
    write_markdown_and_json(args.out.with_suffix(".md"), text, rows)


if __name__ == "__main__":
    main()
