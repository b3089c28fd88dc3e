"""Remedies table for melanoma: in-source and cross-source metrics of several models, paired differences.

Reads the per-image outputs that ``medlens cross-source --out DIR`` writes (``cross_source_logits.npz``:
logits, labels, files, sources, original classes, the card's temperature and threshold) for each model
and lines the models up on the same images:

* **Kaggle test (own photos)**: the ``melanoma_10000`` rows of ``melanoma-sources`` test (1,275 photos;
  the Kaggle folder's copies of HAM10000 melanomas are left out, see ``melanoma_sources``);
* **HAM10000 test lesions**: the ``ham10000`` rows of the same split (lesion-grouped, 1,376 photos);
* **HAM10000 all** (9,174 photos): cross-source only for models that never trained on HAM10000.

Each cell is value [95% bootstrap CI]; Δ columns are paired differences against the first row
(rows resampled jointly). Usage (after the ``medlens cross-source`` runs named in ``--rows``)::

    python benchmarks/remedies_melanoma.py --rows runs/remedies.json --out reports/generalisation-melanoma/remedies.md

``rows.json``: ``[{"name": ..., "dirs": [...], "command": ..., "train_sources": [...]}, ...]``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from medlens.evaluation.bootstrap import bootstrap_ci
from medlens.evaluation.cross_source import flag_rate, paired_difference
from medlens.evaluation.markdown import write_markdown_and_json
from medlens.evaluation.metrics import roc_auc
from medlens.evaluation.report import format_value_ci
from medlens.serving.predictor import softmax


def load_model(dirs: list[str]) -> dict[str, Any]:
    """file -> (label, P(malignant), source, original class) over all of a model's result folders."""
    per_file: dict[str, tuple[int, float, str, str]] = {}
    thr = None
    for d in dirs:
        z = np.load(Path(d) / "cross_source_logits.npz", allow_pickle=False)
        p = softmax(z["logits"].astype(np.float64), float(z["temperature"]))[:, 1]
        thr = float(z["threshold"])
        for f, y, pp, s, o in zip(z["files"], z["labels"], p, z["sources"], z["original"], strict=True):
            per_file[str(f)] = (int(y), float(pp), str(s), str(o))
    return {"per_file": per_file, "threshold": thr}


def eval_sets(models: list[dict[str, Any]]) -> dict[str, list[str]]:
    """File lists of the evaluation sets, from the union of the files the models were run on."""
    files: dict[str, tuple[str, bool]] = {}
    for m in models:
        for f, (_, _, s, _) in m["per_file"].items():
            files[f] = (s, files.get(f, (s, False))[1])
    kaggle = sorted(f for f, (s, _) in files.items() if s == "melanoma_10000")
    ham = sorted(f for f, (s, _) in files.items() if s == "ham10000")
    return {"kaggle": kaggle, "ham": ham}


def _ci(v: tuple[float, float, float]) -> dict[str, float]:
    return {"value": v[0], "ci_low": v[1], "ci_high": v[2]}


def _acc(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.mean((p >= 0.5) == (y == 1)))


def _signed(d: dict[str, float]) -> str:
    return f"{d['value']:+.3f} [{d['ci_low']:+.3f}, {d['ci_high']:+.3f}]"


def row_metrics(model: dict[str, Any], files: list[str], n_boot: int) -> dict[str, Any] | None:
    if not files or any(f not in model["per_file"] for f in files):
        return None
    y = np.array([model["per_file"][f][0] for f in files])
    p = np.array([model["per_file"][f][1] for f in files])
    orig = np.array([model["per_file"][f][3] for f in files])
    thr = model["threshold"]
    out: dict[str, Any] = {
        "n": len(files),
        "auroc": _ci(bootstrap_ci(roc_auc, y, p, n_boot=n_boot)),
        "accuracy": _ci(bootstrap_ci(_acc, y, p, n_boot=n_boot)),
        "recall@thr": _ci(bootstrap_ci(flag_rate, (p[y == 1] >= thr).astype(float), n_boot=n_boot)),
        "specificity@thr": _ci(bootstrap_ci(flag_rate, (p[y == 0] < thr).astype(float), n_boot=n_boot)),
    }
    if (orig == "nv").any():
        out["nevi benign@thr"] = _ci(
            bootstrap_ci(flag_rate, (p[orig == "nv"] < thr).astype(float), n_boot=n_boot)
        )
    return out


