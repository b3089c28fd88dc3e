"""Shortcut audit: probes find planted artifacts, source prediction and counterfactual measures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from medlens.audit.counterfactual import (
    EDITS,
    add_lens_border,
    centre_crop,
    remove_lens_border,
    sensitivity,
    zoom_out,
)
from medlens.audit.probes import PROBES, has_lens_border, image_probes, lens_border_mask, probe_matrix
from medlens.audit.report import verdict
from medlens.audit.shortcuts import probe_label_auroc, source_predictability


def _skin(seed: int, bright: float = 190.0, size: int = 96) -> np.ndarray:
    rng = np.random.default_rng(seed)
    im = np.full((size, size, 3), (bright, bright * 0.8, bright * 0.7)) + rng.normal(0, 6, (size, size, 3))
    yy, xx = np.ogrid[:size, :size]
    lesion = (yy - size / 2) ** 2 + (xx - size / 2) ** 2 <= (size / 5 + rng.integers(0, 6)) ** 2
    im[lesion] = (90, 60, 45)
    return np.clip(im, 0, 255).astype(np.uint8)


def test_probes_see_a_lens_border_and_the_lesion() -> None:
    plain = image_probes(_skin(0))
    border = image_probes(add_lens_border(_skin(0), 0.9))
    assert plain["lens_border"] == 0.0 and border["lens_border"] == 1.0
    assert border["corner_luminance"] < 20 < plain["corner_luminance"]
    assert 0.05 < plain["lesion_area_fraction"] < 0.3
    assert plain["aspect"] == 1.0 and np.isnan(plain["bytes_per_pixel"])  # no file
    assert probe_matrix([plain, border]).shape == (2, len(PROBES))


def test_a_planted_border_shortcut_is_found_and_a_neutral_probe_is_not() -> None:
    y = np.array([1] * 20 + [0] * 20)
    rows = [image_probes(add_lens_border(_skin(i)) if y[i] else _skin(i), segment=False) for i in range(40)]
    assoc = probe_label_auroc(probe_matrix(rows), y, n_boot=200)
    assert assoc["lens_border"]["auroc"]["value"] == 1.0 and assoc["lens_border"]["strength"] == 1.0
    assert assoc["height"]["auroc"] is None  # constant probe: nothing to say
    assert assoc["lesion_area_fraction"]["auroc"] is None  # not measured (segment=False)


def test_source_prediction_separates_a_brighter_collection_and_not_a_random_split() -> None:
    rows = [image_probes(_skin(i, bright=150 if i % 2 else 210), segment=False) for i in range(60)]
    x = probe_matrix(rows)
    src = np.array(["a" if i % 2 else "b" for i in range(60)])
    groups = np.array([str(i) for i in range(60)])
    r = source_predictability(x, src, groups, pixels_only=True, n_boot=200)
    assert r["auroc"]["value"] > 0.95 and "height" not in r["features"]
    same = np.array([_skin(i) for i in range(60)])
    x2 = probe_matrix([image_probes(im, segment=False) for im in same])
    rnd = np.random.default_rng(0).permutation(src)
    assert source_predictability(x2, rnd, groups, n_boot=200)["auroc"]["value"] < 0.8
    with pytest.raises(ValueError, match="two sources"):
        source_predictability(x, np.array(["a"] * 60), groups)


def test_edits_change_acquisition_only_and_sensitivity_counts_flips() -> None:
    im = _skin(1)
    assert centre_crop(im).shape == (72, 72, 3)
    assert zoom_out(im).shape[0] == 128
    assert (add_lens_border(im)[0, 0] == 0).all() and (add_lens_border(im)[48, 48] == im[48, 48]).all()
    assert all(EDITS[name](im).dtype == np.uint8 for name in EDITS)
    p0 = np.array([0.1, 0.2, 0.6, 0.9])
    p1 = np.array([0.6, 0.2, 0.4, 0.9])
    s = sensitivity(p0, p1, threshold=0.5, n_boot=200)
    assert s["delta_p"]["value"] == pytest.approx(np.mean(p1 - p0))
    assert s["flipped"] == 0.5 and s["became_positive"] == 0.25


def test_verdict_reports_moving_edits_and_quiet_models() -> None:
    base = {
        "label_association": {"a": {}},
        "counterfactual": {
            "add lens border": {
                "a / benign": {"delta_p": {"value": 0.3, "ci_low": 0.2, "ci_high": 0.4}, "flipped": 0.2}
            }
        },
    }
    assert any("add lens border on a / benign: ΔP +0.300" in v for v in verdict(base))
    base["counterfactual"]["add lens border"]["a / benign"]["delta_p"] = {
        "value": 0.01,
        "ci_low": -0.01,
        "ci_high": 0.03,
    }
    assert verdict(base)[-1].startswith("No acquisition-only edit")


def test_has_lens_border_finds_the_dark_corners_that_add_lens_border_draws() -> None:
    rng = np.random.default_rng(0)
    photo = rng.integers(120, 200, size=(150, 200, 3), dtype=np.uint8)
    assert not has_lens_border(photo)
    bordered = add_lens_border(photo)
    assert has_lens_border(bordered)
    assert not has_lens_border(remove_lens_border(bordered))


def test_lens_border_mask_marks_only_the_bordered_photos(tmp_path: Path) -> None:
    from PIL import Image

    from medlens.data.sample import Sample

    rng = np.random.default_rng(1)
    samples = []
    for i, bordered in enumerate([False, True, False, True]):
        photo = rng.integers(120, 200, size=(150, 200, 3), dtype=np.uint8)
        path = tmp_path / f"{i}.png"
        Image.fromarray(add_lens_border(photo) if bordered else photo).save(path)
        samples.append(Sample(source=str(path), labels={"label": 0}, group_id=str(i)))
    assert lens_border_mask(samples).tolist() == [False, True, False, True]
