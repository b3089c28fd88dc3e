"""KDE-CT table (seed 004's Table 2) from finished run folders: teachers, their ensemble, the student
trained alone, distilled, and distilled + curriculum.

Per model: accuracy, macro F1, F1-HZ and ACC-HZ (one-vs-rest F1 and accuracy of the target class, arg-max
decisions) on the run's test split with 95% percentile-bootstrap CIs (1000 resamples of test images),
paired bootstrap differences against the student trained alone (same resamples), params, MACs, torch CPU
latency (batch 1, 1 thread, median of 30) and the run's wall time and command.

    python benchmarks/kd_table.py --teacher runs/hz-t1... --teacher ... --alone runs/hz-s0-alone \
        --distilled runs/hz-s1-kd --curriculum runs/hz-s2-kd-cur --out reports/kde-ct
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from medlens.evaluation.metrics import accuracy, precision_recall_f1, target_class_metrics
from medlens.export.profile import count_params_macs
from medlens.models import load_checkpoint
from medlens.tasks import get_task

METRICS = ("accuracy", "f1_macro", "f1_hz", "acc_hz")


def scores(y: np.ndarray, pred: np.ndarray, n_classes: int, target: int) -> dict[str, float]:
    tm = target_class_metrics(y, pred, target)
    return {
        "accuracy": accuracy(y, pred),
        "f1_macro": float(precision_recall_f1(y, pred, n_classes)["f1_macro"]),
        "f1_hz": tm["f1"],
        "acc_hz": tm["accuracy"],
    }


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def latency_ms(model: torch.nn.Module, size: int, runs: int = 30) -> float:
    torch.set_num_threads(1)
    x = torch.zeros(1, 3, size, size)
    model.eval()
    with torch.no_grad():
        for _ in range(3):
            model(x)
        ts = []
        for _ in range(runs):
            t0 = time.perf_counter()
            model(x)
            ts.append((time.perf_counter() - t0) * 1000)
    return float(np.median(ts))


def run_facts(run: Path) -> dict:
    cfg = json.loads((run / "config.json").read_text())
    met = json.loads((run / "metrics.json").read_text())
    model, _ = load_checkpoint(run / "best.pt")
    size = int(cfg["input_size"])
    params, macs = count_params_macs(model, size)
    return {
        "run": str(run),
        "backbone": cfg["backbone"],
        "pretrained": cfg.get("pretrained"),
        "input_size": size,
        "preset": cfg.get("preset"),
        "mix": cfg.get("mix", "none"),
        "params": params,
        "macs": macs,
        "latency_ms": latency_ms(model, size),
        "wall_s": met["run"].get("process_wall_time_s"),
        "command": cfg.get("command", ""),
        "probs": softmax(np.load(run / "test_logits.npy")),
        "labels": np.load(run / "test_labels.npy"),
        "split": met["run"]["split_fingerprint"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--teacher", action="append", required=True)
    ap.add_argument("--alone", required=True)
    ap.add_argument("--distilled", required=True)
    ap.add_argument("--curriculum", required=True)
    ap.add_argument("--out", default="reports/kde-ct")
    ap.add_argument("--n-boot", type=int, default=1000)
    args = ap.parse_args()
    spec = get_task("herpes-zoster")
    n_classes, target = len(spec.classes), spec.classes.index(spec.target)  # type: ignore[arg-type]
    rows: dict[str, dict] = {}
    for i, t in enumerate(args.teacher, 1):
        rows[f"teacher {i}"] = run_facts(Path(t))
    teachers = list(rows.values())
    rows["ensemble (mean prob.)"] = {
        "run": " + ".join(r["run"] for r in teachers),
        "backbone": "ensemble",
        "input_size": "/".join(str(r["input_size"]) for r in teachers),
        "params": sum(r["params"] for r in teachers),
        "macs": sum(r["macs"] for r in teachers),
        "latency_ms": sum(r["latency_ms"] for r in teachers),
        "wall_s": sum(r["wall_s"] or 0 for r in teachers),
        "probs": np.mean([r["probs"] for r in teachers], axis=0),
        "labels": teachers[0]["labels"],
        "split": teachers[0]["split"],
        "command": "mean of the teachers' test probabilities",
    }
    rows["student alone"] = run_facts(Path(args.alone))
    rows["student distilled"] = run_facts(Path(args.distilled))
    rows["student distilled + curriculum"] = run_facts(Path(args.curriculum))
    y = rows["student alone"]["labels"]
    for name, r in rows.items():
        if r["split"] != rows["student alone"]["split"] or not np.array_equal(r["labels"], y):
            raise SystemExit(f"{name}: different test split")
    rng = np.random.default_rng(0)
    boots = [rng.integers(0, len(y), len(y)) for _ in range(args.n_boot)]
    preds = {k: r["probs"].argmax(1) for k, r in rows.items()}
    base = preds["student alone"]
    table: dict[str, dict] = {}
    for name, pred in preds.items():
        point = scores(y, pred, n_classes, target)
        bs = np.array([[scores(y[b], pred[b], n_classes, target)[m] for m in METRICS] for b in boots])
        diff = np.array(
            [
                [
                    scores(y[b], pred[b], n_classes, target)[m] - scores(y[b], base[b], n_classes, target)[m]
                    for m in METRICS
                ]
                for b in boots
            ]
        )
        table[name] = {
            **{m: point[m] for m in METRICS},
            **{
                f"{m}_ci": [float(np.percentile(bs[:, i], 2.5)), float(np.percentile(bs[:, i], 97.5))]
                for i, m in enumerate(METRICS)
            },
            **{f"{m}_diff": float(point[m] - scores(y, base, n_classes, target)[m]) for m in METRICS},
            **{
                f"{m}_diff_ci": [
                    float(np.percentile(diff[:, i], 2.5)),
                    float(np.percentile(diff[:, i], 97.5)),
                ]
                for i, m in enumerate(METRICS)
            },
            **{k: v for k, v in rows[name].items() if k not in ("probs", "labels")},
        }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "table.json").write_text(json.dumps(table, indent=1, default=str))
    n_hz = int((y == target).sum())
    lines = [
        f"Test split: {len(y)} images, {n_hz} herpes zoster (grouped-dedup split, seed 0). 95% bootstrap CIs "
        f"({args.n_boot} resamples); Δ = paired difference to the student trained alone (same resamples). "
        "Test logits as each run evaluated them (torch, its --tta). Latency: torch eager, batch 1, 1 thread, "
        "median of 30 on the shared, heavily loaded 2-core CPU (noisy). Wall: the run's process wall time.",
        "",
        "| model | backbone / input | accuracy | macro F1 | F1-HZ | ACC-HZ | Δ acc. vs alone | Δ F1-HZ vs alone | params | MACs | latency (ms) | wall (s) |",
        "|---|---|---|---|---|---|---|---|---:|---:|---:|---:|",
    ]

    def ci(r: dict, m: str) -> str:
        lo, hi = r[f"{m}_ci"]
        return f"{r[m]:.3f} ({lo:.3f}–{hi:.3f})"

    def dci(r: dict, m: str) -> str:
        lo, hi = r[f"{m}_diff_ci"]
        return f"{r[f'{m}_diff']:+.3f} ({lo:+.3f}–{hi:+.3f})"

    for name, r in table.items():
        bb = f"{r['backbone']} {r['input_size']} px"
        lines.append(
            f"| {name} | {bb} | {ci(r, 'accuracy')} | {ci(r, 'f1_macro')} | {ci(r, 'f1_hz')} | {ci(r, 'acc_hz')} | "
            f"{dci(r, 'accuracy')} | {dci(r, 'f1_hz')} | {r['params'] / 1e6:.2f} M | {r['macs'] / 1e6:.0f} M | "
            f"{r['latency_ms']:.1f} | {r['wall_s'] or 0:.0f} |"
        )
    lines += ["", "Commands:", ""] + [f"- {n}: `{r['command']}`" for n, r in table.items()]
    (out / "table.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
