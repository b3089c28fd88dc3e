"""TDS arithmetic and bands, diameter score, hair removal."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from medlens.lesion import TDS_BANDS, diameter_score, tds_band, total_dermoscopy_score
from medlens.lesion.hair import remove_hair

from .synthetic import LIGHT_BROWN, canvas, disc_mask, finish, paint


def test_tds_formula_and_bands() -> None:
    assert total_dermoscopy_score(2, 8, 6, 5) == pytest.approx(8.9)
    assert total_dermoscopy_score(0, 0, 1, 1) == pytest.approx(1.0)
    assert total_dermoscopy_score(1, 4, 3, 3) == pytest.approx(1.3 + 0.4 + 1.5 + 1.5)
    assert tds_band(4.74) == "benign"
    assert tds_band(4.75) == "suspicious"
    assert tds_band(5.45) == "suspicious"
    assert tds_band(5.46) == "highly_suspicious"
    assert set(TDS_BANDS) == {"benign", "suspicious", "highly_suspicious"}
    with pytest.raises(ValueError, match="out of range"):
        total_dermoscopy_score(3, 0, 1, 1)


@pytest.mark.parametrize(("mm", "score"), [(1.0, 1), (3.0, 2), (5.9, 3), (6.1, 4), (12.0, 5)])
def test_diameter_score(mm: float, score: int) -> None:
    assert diameter_score(mm) == score


def test_hair_lines_are_removed(rng: np.random.Generator) -> None:
    img = finish(paint(canvas(rng), disc_mask(r=50), LIGHT_BROWN))
    hairy = img.copy()
    for k in range(6):
        cv2.line(hairy, (0, 30 + 45 * k), (299, 10 + 50 * k), (30, 20, 15), 2)
    clean, mask = remove_hair(hairy)
    assert mask.mean() > 0.01
    # Inpainted pixels come back close to the hair-free picture.
    err_before = np.abs(hairy.astype(int) - img).mean()
    err_after = np.abs(clean.astype(int) - img).mean()
    assert err_after < 0.3 * err_before
    # The lesion itself is not taken for hair.
    assert mask[disc_mask(r=40)].mean() < 0.2
