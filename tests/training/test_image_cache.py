"""The training image cache: a hit returns the stored array; two runs building the same cache file at the
same time (experiment trials side by side) both succeed."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from medlens.data.sample import Sample, SampleSet
from medlens.training import data as training_data


def _set(n: int = 6) -> SampleSet:
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 255, size=(20, 24, 3), dtype=np.uint8) for _ in range(n)]
    return SampleSet(
        name="toy",
        classes=["a", "b"],
        samples=[
            Sample(f"toy#{i}", {"label": i % 2}, str(i), loader=lambda im=im: im)
            for i, im in enumerate(images)
        ],
    )


def test_cache_hit_returns_the_stored_images(tmp_path: Path) -> None:
    ss = _set()
    first = training_data.load_images(ss, [0, 2, 4], 16, cache_dir=tmp_path)
    assert first.shape == (3, 16, 16, 3)
    assert len(list(tmp_path.glob("*.npy"))) == 1
    again = training_data.load_images(ss, [0, 2, 4], 16, cache_dir=tmp_path)
    assert np.array_equal(first, again)


def test_two_writers_of_the_same_cache_file_both_succeed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_save = np.save
    both_saving = threading.Barrier(2, timeout=10)

    def slow_save(file, arr, *a, **k):  # type: ignore[no-untyped-def]
        both_saving.wait()  # both writers hold their temporary file before either renames it
        real_save(file, arr, *a, **k)
        time.sleep(0.2)

    monkeypatch.setattr(training_data.np, "save", slow_save)
    ss = _set()
    with ThreadPoolExecutor(2) as pool:
        results = list(
            pool.map(lambda _: training_data.load_images(ss, [1, 3], 16, cache_dir=tmp_path), range(2))
        )
    assert np.array_equal(results[0], results[1])
    assert [p.name for p in tmp_path.iterdir() if "tmp" in p.name] == []
    assert len(list(tmp_path.glob("*.npy"))) == 1


def test_grayscale_cards_train_on_the_pixels_the_predictor_serves(tmp_path: Path) -> None:
    """An X-ray card serves the luminance (coloured annotations removed); training must see the same
    pixels, not the colour image (a review found the chest X-ray models trained on colour and served gray),
    and a grayscale cache never answers for the colour one."""
    from medlens.card import Preprocessing
    from medlens.serving.preprocessing import resize_for_model

    ss = _set()
    colour = training_data.load_images(ss, [0, 1], 16, cache_dir=tmp_path)
    gray = training_data.load_images(ss, [0, 1], 16, cache_dir=tmp_path, grayscale=True)
    assert len(list(tmp_path.glob("*.npy"))) == 2 and not np.array_equal(colour, gray)
    assert np.array_equal(gray[..., 0], gray[..., 1]) and np.array_equal(gray[..., 1], gray[..., 2])
    pp = Preprocessing(input_size=16, grayscale=True, interpolation="area/bilinear")
    for i in (0, 1):
        served, _ = resize_for_model(ss.samples[i].load_image(), pp)
        assert np.array_equal(gray[i], served)
