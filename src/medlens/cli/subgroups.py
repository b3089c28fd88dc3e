"""medlens CLI: ``subgroups`` (a model's test metrics per sex, age band and body site, largest gap flagged)."""

from __future__ import annotations

import json
import logging
import shlex
from pathlib import Path
from typing import Any, NoReturn

import typer

log = logging.getLogger(__name__)


def _command(ctx: typer.Context) -> str:
    """The re-runnable command: every option given on the command line (``--threads`` left out: it does
    not change the result), read from the command's context so it is right under any launcher or test
    runner (``sys.argv`` is not)."""
    parts = ["medlens", ctx.info_name or "subgroups"]
    for param in ctx.command.params:
        name = param.name or ""
        source = ctx.get_parameter_source(name)
        if name == "threads" or source is None or source.name != "COMMANDLINE":
            continue
        flag = next(o for o in param.opts if o.startswith("--"))
        value = ctx.params[name]
        if getattr(param, "is_flag", False):
            parts += [flag] if value else []
        else:
            parts += [flag, str(value)]
    return shlex.join(parts)


def subgroups(
    ctx: typer.Context,
    model: Path = typer.Option(..., "--model", "-m", help="Model folder (card.json), image or tabular."),
    data_root: Path | None = typer.Option(
        None,
        "--data-root",
        help="Image models: dataset root (default: the card's, else the shared data folder). "
        "Tabular models: the COVID CSV or zip (default: the shared file).",
    ),
    test_set: str = typer.Option(
        "card",
        "--test-set",
        help="card: the model's own test split, rebuilt from its card; ham10000-unseen: HAM10000 photos a "
        "Kaggle-folder melanoma model never saw (cross-source).",
    ),
    limit: int = typer.Option(0, "--limit", min=0, help="Random test rows/images to use (0 = all)."),
    min_n: int = typer.Option(30, "--min-n", min=1, help="Groups with fewer rows are reported as too few."),
    min_class: int = typer.Option(
        10, "--min-class", min=1, help="Target metrics need this many rows of the class in a group."
    ),
    n_boot: int = typer.Option(1000, "--n-boot", min=100),
    seed: int = typer.Option(0, "--seed"),
    threads: int | None = typer.Option(None, "--threads", help="ONNX Runtime threads (default: all cores)."),
    out: Path | None = typer.Option(None, "--out", help="Report folder (default reports/subgroups-<model>)."),
    card: bool = typer.Option(False, "--card", help="Store the summary in the card (metrics.subgroups)."),
) -> None:
    """Per model, test metrics by sex, age band and body site with 95% bootstrap CIs; the largest gap
    between groups flagged. Writes report.md, report.html, subgroups.png and subgroups.json."""
    from medlens.card import CardError, load_card
    from medlens.data import DatasetFormatError
    from medlens.evaluation.subgroup_report import (
        card_block,
        gap_text,
        model_largest_gap,
        write_card_block,
        write_subgroup_report,
    )

    try:
        kind = load_card(model).kind
    except CardError as exc:
        _fail(str(exc))
    command = _command(ctx)
    try:
        result = _run(
            kind, model, data_root, test_set, limit or None, min_n, min_class, n_boot, seed, threads
        )
    except (CardError, DatasetFormatError, ValueError, OSError) as exc:
        _fail(str(exc))
    result["largest_gap"] = model_largest_gap(result["attributes"])
    out_dir = out or Path("reports") / f"subgroups-{model.resolve().name}"
    out_dir.mkdir(parents=True, exist_ok=True)
    md, _ = write_subgroup_report(result, out_dir, command)
    (out_dir / "subgroups.json").write_text(json.dumps(result, indent=1, default=float) + "\n")
    typer.echo(f"{result['model']}: largest gap: {gap_text(result['largest_gap'])}")
    if card:
        write_card_block(model, card_block(result, md.as_posix(), command))
        typer.echo(f"card: metrics.subgroups written to {model}")
    typer.echo(f"wrote {out_dir}/report.md, report.html, subgroups.png, subgroups.json")


def _run(
    kind: str,
    model: Path,
    data_root: Path | None,
    test_set: str,
    limit: int | None,
    min_n: int,
    min_class: int,
    n_boot: int,
    seed: int,
    threads: int | None,
) -> dict[str, Any]:
    if kind == "tabular":
        from medlens.tabular.subgroups import tabular_subgroups

        if test_set != "card":
            _fail(f"tabular models have only their own test split (--test-set card), not {test_set!r}")
        return tabular_subgroups(model, data_root, limit, min_n, min_class, n_boot, seed)
    from medlens.serving.subgroup_check import image_subgroups

    return image_subgroups(model, data_root, test_set, limit, min_n, min_class, n_boot, seed, threads)


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    """Add this module's command to app."""
    app.command("subgroups")(subgroups)