def nevi_by_dx_type(
    model: dict[str, Any], files: list[str], dx_type: dict[str, str], n_boot: int
) -> dict[str, Any]:
    """Share of HAM10000 nevi called benign at the threshold, per ``dx_type`` (how the diagnosis was made)."""
    out: dict[str, Any] = {}
    nv = [f for f in files if f in model["per_file"] and model["per_file"][f][3] == "nv"]
    for kind in sorted({dx_type.get(f, "?") for f in nv}):
        p = np.array([model["per_file"][f][1] for f in nv if dx_type.get(f, "?") == kind])
        out[kind] = {
            "n": int(p.size),
            **_ci(bootstrap_ci(flag_rate, (p < model["threshold"]).astype(float), n_boot=n_boot)),
        }
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--n-boot", type=int, default=1000)
    ap.add_argument("--data-root", type=Path, default=None, help="Shared data folder: adds nevi by dx_type.")
    args = ap.parse_args(argv)
    rows = json.loads(args.rows.read_text())
    models = [load_model(r["dirs"]) for r in rows]
    sets = eval_sets(models)
    sets["ham_all"] = sets["ham"]
    ham_test: set[str] = set()  # HAM10000 rows of melanoma-sources test runs = the lesion-grouped test split
    for d in (d for r in rows for d in r["dirs"]):
        if json.loads((Path(d) / "cross_source.json").read_text())["dataset"] == "melanoma-sources":
            z = np.load(Path(d) / "cross_source_logits.npz")
            ham_test |= {str(f) for f, s in zip(z["files"], z["sources"], strict=True) if s == "ham10000"}
    sets["ham"] = sorted(ham_test)
    titles = {"kaggle": "Kaggle test (own photos)", "ham": "HAM10000 test lesions", "ham_all": "HAM10000 all"}
    results: dict[str, Any] = {}
    lines = []
    base = models[0]
    for key, title in titles.items():
        files = sets[key]
        lines += [
            f"### {title} (n = {len(files)})",
            "",
            "| model | trained on | role | accuracy | Δ accuracy vs first row (paired) | AUROC | Δ AUROC vs first row (paired) | malignant recall @thr | specificity @thr | nevi called benign @thr |",
            "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for m, r in zip(models, rows, strict=True):
            res = row_metrics(m, files, args.n_boot)
            if res is None:
                continue
            role = (
                "in-source"
                if (key == "kaggle" and "melanoma_10000" in r["train_sources"])
                or (key != "kaggle" and "ham10000" in r["train_sources"])
                else "cross-source"
            )
            delta = delta_acc = "—"
            if m is not base and row_metrics(base, files, 100) is not None:
                y = np.array([m["per_file"][f][0] for f in files])
                scores = (
                    np.array([m["per_file"][f][1] for f in files]),
                    np.array([base["per_file"][f][1] for f in files]),
                )
                d = paired_difference(y, *scores, n_boot=args.n_boot)
                da = paired_difference(y, *scores, metric=_acc, n_boot=args.n_boot)
                res["delta_auroc"], res["delta_accuracy"] = d, da
                delta, delta_acc = _signed(d), _signed(da)
            nevi = format_value_ci(res["nevi benign@thr"]) if "nevi benign@thr" in res else "—"
            lines.append(
                f"| {r['name']} | {', '.join(r['train_sources'])} | {role} | {format_value_ci(res['accuracy'])} | "
                f"{delta_acc} | {format_value_ci(res['auroc'])} | {delta} | {format_value_ci(res['recall@thr'])} | "
                f"{format_value_ci(res['specificity@thr'])} | {nevi} |"
            )
            results.setdefault(r["name"], {})[key] = res
        lines.append("")
    if args.data_root is not None:
        from medlens.data import create_dataset

        ham = create_dataset("ham10000", args.data_root / "ham10000_lowres")
        dx_type = {s.source: str(s.meta.extra.get("dx_type", "?")) for s in ham.samples}
        lines += [
            "### HAM10000 test nevi called benign at the threshold, by how the diagnosis was made (dx_type)",
            "",
            "| model | " + " | ".join(["histo", "follow_up", "consensus", "confocal"]) + " |",
            "|---|" + "---:|" * 4,
        ]
        for m, r in zip(models, rows, strict=True):
            by = nevi_by_dx_type(m, sets["ham"], dx_type, args.n_boot)
            results.setdefault(r["name"], {})["nevi_by_dx_type"] = by
            cells = [
                f"{format_value_ci(by[k])} (n={by[k]['n']})" if k in by else "—"
                for k in ("histo", "follow_up", "consensus", "confocal")
            ]
            lines.append(f"| {r['name']} | " + " | ".join(cells) + " |")
        lines.append("")
    lines += ["Commands:", ""] + [f"- {r['name']}: `{r['command']}`" for r in rows]
    text = "\n".join(lines)
    print(text)
    if args.out:
        write_markdown_and_json(args.out, text, results)
    return results


if __name__ == "__main__":
    main()
