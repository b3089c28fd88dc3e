"""Test-time views: the symmetries of the square a model's logits may be averaged over (numpy or torch).

A card's ``tta`` lists the views added to the plain image; the served logits are the mean over all of
them. Each view is a transpose (swap of the last two axes) or not, followed by flips of the last two
axes, so one definition serves numpy batches (Predictor) and torch batches (training evaluation).
The ``rot*``, ``transpose`` and ``transverse`` views need square inputs, which every card's
preprocessing produces (``input_size`` x ``input_size``). Rotations are counter-clockwise, as
``numpy.rot90``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np

__all__ = ["DIHEDRAL", "FLIPS", "VIEWS", "apply_view", "check_views", "view_batches"]

# name -> (transpose first, axes flipped afterwards)
VIEWS: dict[str, tuple[bool, tuple[int, ...]]] = {
    "hflip": (False, (-1,)),
    "vflip": (False, (-2,)),
    "rot180": (False, (-2, -1)),
    "rot90": (True, (-2,)),
    "rot270": (True, (-1,)),
    "transpose": (True, ()),
    "transverse": (True, (-2, -1)),
}
FLIPS = ("hflip", "vflip")
DIHEDRAL = tuple(VIEWS)  # with the plain image: all eight symmetries of the square

T = TypeVar("T")


def check_views(views: Sequence[str]) -> list[str]:
    """``views`` as a list; ValueError naming the unknown or repeated ones."""
    unknown = sorted(set(views) - set(VIEWS))
    if unknown:
        raise ValueError(f"unknown test-time view(s) {unknown}; valid: {', '.join(VIEWS)}")
    repeated = sorted({v for v in views if list(views).count(v) > 1})
    if repeated:
        raise ValueError(f"test-time view(s) named twice: {repeated}")
    return list(views)


def apply_view(x: T, view: str) -> T:
    """The view ``view`` of a batch ``x`` (..., H, W): a numpy array or a torch tensor."""
    transpose, axes = VIEWS[view]
    y: Any = x
    if transpose:
        y = y.swapaxes(-1, -2)
    if axes:
        y = np.flip(y, axes) if isinstance(y, np.ndarray) else y.flip(axes)
    return y  # type: ignore[no-any-return]


def view_batches(x: T, views: Sequence[str]) -> list[T]:
    """``[x] + [apply_view(x, v) for v in views]``."""
    return [x] + [apply_view(x, v) for v in views]
