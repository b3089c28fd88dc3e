"""Synthetic graded scalp textures: each grade moves its own visual factor, and the set reads back
through the AI-Hub adapter with the grades it was written with."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from medlens.scalp.synthetic import HEADS, scalp_image, write_dataset


def _mean_over_seeds(fn, head: str, grade: int, n: int = 6) -> float:  # type: ignore[no-untyped-def]
    vals = []
    for seed in range(n):
        grades = [grade if h == head else 0 for h in HEADS]
        vals.append(fn(scalp_image(grades, np.random.default_rng(seed)).astype(np.float64)))
    return float(np.mean(vals))


def redness(img: np.ndarray) -> float:
    return float((img[..., 0] - img[..., 1]).mean())


def dark_fraction(img: np.ndarray) -> float:
    return float((img.mean(axis=2) < 90).mean())


def white_fraction(img: np.ndarray) -> float:
    """Pixels much paler than the skin (relative, so the random lighting does not matter)."""
    low = img.min(axis=2)
    return float((low > 1.3 * np.median(low)).mean())


@pytest.mark.parametrize(
    ("head", "measure", "sign"),
    [
        ("erythema_interfollicular", redness, 1),
        ("hair_loss", dark_fraction, -1),
        ("dandruff", white_fraction, 1),
        ("fine_dandruff", white_fraction, 1),
    ],
)
def test_each_grade_moves_its_factor_monotonically(head: str, measure, sign: int) -> None:  # type: ignore[no-untyped-def]
    values = [_mean_over_seeds(measure, head, grade) for grade in range(4)]
    steps = np.diff(values) * sign
    assert (steps > 0).all(), (head, values)


def test_bad_grades_are_refused() -> None:
    with pytest.raises(ValueError, match="6 grades"):
        scalp_image([0, 1, 2], np.random.default_rng(0))
    with pytest.raises(ValueError):
        scalp_image([0, 0, 0, 0, 0, 4], np.random.default_rng(0))


def test_written_set_reads_back_through_the_aihub_adapter(tmp_path: Path) -> None:
    from medlens.data.registry import create_dataset

    root = write_dataset(tmp_path / "synth", n=12, seed=3, size=48)
    ds = create_dataset("aihub-scalp", root)
    assert len(ds) == 12 and set(ds.heads) == set(HEADS)
    assert len(set(ds.groups())) == 6  # two photos per synthetic subject, grouped by subject
    for sample in ds.samples:
        stem = Path(sample.source).stem
        label = json.loads((root / "labels" / f"{stem}.json").read_text())
        assert label["synthetic"] is True
        assert [sample.labels[h] for h in HEADS] == [int(label[f"value_{k}"]) for k in range(1, 7)]
    assert "SYNTHETIC" in (root / "README.txt").read_text()
