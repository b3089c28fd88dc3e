"""`medlens predict` applies the web upload's capture-quality gate: an X-ray given to a skin model, or a
dark photo, comes back marked RETAKE with the reason, as the service would refuse it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from medlens.card import load_card
from medlens.cli.main import app
from medlens.quality.for_card import quality_check_for

runner = CliRunner()
MELANOMA = Path(__file__).parents[2] / "models" / "melanoma"


@pytest.fixture(scope="module")
def xrays(shared_data: Path) -> list[Path]:
    return sorted((shared_data / "chest_xray_kermany224" / "test").rglob("*.*"))[:2]


@pytest.fixture(scope="module")
def skin_photo(shared_data: Path) -> Path:
    return sorted((shared_data / "ham10000_lowres" / "images").glob("*.jpg"))[0]


def _predict(*args: str) -> list[dict]:
    res = runner.invoke(app, ["predict", *args, "--model", str(MELANOMA), "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_xray_to_a_skin_model_is_marked_retake(xrays: list[Path], skin_photo: Path) -> None:
    assert xrays, "no Kermany films found"
    rows = _predict(*map(str, xrays), str(skin_photo))
    for row in rows[:-1]:
        assert row["quality_ok"] is False
        assert "not_skin" in row["quality_issues"].split()
        assert row["quality_advice"]
    assert rows[-1]["quality_ok"] is True and rows[-1]["quality_issues"] == ""


def test_text_output_says_retake_and_why_in_korean_too(xrays: list[Path]) -> None:
    res = runner.invoke(app, ["predict", str(xrays[0]), "--model", str(MELANOMA), "--lang", "ko"])
    assert res.exit_code == 0, res.output
    line = res.stdout.splitlines()[0]
    assert "RETAKE (" in line and "not_skin" in line
    assert any("\uac00" <= ch <= "\ud7a3" for ch in line.split("RETAKE", 1)[1])  # the advice in Hangul


def test_no_quality_leaves_rows_as_the_model_gives_them(xrays: list[Path]) -> None:
    (row,) = _predict(str(xrays[0]), "--no-quality")
    assert not {"quality_ok", "quality_issues", "quality_advice"} & set(row)


def test_a_dark_photo_is_named(tmp_path: Path, skin_photo: Path) -> None:
    dark = tmp_path / "dark.png"
    with Image.open(skin_photo) as im:
        Image.fromarray((np.asarray(im.convert("RGB")) * 0.08).astype(np.uint8)).save(dark)
    (row,) = _predict(str(dark))
    assert row["quality_ok"] is False and row["quality_issues"]


def test_batch_rows_carry_the_verdict_into_csv(xrays: list[Path], skin_photo: Path, tmp_path: Path) -> None:
    out = tmp_path / "rows.csv"
    res = runner.invoke(
        app, ["predict", str(xrays[0]), str(skin_photo), "--model", str(MELANOMA), "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    table = list(csv.DictReader(out.open()))
    assert [r["quality_ok"] for r in table] == ["False", "True"]
    assert "not_skin" in table[0]["quality_issues"]


def test_unregistered_task_has_no_check(tmp_path: Path) -> None:
    card = load_card(MELANOMA)
    assert quality_check_for(card) is not None
    assert quality_check_for(card.model_copy(update={"task": "no-such-task"})) is None


@pytest.mark.parametrize(
    ("size", "model", "code"), [((1, 1), "melanoma", "too_small"), ((3, 5), "chest-xray", "xray_too_small")]
)
def test_a_tiny_image_is_a_retake_not_a_crash(
    tmp_path: Path, size: tuple[int, int], model: str, code: str
) -> None:
    tiny = tmp_path / "tiny.png"
    Image.new("RGB", size, (120, 80, 60)).save(tiny)
    res = runner.invoke(app, ["predict", str(tiny), "--model", str(MELANOMA.parent / model), "--json"])
    assert res.exit_code == 0, res.output
    (row,) = json.loads(res.stdout)
    assert row["quality_ok"] is False and row["quality_issues"] == code
