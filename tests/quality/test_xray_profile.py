"""The X-ray quality profile: radiographs are judged as files, not as camera photos."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from medlens.data.imageio import read_image_rgb
from medlens.quality import ISSUES, assess_quality
from medlens.quality.assess import quality_profile

XRAYS = (
    "chest_xray_kermany224/test/NORMAL",
    "chest_xray_kermany224/test/PNEUMONIA",
    "covid_radiography224/COVID",
    "covid_radiography224/Normal",
)
SKIN = "melanoma_10000/train/benign"
CAMERA_WORDS = ("tap", "focus", "camera", "flash", "초점", "카메라", "플래시")


def _first(folder: Path, n: int) -> list[np.ndarray]:
    if not folder.is_dir():
        pytest.skip(f"{folder} not found")
    return [read_image_rgb(p) for p in sorted(folder.glob("*.jpg"))[:n]]


def test_chest_xray_modality_uses_the_xray_profile() -> None:
    assert quality_profile("chest-xray") == "xray"
    assert quality_profile("xray") == "xray"
    assert quality_profile("dermoscopy") != "xray"


@pytest.mark.parametrize("folder", XRAYS)
def test_real_xrays_pass(shared_data: Path, folder: str) -> None:
    for image in _first(shared_data / folder, 8):
        rep = assess_quality(image, "chest-xray")
        assert rep.ok, (folder, rep.codes)


def test_blurred_xray_is_not_called_blurry(shared_data: Path) -> None:
    # the same image fails the camera rules once blurred, but an X-ray has no blur rule
    image = _first(shared_data / XRAYS[0], 1)[0]
    soft = cv2.GaussianBlur(image, (0, 0), 6)
    assert "blurry" in assess_quality(soft, "camera").codes
    assert assess_quality(soft, "chest-xray").ok


def test_colour_photos_are_refused_as_not_xray(shared_data: Path) -> None:
    for image in _first(shared_data / SKIN, 8):
        rep = assess_quality(image, "chest-xray")
        assert "not_xray" in rep.codes, rep.codes
        assert rep.details["chroma"] > 12.0


def test_small_xray_accepted_down_to_the_model_input(shared_data: Path) -> None:
    image = cv2.resize(_first(shared_data / XRAYS[1], 1)[0], (64, 64), interpolation=cv2.INTER_AREA)
    assert assess_quality(image, "chest-xray").codes == ["xray_too_small"]
    assert assess_quality(image, "chest-xray", min_side=64).ok
    assert assess_quality(image, "chest-xray", min_side=224).codes == ["xray_too_small"]


def test_flat_xray_gets_file_advice_not_camera_advice() -> None:
    flat = np.full((256, 256, 3), 4, np.uint8)
    rep = assess_quality(flat, "chest-xray")
    assert rep.codes == ["xray_exposure"]
    for code in ("xray_exposure", "not_xray", "xray_too_small"):
        issue = ISSUES[code]
        text = " ".join([issue.message.en, issue.message.ko, issue.retake_advice.en, issue.retake_advice.ko])
        assert not any(w in text.lower() for w in CAMERA_WORDS), (code, text)
