"""``medlens leaderboard``: the bundled models beside published numbers (torch-free)."""

from __future__ import annotations

from pathlib import Path

import typer


def leaderboard(
    models: Path = typer.Option(
        Path("models"), help="Folder of bundled models (one card.json per subfolder)."
    ),
    data_root: Path | None = typer.Option(
        None, help="Shared data folder (default: ../shared/data or MEDLENS_DATA_ROOT)."
    ),
    remeasure: bool = typer.Option(
        True, "--remeasure/--cards-only", help="Re-measure where the data are present."
    ),
    out: Path | None = typer.Option(None, help="Also write the Markdown table here."),
) -> None:
    """Evaluate every bundled model and print it beside the published figures for its benchmark."""
    from medlens.card import CardError
    from medlens.experiments.leaderboard import leaderboard_markdown, leaderboard_rows

    if not models.is_dir():
        raise typer.BadParameter(f"{models} is not a folder", param_hint="--models")
    if data_root is None:
        from medlens.config import default_data_root

        data_root = default_data_root()
    if out is not None and not out.parent.is_dir():  # found before the (long) evaluation, not after it
        raise typer.BadParameter(f"{out.parent} is not a folder", param_hint="--out")
    try:
        rows = leaderboard_rows(models, data_root if data_root.is_dir() else None, remeasure=remeasure)
    except CardError as exc:
        raise typer.BadParameter(str(exc), param_hint="--models") from None
    if not rows:
        raise typer.BadParameter(f"no image model cards under {models}", param_hint="--models")
    table = leaderboard_markdown(rows)
    typer.echo(table)
    typer.echo(
        "\nOur rows are bold; 95% bootstrap CIs in brackets. Published figures use their own protocols."
    )
    if out is not None:
        out.write_text(table + "\n")


def register(app: typer.Typer) -> None:
    app.command("leaderboard")(leaderboard)
