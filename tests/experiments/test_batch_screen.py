"""Batch screening to JSONL/CSV: in one process and on Ray Data actors, same rows, errors kept."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from medlens.batch.screen import screen_local, write_rows
from medlens.cli.main import app

from .conftest import make_folder

MODEL = Path(__file__).parents[2] / "models" / "melanoma"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    root = make_folder(tmp_path_factory.mktemp("screen"), n_per_class=6, size=48)
    broken = root / "broken.png"
    broken.write_bytes(b"not an image")
    return [*sorted(root.rglob("*_*.png")), broken]


def _strip(row: dict) -> dict:
    return {k: v for k, v in row.items() if k != "model_ms"}


def test_local_rows_and_formats(files: list[Path], tmp_path: Path) -> None:
    rows = list(screen_local(files, MODEL, batch_size=5))
    assert [r["file"] for r in rows] == [str(f.absolute()) for f in files]
    assert "cannot decode" in rows[-1]["error"]
    assert all(abs(sum(r["probabilities"].values()) - 1) < 1e-6 for r in rows[:-1])
    assert write_rows(rows, tmp_path / "o.jsonl") == len(files)
    assert json.loads((tmp_path / "o.jsonl").read_text().splitlines()[0])["file"] == rows[0]["file"]
    write_rows(rows, tmp_path / "o.csv")
    table = list(csv.DictReader((tmp_path / "o.csv").open()))
    assert table[0]["label"] == rows[0]["label"] and table[-1]["error"]
    with pytest.raises(ValueError, match=r"\.jsonl or \.csv"):
        write_rows(rows, tmp_path / "o.txt")


def test_cli_ray_needs_an_output_file(files: list[Path]) -> None:
    result = CliRunner().invoke(app, ["predict", str(files[0]), "--model", str(MODEL), "--ray"])
    assert result.exit_code == 2 and "--out must name" in result.output


@pytest.mark.slow
def test_ray_data_gives_the_same_rows_as_one_process(files: list[Path], tmp_path: Path) -> None:
    pytest.importorskip("ray")
    out = tmp_path / "ray.jsonl"
    result = CliRunner().invoke(
        app, ["predict", *map(str, files), "--model", str(MODEL), "--ray", "--actors", "2", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    ray_rows = [json.loads(line) for line in out.read_text().splitlines()]
    local = list(screen_local(files, MODEL, quality=True))  # the CLI applies the quality gate by default
    assert [_strip(r) for r in ray_rows] == [_strip(r) for r in local]
    assert all("quality_ok" in r for r in ray_rows[:-1])  # every decoded file has a verdict
    import ray

    assert not ray.is_initialized()
