"""The ``medlens`` command line. Commands live in small modules; each module's ``register(app)``
adds its commands. Heavy imports (torch, onnxruntime) happen inside command bodies so that
``medlens --help`` stays fast and the serve install never imports torch."""

from __future__ import annotations

import importlib
import logging

import typer

from medlens import __version__

app = typer.Typer(
    name="medlens",
    help="medlens: AI screening of medical images (screening and referral, never a diagnosis).",
    no_args_is_help=True,
    add_completion=False,
)

# One module per command group, each owned by one area of the package.
COMMAND_MODULES = (
    "tasks",
    "data",
    "train",
    "predict",
    "explain",
    "tabular",
    "serve",
    "lesion",
    "experiment",
    "leaderboard",
    "sources",
    "robustness",
    "conformal",
    "notify",
    "ood",
    "subgroups",
    "retrain",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def main(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


for _name in COMMAND_MODULES:
    importlib.import_module(f"medlens.cli.{_name}").register(app)


if __name__ == "__main__":
    app()
