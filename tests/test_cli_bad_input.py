"""Bad input on the command line: an error naming the problem, exit code 2, no traceback, and nothing
half-written. Each case here raised an uncaught exception (exit 1 with a traceback) before."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from medlens.cli.main import app

MODELS = Path(__file__).resolve().parents[1] / "models"
runner = CliRunner()


def _photo(tmp_path: Path, name: str = "p.png") -> Path:
    path = tmp_path / name
    rng = np.random.default_rng(0)
    img = np.full((96, 96, 3), 190, np.uint8)
    cv2.circle(img, (48, 48), 22, (60, 40, 30), -1)
    cv2.imwrite(str(path), np.clip(img + rng.integers(0, 8, img.shape), 0, 255).astype(np.uint8))
    return path


def _refused(args: list[str], *needles: str) -> str:
    r = runner.invoke(app, args)
    assert r.exit_code == 2, (r.exit_code, r.output, r.exception)
    for needle in needles:
        assert needle in r.output, r.output
    return r.output


def test_tabular_predict_names_a_wrong_model_an_empty_csv_and_a_folder(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    out = tmp_path / "o.csv"
    base = ["tabular", "predict", "-o", str(out)]
    _refused([*base, "--input", str(empty), "--model", str(MODELS / "melanoma")], "invalid model card")
    _refused([*base, "--input", str(empty), "--model", str(MODELS / "covid-death")], "is empty")
    _refused([*base, "--input", str(tmp_path), "--model", str(MODELS / "covid-death")], "is a folder")
    _refused([*base, "--input", str(empty), "--model", str(tmp_path / "none")], "no such model card")
    assert not out.exists()


def test_predict_output_paths_and_model_path_that_cannot_work(tmp_path: Path) -> None:
    photo = _photo(tmp_path)
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    model = str(MODELS / "chest-xray")
    _refused(
        ["predict", str(photo), "--model", model, "--out", str(blocker / "x.jsonl")], "--out", "cannot create"
    )
    _refused(
        ["predict", str(photo), "--model", model, "--cam", str(blocker / "x.png")], "--cam", "cannot create"
    )
    _refused(["predict", str(photo), "--model", str(blocker)], "cannot read the model card")
    _refused(["predict", str(photo), "--model", model, "--lang", "xx"], "--lang", "en or ko")


def test_abcd_overlay_gets_a_suffix_and_nothing_is_written_when_a_later_photo_is_bad(tmp_path: Path) -> None:
    photo = _photo(tmp_path)
    r = runner.invoke(app, ["abcd", str(photo), "--overlay", str(tmp_path / "ov")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "ov.png").is_file()
    fake = tmp_path / "fake.jpg"
    fake.write_bytes(b"not a jpeg")
    _refused(["abcd", str(photo), str(fake), "--overlay", str(tmp_path / "many.png")], "fake.jpg")
    assert not list(tmp_path.glob("many*"))


def test_leaderboard_refuses_a_missing_out_folder_and_a_broken_card(tmp_path: Path) -> None:
    _refused(
        ["leaderboard", "--models", str(MODELS), "--cards-only", "--out", str(tmp_path / "no" / "lb.md")],
        "--out",
    )
    broken = tmp_path / "models" / "x"
    broken.mkdir(parents=True)
    (broken / "card.json").write_text("{")
    _refused(
        ["leaderboard", "--models", str(tmp_path / "models"), "--cards-only"], "not a readable model card"
    )


def test_explain_target_class_out_of_range() -> None:
    pytest.importorskip("torch")
    pytest.importorskip("timm")
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        photo = _photo(Path(tmp))
        out = Path(tmp) / "o.png"
        args = ["explain", str(photo), "--model", "resnet18", "--target-class", "5", "--out", str(out)]
        _refused(args, "out of range")
        assert not out.exists()
