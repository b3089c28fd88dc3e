"""medlens CLI: ``train`` and ``evaluate`` (thin: options -> medlens.training).

``train``'s options are derived from :class:`medlens.training.config.TrainConfig`: one definition of every
option, its default and help; values named by a registry are checked against it."""

from __future__ import annotations

import inspect
import shlex
import sys
from dataclasses import MISSING
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_type_hints

import typer

if TYPE_CHECKING:
    from medlens.training.config import TrainConfig


def _command_line() -> str:
    return "medlens " + " ".join(shlex.quote(a) for a in sys.argv[1:])


def _choices(kind: str) -> list[str]:
    """Valid values of a config option, from the registry that owns them (imported only when used)."""
    if kind == "tasks":
        from medlens.tasks import list_tasks

        return list_tasks()
    if kind == "datasets":
        from medlens.data.registry import list_datasets

        return list_datasets()
    if kind == "presets":
        from medlens.data.transforms import list_presets

        return list_presets(aliases=True)
    if kind == "losses":
        from medlens.training.criteria import CRITERIA

        return CRITERIA.names()
    if kind in ("optimizers", "schedulers"):
        from medlens.training import optim

        return list(optim.OPTIMIZERS if kind == "optimizers" else optim.SCHEDULERS)
    if kind == "monitors":
        from medlens.training.monitor import MONITORS

        return list(MONITORS)
    if kind == "splits":
        from medlens.training.prepare import SPLITS

        return list(SPLITS)
    if kind == "image_ops":
        from medlens.data.image_ops import IMAGE_OPS

        return IMAGE_OPS.names()
    if kind in ("mixes", "curricula"):
        from medlens.training import kd, mixing

        return list(mixing.MIXES if kind == "mixes" else kd.CURRICULA)
    if kind == "tta":
        from medlens.serving.views import VIEWS

        return list(VIEWS)
    return {"samplers": ["none", "weighted"]}[kind]


def _check_choices(values: dict[str, Any]) -> None:
    from medlens.training.config import TrainConfig

    for f in TrainConfig.options():
        kind, value = f.metadata.get("choices"), values.get(f.name)
        if kind is None or value is None:
            continue
        valid = _choices(kind)
        for v in value if isinstance(value, list | tuple) else [value]:
            if v not in valid:
                flag = "--" + f.name.replace("_", "-")
                raise typer.BadParameter(f"{v!r} is not one of: {', '.join(valid)}", param_hint=flag)
    backbone = values.get("backbone")
    if backbone is not None:
        import timm

        if not timm.is_model(backbone):
            raise typer.BadParameter(f"{backbone!r} is not a timm model name", param_hint="--backbone")


def build_config(values: dict[str, Any], command: str) -> TrainConfig:
    """The :class:`TrainConfig` of ``train``'s parsed option values (checked against the registries)."""
    from medlens.training.config import TrainConfig

    values = dict(values)
    values.pop("resume", None)
    _check_choices(values)
    values["data_root"], values["out"] = str(values["data_root"]), str(values["out"])
    values["tta"] = list(values["tta"] or [])
    values["image_ops"] = list(values["image_ops"] or [])
    values["teacher"] = [str(t) for t in values.get("teacher") or []]
    values["extra_train"] = [str(t) for t in values.get("extra_train") or []]
    values["cache_dir"] = values["cache_dir"] or None
    return TrainConfig(**values, command=command)


def config_from_args(args: list[str]) -> TrainConfig:
    """The config ``medlens train ARGS`` would run (later options win over earlier ones); its
    ``command`` is that command line. ``typer.BadParameter``/``click.UsageError`` on bad options."""
    import typer.main

    from medlens.cli.main import app

    group = typer.main.get_command(app)
    cmd = group.commands["train"]  # type: ignore[attr-defined]
    with cmd.make_context("train", list(args)) as ctx:
        values = dict(ctx.params)
    return build_config(values, "medlens train " + " ".join(shlex.quote(a) for a in args))


def _train(**values: Any) -> None:
    """Train an image classifier; writes checkpoints, logits, metrics.json, plots and a report to OUT."""
    from medlens.training.run import run_training

    resume = values["resume"]
    config = build_config(values, _command_line())
    import torch

    torch.manual_seed(
        config.seed
    )  # application entry point: global RNG (dropout) seeded here, not in the library
    if config.workers > 1:
        from medlens.training.distributed import run_training_distributed

        run_dir = run_training_distributed(config, resume=resume, address=config.ray_address)
    else:
        run_dir = run_training(config, resume=resume)
    typer.echo(f"run folder: {run_dir}")
    _echo_metrics(run_dir)


def _train_signature() -> inspect.Signature:
    """One typer option per :class:`TrainConfig` field: same name, type, default and help."""
    from medlens.training.config import TrainConfig

    hints = get_type_hints(TrainConfig)
    params = []
    for f in TrainConfig.options():
        annotation = Path if f.name in ("data_root", "out") else hints[f.name]
        default = f.default if f.default is not MISSING else ...
        if f.default_factory is not MISSING:
            default = f.default_factory()
        params.append(
            inspect.Parameter(
                f.name,
                inspect.Parameter.KEYWORD_ONLY,
                default=typer.Option(default, help=f.metadata["help"], show_default=default is not ...),
                annotation=annotation,
            )
        )
    params.append(
        inspect.Parameter(
            "resume",
            inspect.Parameter.KEYWORD_ONLY,
            default=typer.Option(False, help="Continue from OUT/last.pt."),
            annotation=bool,
        )
    )
    return inspect.Signature(params)


def train(**values: Any) -> None:
    """Train an image classifier; writes checkpoints, logits, metrics.json, plots and a report to OUT."""
    _train(**values)


train.__signature__ = _train_signature()  # type: ignore[attr-defined]


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
