"""``medlens abcd`` and ``medlens quality`` on files."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
from typer.testing import CliRunner

from medlens.cli.main import app

from .synthetic import LIGHT_BROWN, canvas, disc_mask, finish, irregular_mask, paint

runner = CliRunner()


def _write(path: Path, rgb: np.ndarray) -> Path:
    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return path


def test_abcd_json_and_overlay(tmp_path: Path, rng: np.random.Generator) -> None:
    img = _write(tmp_path / "lesion.png", finish(paint(canvas(rng), disc_mask(r=60), LIGHT_BROWN)))
    out = tmp_path / "ov.png"
    res = runner.invoke(app, ["abcd", str(img), "--mm-per-pixel", "0.05", "--overlay", str(out), "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output.strip().splitlines()[-1])
    assert d["ok"] and d["asymmetry"] == 0 and abs(d["diameter_mm"] - 6.05) < 0.2
    assert cv2.imread(str(out)).shape == (300, 300, 3)


def test_abcd_text_in_korean(tmp_path: Path, rng: np.random.Generator) -> None:
    img = _write(tmp_path / "blob.png", finish(paint(canvas(rng), irregular_mask(), LIGHT_BROWN)))
    res = runner.invoke(app, ["abcd", str(img), "--lang", "ko"])
    assert res.exit_code == 0, res.output
    assert "TDS=" in res.output and "ABCD 점수" in res.output


def test_quality_verdicts_and_exit_code(tmp_path: Path, rng: np.random.Generator) -> None:
    good = finish(paint(canvas(rng), disc_mask(r=60), LIGHT_BROWN))
    noisy_skin = np.clip(good.astype(int) + rng.normal(0, 12, good.shape), 0, 255).astype(np.uint8)
    ok_file = _write(tmp_path / "ok.png", noisy_skin)
    dark_file = _write(tmp_path / "dark.png", (noisy_skin * 0.15).astype(np.uint8))
    res = runner.invoke(app, ["quality", str(ok_file)])
    assert res.exit_code == 0, res.output
    assert "OK" in res.output
    res = runner.invoke(app, ["quality", str(ok_file), str(dark_file)])
    assert res.exit_code == 1
    assert "RETAKE" in res.output and "too_dark" in res.output


def test_missing_file_is_named(tmp_path: Path) -> None:
    res = runner.invoke(app, ["quality", str(tmp_path / "nope.jpg")])
    assert res.exit_code != 0
    assert "nope.jpg" in res.output
