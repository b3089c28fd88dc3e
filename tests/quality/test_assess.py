"""Capture-quality gate on a real dermoscopy photo and degraded versions of it."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from medlens.data.imageio import read_image_rgb
from medlens.quality import ISSUES, assess_quality

SHARP = "melanoma_10000/train/benign/melanoma_0.jpg"


@pytest.fixture(scope="module")
def skin_image(shared_data: Path) -> np.ndarray:
    path = shared_data / SHARP
    if not path.exists():
        pytest.skip(f"{path} not found")
    return read_image_rgb(path)


def test_sharp_real_skin_passes(skin_image: np.ndarray) -> None:
    rep = assess_quality(skin_image, modality="skin")
    assert rep.ok, rep.codes
    assert rep.skin_fraction is not None and rep.skin_fraction > 0.5
    assert rep.to_dict()["ok"] is True


def test_blurred_fails_on_blur(skin_image: np.ndarray) -> None:
    blurred = cv2.GaussianBlur(skin_image, (0, 0), 4)
    rep = assess_quality(blurred)
    assert not rep.ok
    assert rep.codes == ["blurry"]
    assert rep.blur < assess_quality(skin_image).blur / 5


def test_darkened_fails_on_exposure(skin_image: np.ndarray) -> None:
    dark = (skin_image.astype(np.float32) * 0.2).astype(np.uint8)
    rep = assess_quality(dark)
    assert "too_dark" in rep.codes
    assert "blurry" not in rep.codes  # darkness, not blur, is the stated reason


def test_overexposed_fails(skin_image: np.ndarray) -> None:
    bright = np.clip(skin_image.astype(np.int32) + 120, 0, 255).astype(np.uint8)
    assert "too_bright" in assess_quality(bright).codes


def test_non_skin_scene_flagged(rng: np.random.Generator) -> None:
    h, w = 300, 400
    scene = np.zeros((h, w, 3), np.uint8)
    scene[: h // 2] = (90, 150, 230)  # sky
    scene[h // 2 :] = (40, 140, 50)  # grass
    scene = np.clip(scene + rng.normal(0, 20, scene.shape), 0, 255).astype(np.uint8)
    rep = assess_quality(scene, modality="skin")
    assert "not_skin" in rep.codes
    assert rep.skin_fraction is not None and rep.skin_fraction < 0.05


def test_text_on_white_flagged_not_skin() -> None:
    page = np.full((300, 400, 3), 235, np.uint8)
    for i in range(8):
        cv2.putText(
            page, "medlens screening text", (10, 30 + 35 * i), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (0, 0, 0), 2
        )
    rep = assess_quality(page, modality="dermoscopy")
    assert "not_skin" in rep.codes


def test_chest_xray_skips_skin_check() -> None:
    gray = np.tile(np.linspace(0, 255, 300, dtype=np.uint8), (300, 1))
    xray = np.repeat(gray[..., None], 3, axis=2)
    xray = xray.copy()
    cv2.circle(xray, (150, 150), 60, (250, 250, 250), 3)
    rep = assess_quality(xray, modality="chest-xray")
    assert rep.skin_fraction is None
    assert "not_skin" not in rep.codes


def test_tiny_image_flagged(skin_image: np.ndarray) -> None:
    tiny = cv2.resize(skin_image, (64, 64), interpolation=cv2.INTER_AREA)
    assert "too_small" in assess_quality(tiny).codes


def test_every_issue_has_both_languages() -> None:
    for code, issue in ISSUES.items():
        assert issue.code == code
        for text in (issue.message, issue.retake_advice):
            assert text.get("en") and text.get("ko") and text.en != text.ko


@pytest.mark.parametrize("bad", [np.zeros((10, 10), np.uint8), np.zeros((10, 10, 3), np.float32), "x"])
def test_bad_input_raises(bad: object) -> None:
    with pytest.raises(ValueError, match="assess_quality"):
        assess_quality(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("shape", [(1, 1), (7, 5), (100, 1), (256, 192)])
def test_exposure_stats_from_histogram_equal_numpy(shape):
    from medlens.quality.measures import exposure_stats

    rng = np.random.default_rng(sum(shape))
    for gray in (
        rng.integers(0, 256, shape).astype(np.uint8),
        np.clip(rng.normal(120, 60, shape), 0, 255).astype(np.uint8),
        np.full(shape, 200, np.uint8),
    ):
        got, g = exposure_stats(gray), gray.astype(np.float64)
        assert got["brightness"] == pytest.approx(g.mean(), abs=1e-9)
        assert got["contrast"] == pytest.approx(g.std(), abs=1e-9)
        assert got["p90"] == pytest.approx(np.percentile(g, 90), abs=1e-9)
        assert got["p10"] == pytest.approx(np.percentile(g, 10), abs=1e-9)
        assert got["dark_fraction"] == pytest.approx((gray < 25).mean())
        assert got["bright_fraction"] == pytest.approx((gray > 245).mean())
