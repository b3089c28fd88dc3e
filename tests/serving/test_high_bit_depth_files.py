"""16-bit PNG X-rays read from files (``medlens predict``, batch screening, training) are windowed like the
web upload's, not clipped to white by Pillow's ``convert("RGB")`` (a review found a normal X-ray saved as
12-bit data called pneumonia at P 0.99 by the CLI while the web service called it normal)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from medlens.config import PROJECT_ROOT
from medlens.serving.images import read_any_image


def _real_xrays(shared_data: Path) -> list[Path]:
    root = shared_data / "chest_xray_kermany224" / "test"
    found = [sorted((root / c).glob("*.jp*g"))[:1] for c in ("NORMAL", "PNEUMONIA")]
    if not all(found):
        pytest.skip(f"no NORMAL and PNEUMONIA test X-rays under {root}")
    return [f[0] for f in found]


def _as_png16(src: Path, out: Path, scale: int) -> Path:
    with Image.open(src) as im:
        gray8 = np.asarray(im.convert("L")).astype(np.uint32)
    Image.fromarray((gray8 * scale).astype(np.uint16)).save(out)
    assert out.read_bytes()[24] == 16  # IHDR bit depth: really a 16-bit PNG
    return out


@pytest.mark.parametrize("scale", [257, 16, 4])  # 16-bit full range, 12-bit, 10-bit data
def test_file_reader_windows_high_bit_depth_like_the_8bit_source(shared_data, tmp_path, scale):
    for src in _real_xrays(shared_data):
        rgb8 = read_any_image(src)
        rgb16 = read_any_image(_as_png16(src, tmp_path / f"{src.stem}.png", scale))
        assert rgb16.dtype == np.uint8 and rgb16.shape == rgb8.shape
        assert np.abs(rgb16.astype(int) - rgb8.astype(int)).max() <= 1  # before: most pixels 255


def test_bundled_xray_model_gives_the_same_result_for_the_16bit_copy(shared_data, tmp_path):
    bundle = PROJECT_ROOT / "models" / "chest-xray"
    if not (bundle / "card.json").exists():
        pytest.skip("no bundled chest-xray model under models/")
    from medlens.serving import Predictor

    predictor = Predictor.from_card(bundle)
    for src in _real_xrays(shared_data):
        a = predictor.predict(read_any_image(src))
        b = predictor.predict(read_any_image(_as_png16(src, tmp_path / f"{src.stem}.png", 16)))
        assert a.label == b.label and a.screen_positive == b.screen_positive, src.name
        assert abs(a.probabilities[a.label] - b.probabilities[b.label]) < 0.02, src.name
