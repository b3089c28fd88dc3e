"""Issue 11, finding 6: 16-bit (and other high-bit-depth) grayscale PNGs, common for X-rays, decoded to
all-255 and were refused as "overexposed". Tested on a real chest X-ray saved as 16- and 12-bit PNGs."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from medlens.data.imageio import gray_to_rgb8
from medlens.web.services.images import decode_upload

from .conftest import upload


def _real_xray(shared_data: Path) -> np.ndarray:
    path = sorted((shared_data / "chest_xray_kermany224" / "test" / "PNEUMONIA").glob("*.jpeg"))
    path = path or sorted((shared_data / "chest_xray_kermany224" / "test").rglob("*.jp*g"))
    if not path:
        pytest.skip("no chest X-ray JPEG under chest_xray_kermany224/test")
    with Image.open(path[0]) as im:
        return np.asarray(im.convert("L"))


def _png16(values: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(values.astype(np.uint16)).save(buf, format="PNG")  # Pillow writes 16-bit grayscale
    data = buf.getvalue()
    assert data[24] == 16  # IHDR bit depth: really a 16-bit PNG
    return data


@pytest.mark.parametrize("scale", [257, 16, 4])  # 16-bit full range, 12-bit, 10-bit data in 16-bit PNGs
def test_real_xray_as_high_bit_depth_png_decodes_like_the_8bit_source(shared_data, scale):
    gray8 = _real_xray(shared_data)
    decoded = decode_upload(_png16(gray8.astype(np.uint32) * scale), "xray.png", "image/png", True, 10**8)
    rgb = decoded.rgb
    assert rgb.dtype == np.uint8 and rgb.shape == (*gray8.shape, 3)
    # the 8-bit source back, within rounding (before the fix: every pixel was 255)
    assert np.abs(rgb[..., 0].astype(int) - gray8.astype(int)).max() <= 1
    # the stored copy is an 8-bit PNG of the same pixels (a browser / thumbnail shows what the model saw)
    with Image.open(io.BytesIO(decoded.stored)) as stored:
        assert stored.mode == "RGB" and np.array_equal(np.asarray(stored), rgb)


def test_high_bit_depth_xray_upload_is_screened_not_refused(client, make_account, shared_data):
    pat = make_account()
    data = _png16(_real_xray(shared_data).astype(np.uint32) * 257)
    r = upload(client, pat, data, task="chest-xray", filename="xray.png", ctype="image/png")
    assert r.status_code == 201, r.text  # was 422 "overexposed"
    image = client.get(r.json()["image_url"], headers=pat.auth)
    with Image.open(io.BytesIO(image.content)) as im:
        assert 40 < np.asarray(im.convert("L")).mean() < 220


def test_window_helper_edges():
    assert gray_to_rgb8(np.zeros((4, 4), np.uint16)).max() == 0
    assert gray_to_rgb8(np.full((4, 4), 4095, np.uint16)).min() == 255  # 12-bit white
    signed = gray_to_rgb8(np.array([[-1000, 0], [1000, 3000]], np.int32))
    assert signed[0, 0, 0] == 0 and signed[1, 1, 0] == 255
