"""medlens CLI: ``train`` and ``evaluate`` (thin: options -> medlens.training)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import typer


def _command_line() -> str:
    return "medlens " + " ".join(shlex.quote(a) for a in sys.argv[1:])


def train(
    task: str = typer.Option(..., help="Task name (medlens tasks)."),
    dataset: str = typer.Option(..., help="Dataset adapter: imagefolder, medmnist, ham10000, ..."),
    data_root: Path = typer.Option(..., help="Dataset root (folder or file)."),
    out: Path = typer.Option(..., help="Run folder, e.g. runs/NAME."),
    backbone: str = typer.Option("tf_efficientnet_lite0", help="timm model name."),
    pretrained: str = typer.Option("none", help="'none', 'lite0-imagenet' or a weights file."),
    input_size: int = typer.Option(224),
    epochs: int = typer.Option(10),
    batch_size: int = typer.Option(64),
    lr: float = typer.Option(1e-3),
    weight_decay: float = typer.Option(1e-4),
    optimizer: str = typer.Option("adamw", help="adam | adamw"),
    scheduler: str = typer.Option("cosine", help="cosine (with warm-up) | step | constant"),
    warmup_epochs: float = typer.Option(1.0),
    step_size: int = typer.Option(7, help="StepLR period in epochs (scheduler=step)."),
    drop_rate: float = typer.Option(0.2),
    preset: str = typer.Option("C1", help="Augmentation preset: none, F1..F5, C1..C8, xray."),
    image_ops: str = typer.Option(
        "", help="Comma-separated image ops after the resize, also applied when served: sog, circle."
    ),
    loss: str = typer.Option("ce", help="ce | smooth | focal"),
    focal_gamma: float = typer.Option(2.0),
    class_weighted: bool = typer.Option(False, help="Inverse-frequency class weights in the loss."),
    sampler: str = typer.Option("none", help="none | weighted (class-balanced oversampling)"),
    lp_epochs: int = typer.Option(0, help="Linear-probe epochs (frozen backbone) before fine-tuning."),
    patience: int = typer.Option(5),
    monitor: str = typer.Option("auroc", help="auroc | balanced_accuracy | accuracy | loss (on val)"),
    tta: bool = typer.Option(False, help="Horizontal-flip TTA at evaluation."),
    tta_vflip: bool = typer.Option(False, help="Also vertical-flip TTA."),
    seed: int = typer.Option(0),
    split: str = typer.Option(
        "grouped",
        help="grouped (official splits when present) | grouped-dedup (also joins duplicate photos) | random (leaky)",
    ),
    max_train_samples: int | None = typer.Option(None, help="Subsample train for quick runs."),
    num_workers: int = typer.Option(0),
    threads: int | None = typer.Option(None, help="torch threads (default: available cores)."),
    channels_last: bool = typer.Option(False),
    cache_dir: str = typer.Option("runs/cache", help="Image cache folder ('' = memory only)."),
    progress: bool = typer.Option(True, help="Progress bars."),
    resume: bool = typer.Option(False, help="Continue from OUT/last.pt."),
) -> None:
    """Train an image classifier; writes checkpoints, logits, metrics.json, plots and a report to OUT."""
    from medlens.training.config import TrainConfig
    from medlens.training.run import run_training

    tta_ops = (["hflip"] if tta else []) + (["vflip"] if tta_vflip else [])
    config = TrainConfig(
        task=task,
        dataset=dataset,
        data_root=str(data_root),
        out=str(out),
        backbone=backbone,
        pretrained=None if pretrained == "none" else pretrained,
        input_size=input_size,
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        weight_decay=weight_decay,
        optimizer=optimizer,
        scheduler=scheduler,
        warmup_epochs=warmup_epochs,
        step_size=step_size,
        drop_rate=drop_rate,
        preset=preset,
        image_ops=[op.strip() for op in image_ops.split(",") if op.strip()],
        loss=loss,
        focal_gamma=focal_gamma,
        class_weighted=class_weighted,
        sampler=sampler,
        lp_epochs=lp_epochs,
        patience=patience,
        monitor=monitor,
        tta=tta_ops,
        seed=seed,
        split=split,
        max_train_samples=max_train_samples,
        num_workers=num_workers,
        threads=threads,
        channels_last=channels_last,
        cache_dir=cache_dir or None,
        progress=progress,
        command=_command_line(),
    )
    import torch

    torch.manual_seed(seed)  # application entry point: global RNG (dropout) seeded here, not in the library
    run_dir = run_training(config, resume=resume)
    typer.echo(f"run folder: {run_dir}")
    _echo_metrics(run_dir)


def evaluate(
    run_dir: Path = typer.Argument(..., help="Run folder with best.pt and config.json."),
    tta: bool | None = typer.Option(None, "--tta/--no-tta", help="Override the run's TTA setting (hflip)."),
    split: str = typer.Option("test", help="Which split's metrics to print: test (with 95% CI) or val."),
) -> None:
    """Reload best.pt and recompute val/test logits, metrics.json, plots and report."""
    from medlens.training.run import evaluate_run

    if not (run_dir / "best.pt").is_file():
        raise typer.BadParameter(f"{run_dir}: no best.pt (not a finished medlens run folder)")
    if split not in ("test", "val"):
        raise typer.BadParameter(f"--split must be test or val, got {split!r}")
    evaluate_run(
        run_dir,
        tta=None if tta is None else (["hflip"] if tta else []),
        extra={"evaluate_command": _command_line()},
    )
    _echo_metrics(run_dir, split)


def _echo_metrics(run_dir: Path, split: str = "test") -> None:
    import json

    metrics = json.loads((run_dir / "metrics.json").read_text())
    if split == "val":
        for name, value in metrics.get("val_point", {}).items():
            typer.echo(f"val {name}: {value:.4f}")
        return
    for name, m in metrics["test"].items():
        typer.echo(f"test {name}: {m['value']:.4f} [{m['ci_low']:.4f}, {m['ci_high']:.4f}]")


def register(app: typer.Typer) -> None:
    """Add this module's commands to app."""
    app.command("train")(train)
    app.command("evaluate")(evaluate)
