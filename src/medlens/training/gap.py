"""Train/validation gap of a finished run: the best checkpoint scored on the training images (without
augmentation) and on the validation images, per head, so over-fitting is measured, not guessed.

``python -m medlens.training.gap runs/NAME`` writes ``runs/NAME/gap.json`` and prints a Markdown table:
accuracy and balanced accuracy per head, plus quadratic-weighted kappa and grade MAE for ordinal heads.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import torch

from medlens.evaluation.metrics import accuracy, balanced_accuracy, cohen_kappa, grade_mae
from medlens.models.checkpoint import load_checkpoint
from medlens.tasks import get_task
from medlens.training.config import TrainConfig
from medlens.training.loop import predict
from medlens.training.prepare import PreparedData, prepare_data
from medlens.training.run import default_threads, make_loaders

log = logging.getLogger(__name__)


def head_scores(config: TrainConfig, logits: np.ndarray, labels: np.ndarray) -> dict[str, dict[str, float]]:
    """Per-head accuracy / balanced accuracy (+ QWK and grade MAE for ordinal heads); missing labels skipped."""
    schema = get_task(config.task).schema
    probs = schema.probabilities(logits)
    y_all = labels[:, None] if labels.ndim == 1 else labels
    out: dict[str, dict[str, float]] = {}
    for i, head in enumerate(schema.heads):
        keep = y_all[:, i] >= 0
        y, yhat = y_all[keep, i], probs[head.name][keep].argmax(1)
        scores = {
            "n": float(keep.sum()),
            "accuracy": accuracy(y, yhat),
            "balanced_accuracy": balanced_accuracy(y, yhat),
        }
        if head.ordinal:
            scores["kappa_quadratic"] = cohen_kappa(y, yhat, weights="quadratic", n_classes=len(head.classes))
            scores["grade_mae"] = grade_mae(y, yhat)
        out[head.name] = scores
    return out


def split_gap(run_dir: Path) -> dict[str, Any]:
    """Score ``best.pt`` on train (no augmentation) and val; write and return ``gap.json``."""
    run_dir = Path(run_dir)
    config = TrainConfig.load(run_dir / "config.json")
    torch.set_num_threads(config.threads or default_threads())
    data = prepare_data(config, run_dir)
    # make_loaders augments "train": score the training images through the val (no-augmentation) path
    eval_data = PreparedData(
        data.sample_set,
        data.manifest,
        data.indices,
        {"train": data.images["train"], "val": data.images["train"], "test": data.images["val"]},
        {"train": data.targets["train"], "val": data.targets["train"], "test": data.targets["val"]},
    )
    loaders = make_loaders(config, eval_data, torch.Generator().manual_seed(config.seed))
    model, _ = load_checkpoint(run_dir / "best.pt")
    device = torch.device("cpu")
    result: dict[str, Any] = {"run": str(run_dir), "task": config.task, "tta": list(config.tta)}
    for split, loader in (("train", loaders["val"]), ("val", loaders["test"])):
        logits, labels = predict(model, loader, device, tta=config.tta)
        result[split] = head_scores(config, logits, labels)
    result["gap"] = {
        head: {k: result["train"][head][k] - result["val"][head][k] for k in result["val"][head] if k != "n"}
        for head in result["val"]
    }
    (run_dir / "gap.json").write_text(json.dumps(result, indent=1))
    return result


def to_markdown(result: dict[str, Any]) -> str:
    lines = ["| head | metric | train | val | gap (train - val) |", "|---|---|---|---|---|"]
    for head, scores in result["val"].items():
        for k in scores:
            if k == "n":
                continue
            lines.append(
                f"| {head} | {k} | {result['train'][head][k]:.3f} | {scores[k]:.3f} | {result['gap'][head][k]:+.3f} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Train/validation gap of a run (best checkpoint).")
    parser.add_argument("run_dir", type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    print(to_markdown(split_gap(args.run_dir)))


if __name__ == "__main__":
    main()
