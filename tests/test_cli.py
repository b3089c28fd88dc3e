"""The top-level CLI: every command group is listed, and --help does not import torch."""

import subprocess
import sys

from typer.testing import CliRunner

from medlens.cli.main import app


def test_help_lists_every_command():
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0, result.output
    for command in (
        "tasks",
        "data",
        "train",
        "evaluate",
        "predict",
        "export",
        "serve",
        "tabular",
        "explain",
        "abcd",
        "quality",
        "retrain",
    ):
        assert command in result.output, f"{command!r} missing from medlens --help"


def test_tasks_command_lists_tasks():
    result = CliRunner().invoke(app, ["tasks"])
    assert result.exit_code == 0
    assert "melanoma" in result.output and "herpes-zoster" in result.output


def test_cli_help_is_torch_free():
    code = "import sys; from medlens.cli.main import app; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
