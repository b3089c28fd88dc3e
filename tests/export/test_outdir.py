"""``medlens ensemble`` / ``recalibrate`` replace only a missing or empty folder or an earlier bundle: an
``--out`` naming ``models/`` (every bundle) or the working directory is refused before any work."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medlens.cli.main import app
from medlens.export.outdir import check_replaceable, move_into_place

MODELS = Path(__file__).resolve().parents[2] / "models"


def test_what_may_be_replaced(tmp_path: Path) -> None:
    check_replaceable(tmp_path / "new")  # missing
    (tmp_path / "empty").mkdir()
    check_replaceable(tmp_path / "empty")
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "card.json").write_text("{}")
    check_replaceable(tmp_path / "old")  # an earlier bundle
    (tmp_path / "models" / "melanoma").mkdir(parents=True)
    with pytest.raises(ValueError, match="not a model bundle"):
        check_replaceable(tmp_path / "models")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(ValueError, match="is a file"):
        check_replaceable(tmp_path / "notes.txt")


def test_move_into_place_replaces_an_earlier_bundle_and_nothing_else(tmp_path: Path) -> None:
    old, work = tmp_path / "old", tmp_path / ".old-work"
    old.mkdir()
    (old / "card.json").write_text('{"v": 1}')
    work.mkdir()
    (work / "card.json").write_text('{"v": 2}')
    move_into_place(work, old)
    assert (old / "card.json").read_text() == '{"v": 2}' and not work.exists()
    keep, work = tmp_path / "keep", tmp_path / ".keep-work"
    keep.mkdir()
    (keep / "thesis.tex").write_text("x")
    work.mkdir()
    with pytest.raises(ValueError):
        move_into_place(work, keep)
    assert (keep / "thesis.tex").exists()


@pytest.mark.parametrize("command", ["recalibrate", "ensemble"])
def test_the_cli_refuses_a_folder_that_is_not_a_bundle_and_deletes_nothing(
    tmp_path: Path, command: str
) -> None:
    models = tmp_path / "models"
    shutil.copytree(MODELS / "chest-xray", models / "chest-xray")
    (models / "README.txt").write_text("every bundle lives here")
    bundle = models / "chest-xray"
    args = [command, str(bundle), "--out", str(models)]
    if command == "ensemble":
        args = ["ensemble", str(bundle), str(bundle), "--out", str(models)]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 2, r.output
    assert "not a model bundle" in r.output
    assert (models / "README.txt").exists() and (bundle / "card.json").exists()
