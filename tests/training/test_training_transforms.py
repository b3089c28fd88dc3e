"""Augmentation presets: every preset yields normalised (3, S, S) float32; eval is deterministic."""

from __future__ import annotations

import numpy as np
import pytest

from medlens.data.transforms import PRESETS, canonical_preset, create_transform, list_presets


@pytest.mark.parametrize("preset", list_presets(aliases=True))
def test_preset_shapes(preset: str, rng: np.random.Generator) -> None:
    image = rng.integers(0, 256, (48, 40, 3), dtype=np.uint8)  # not square, not input size
    tf = create_transform(preset, 32, (0.5, 0.5, 0.5), (0.5, 0.5, 0.5), train=True, seed=0)
    x = tf(image)
    assert x.shape == (3, 32, 32) and x.dtype == np.float32
    assert x.min() >= -1.0 - 1e-6 and x.max() <= 1.0 + 1e-6


def test_combinations_documented() -> None:
    assert canonical_preset("C4") == "flip-rotate-color-jitter"
    assert PRESETS.get(canonical_preset("C4")) == ("flip", "rotate", "color-jitter")
    assert PRESETS.get("all-five") == ("flip", "rotate", "color-jitter", "affine", "equalize")
    assert canonical_preset("F3") == "color-jitter" and canonical_preset("xray") == "xray"
    with pytest.raises(ValueError, match="flip-rotate"):
        canonical_preset("C9")
    assert PRESETS.get("none") == ()


def test_eval_transform_is_plain_normalisation(rng: np.random.Generator) -> None:
    image = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
    tf = create_transform("C8", 32, (0.485, 0.456, 0.406), (0.229, 0.224, 0.225), train=False)
    expect = ((image / 255.0 - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225]).transpose(2, 0, 1)
    np.testing.assert_allclose(tf(image), expect, atol=1e-5)


def test_train_augmentation_changes_image_and_is_seeded(rng: np.random.Generator) -> None:
    image = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
    a = create_transform("C4", 32, (0.5,) * 3, (0.5,) * 3, train=True, seed=1)
    b = create_transform("C4", 32, (0.5,) * 3, (0.5,) * 3, train=True, seed=1)
    xa = [a(image) for _ in range(4)]
    xb = [b(image) for _ in range(4)]
    assert all(np.array_equal(p, q) for p, q in zip(xa, xb, strict=True))
    assert not all(np.array_equal(xa[0], x) for x in xa[1:])


def test_unknown_preset() -> None:
    with pytest.raises(ValueError, match="C8"):
        create_transform("Z9", 32, (0.5,) * 3, (0.5,) * 3, train=True)


def _d8(image: np.ndarray) -> set[bytes]:
    return {
        np.ascontiguousarray(np.rot90(m, k)).tobytes()
        for m in (image, image.swapaxes(0, 1))
        for k in range(4)
    }


def test_seeded_flips_draw_independently(rng: np.random.Generator) -> None:
    """Regression: albumentations' Compose(seed=...) gave each transform the same stream, so the horizontal
    and vertical flip fired together and a single mirror never occurred; both mirrors must appear."""
    image = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    tf = create_transform("flip", 8, (0.5,) * 3, (0.5,) * 3, train=True, seed=0)
    seen = {tf(image).tobytes() for _ in range(100)}
    norm = create_transform("none", 8, (0.5,) * 3, (0.5,) * 3, train=False)
    expect = {
        norm(np.ascontiguousarray(v)).tobytes()
        for v in (image, image[:, ::-1], image[::-1], image[::-1, ::-1])
    }
    assert seen == expect
    # still reproducible: the same seed gives the same sequence
    a, b = (create_transform("C4", 8, (0.5,) * 3, (0.5,) * 3, train=True, seed=3) for _ in range(2))
    assert all(np.array_equal(a(image), b(image)) for _ in range(10))


def test_quarter_turn_with_flips_reaches_all_eight_symmetries(rng: np.random.Generator) -> None:
    import albumentations as A

    from medlens.data.transforms import SINGLE, seed_augmentation

    assert PRESETS.get(canonical_preset("C4Q")) == ("flip", "rotate", "color-jitter", "quarter-turn")
    image = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    tf = A.Compose([*SINGLE["flip"](), *SINGLE["quarter-turn"]()])
    seed_augmentation(tf, 0)
    assert {tf(image=image)["image"].tobytes() for _ in range(200)} == _d8(image)
