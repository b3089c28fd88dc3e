"""``medlens experiment run|report|status``: grids of training runs on Ray Tune, and their table."""

from __future__ import annotations

import json
from pathlib import Path

import typer

experiment_app = typer.Typer(
    help="Grids of training runs (Ray Tune) and their results table.", no_args_is_help=True
)


def _spec(config: Path):
    from medlens.experiments import ExperimentError, load_experiment

    try:
        return load_experiment(config)
    except ExperimentError as e:
        raise typer.BadParameter(str(e), param_hint="CONFIG") from e


def _default_out(spec) -> Path:
    return Path("runs") / "experiments" / spec.name


@experiment_app.command("run")
def run(
    config: Path = typer.Argument(..., help="Experiment YAML (see configs/experiments/)."),
    out: Path | None = typer.Option(None, help="Experiment folder (default runs/experiments/NAME)."),
    address: str | None = typer.Option(
        None, help="Ray cluster address (default: a local Ray on this machine)."
    ),
    max_concurrent: int | None = typer.Option(
        None, min=1, help="Trials at once (default: CPUs / cpus-per-trial)."
    ),
    cpus_per_trial: int = typer.Option(1, min=1, help="CPUs (and torch threads) per trial."),
    num_cpus: int | None = typer.Option(None, min=1, help="CPUs of the local Ray (default: all)."),
    report: bool = typer.Option(True, "--report/--no-report", help="Write the results table when done."),
) -> None:
    """Run the trials not done yet (a killed run resumes: finished trials are not rerun)."""
    from medlens.experiments import ExperimentError
    from medlens.experiments.runner import run_experiment

    spec = _spec(config)
    out = out or _default_out(spec)
    try:
        outcome = run_experiment(
            spec,
            out,
            address=address,
            max_concurrent=max_concurrent,
            cpus_per_trial=cpus_per_trial,
            num_cpus=num_cpus,
        )
    except ExperimentError as e:
        raise typer.BadParameter(str(e)) from e
    finally:
        import ray

        if ray.is_initialized():
            ray.shutdown()
    typer.echo(
        f"{spec.name}: {len(outcome.done)} trained, {len(outcome.skipped)} already done, "
        f"{len(outcome.failed)} failed ({outcome.wall_s:.0f} s); folder {outcome.out}"
    )
    for name, err in outcome.failed.items():
        typer.echo(f"FAILED {name}: {err}", err=True)
    if report:
        _write_report(spec, out)
    if outcome.failed:
        raise typer.Exit(1)


def _write_report(spec, out: Path) -> None:
    from medlens.experiments.report import write_experiment_report

    md, _ = write_experiment_report(spec, out)
    typer.echo(f"report: {md}")


@experiment_app.command("report")
def report(
    config: Path = typer.Argument(..., help="Experiment YAML."),
    out: Path | None = typer.Option(None, help="Experiment folder (default runs/experiments/NAME)."),
) -> None:
    """(Re)write the results table of the finished trials: Markdown, HTML, CSV and PNG."""
    spec = _spec(config)
    _write_report(spec, out or _default_out(spec))


@experiment_app.command("status")
def status(
    config: Path = typer.Argument(..., help="Experiment YAML."),
    out: Path | None = typer.Option(None, help="Experiment folder (default runs/experiments/NAME)."),
) -> None:
    """Which trials are done, failed or pending."""
    spec = _spec(config)
    folder = out or _default_out(spec)
    recorded = {}
    if (folder / "experiment.json").is_file():
        recorded = json.loads((folder / "experiment.json").read_text()).get("trials", {})
    for trial in spec.trials:
        run_dir = folder / "trials" / trial.name
        if (run_dir / "metrics.json").is_file():
            state = "done"
        elif (run_dir / "error.txt").is_file() or recorded.get(trial.name, {}).get("state") == "failed":
            state = "failed"
        elif (run_dir / "last.pt").is_file():
            state = "partial"
        else:
            state = "pending"
        typer.echo(f"{state:8s} {trial.name}")


def register(app: typer.Typer) -> None:
    app.add_typer(experiment_app, name="experiment")
