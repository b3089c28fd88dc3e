"""Test-time views: the eight symmetries of the square, one definition for numpy and torch batches."""

from __future__ import annotations

import numpy as np
import pytest

from medlens.serving.views import DIHEDRAL, apply_view, check_views, view_batches


def _batch() -> np.ndarray:
    return np.arange(2 * 3 * 4 * 4, dtype=np.float32).reshape(2, 3, 4, 4)


def test_views_match_numpy_rotations_and_mirrors() -> None:
    x = _batch()
    expected = {
        "hflip": x[..., ::-1],
        "vflip": x[..., ::-1, :],
        "rot180": np.rot90(x, 2, axes=(-2, -1)),
        "rot90": np.rot90(x, 1, axes=(-2, -1)),
        "rot270": np.rot90(x, 3, axes=(-2, -1)),
        "transpose": x.swapaxes(-1, -2),
        "transverse": np.rot90(x, 2, axes=(-2, -1)).swapaxes(-1, -2),
    }
    assert set(expected) == set(DIHEDRAL)
    for name, want in expected.items():
        np.testing.assert_array_equal(apply_view(x, name), want, err_msg=name)


def test_the_eight_views_are_distinct_and_closed_under_composition() -> None:
    x = np.random.default_rng(0).normal(size=(1, 1, 5, 5))
    views = view_batches(x, DIHEDRAL)
    keys = {v.tobytes() for v in map(np.ascontiguousarray, views)}
    assert len(keys) == 8  # no two symmetries coincide on a generic image
    for a in DIHEDRAL:  # the group is closed: a view of a view is again one of the eight
        for b in DIHEDRAL:
            assert np.ascontiguousarray(apply_view(apply_view(x, a), b)).tobytes() in keys


def test_torch_views_equal_numpy_views() -> None:
    torch = pytest.importorskip("torch")
    x = _batch()
    for name in DIHEDRAL:
        np.testing.assert_array_equal(apply_view(torch.from_numpy(x), name).numpy(), apply_view(x, name))


def test_unknown_or_repeated_views_are_refused() -> None:
    assert check_views(["hflip", "rot90"]) == ["hflip", "rot90"]
    with pytest.raises(ValueError, match=r"unknown test-time view.*'rot45'"):
        check_views(["rot45"])
    with pytest.raises(ValueError, match="named twice"):
        check_views(["hflip", "hflip"])
