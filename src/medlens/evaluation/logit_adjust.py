"""Logit adjustment (Menon et al., ICLR 2021): move a classifier's decision by its training class prior.

The arg-max of calibrated logits ``z`` minimises the error under the training prior ``pi``. Balanced
accuracy weighs every class alike; its Bayes decision is the arg-max of ``z - log pi``. A model trained
with class weights sits somewhere between, so one number ``tau`` is chosen on validation data:

    z_adjusted = z + bias(pi, tau),   bias = -tau * log(pi)

``tau = 0`` leaves the model as it is, ``tau = 1`` is the full prior correction; a negative ``tau``
moves decisions back towards the frequent classes. Pure numpy, torch-free.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from medlens.evaluation.metrics import accuracy, balanced_accuracy

__all__ = ["TauChoice", "adjustment_bias", "choose_tau", "class_prior", "tau_grid"]


def class_prior(labels: Sequence[int] | np.ndarray, n_classes: int) -> np.ndarray:
    """Share of each class among ``labels``; every class must occur (log 0 has no adjustment)."""
    y = np.asarray(labels, np.int64)
    if y.size == 0:
        raise ValueError("no labels to take a class prior from")
    if y.min() < 0 or y.max() >= n_classes:
        raise ValueError(f"labels outside 0..{n_classes - 1}")
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    if (counts == 0).any():
        raise ValueError(
            f"class(es) {np.flatnonzero(counts == 0).tolist()} never occur: no prior to adjust by"
        )
    return counts / counts.sum()


def adjustment_bias(prior: Sequence[float] | np.ndarray, tau: float) -> np.ndarray:
    """``-tau * log(prior)``, added to calibrated logits."""
    p = np.asarray(prior, np.float64)
    if p.ndim != 1 or (p <= 0).any() or not np.isclose(p.sum(), 1.0, atol=1e-6):
        raise ValueError("the prior must be positive shares summing to 1")
    return -float(tau) * np.log(p)


def tau_grid(low: float = -1.0, high: float = 1.0, step: float = 0.05) -> list[float]:
    """``low, low + step, ..., high`` rounded to the step's decimals (0 is always on a symmetric grid)."""
    if step <= 0 or high < low:
        raise ValueError("need step > 0 and high >= low")
    n = round((high - low) / step)
    return [round(low + i * step, 6) for i in range(n + 1)]


@dataclass(frozen=True)
class TauChoice:
    tau: float  # the chosen tau (0.0 when no tau beats the unadjusted model by more than the margin)
    best: float  # balanced accuracy at the best tau
    at_zero: float  # balanced accuracy of the unadjusted model
    table: list[tuple[float, float, float]]  # (tau, balanced accuracy, accuracy) for every tau of the grid
    adjusted: bool  # whether the best beats tau = 0 by more than the margin


def choose_tau(
    y: Sequence[int] | np.ndarray,
    logits: np.ndarray,
    prior: Sequence[float] | np.ndarray,
    grid: Sequence[float],
    margin: float = 0.002,
) -> TauChoice:
    """The tau of highest balanced accuracy of ``argmax(logits + bias(prior, tau))`` over ``grid``.

    Ties go to the smaller ``|tau|``. The choice is kept only when it beats ``tau = 0`` by more than
    ``margin``; ``logits`` are calibrated (the arg-max does not depend on a temperature)."""
    z = np.asarray(logits, np.float64)
    yy = np.asarray(y, np.int64)
    if z.ndim != 2 or len(z) != len(yy) or z.shape[1] != len(prior):
        raise ValueError("logits must be (n, n_classes) with one label per row and one prior per class")
    if 0.0 not in [float(t) for t in grid]:
        raise ValueError("the grid must hold tau = 0 (the unadjusted model)")
    table = []
    for tau in grid:
        pred = (z + adjustment_bias(prior, tau)).argmax(axis=1)
        table.append((float(tau), balanced_accuracy(yy, pred), accuracy(yy, pred)))
    at_zero = next(b for t, b, _ in table if t == 0.0)
    tau, best, _ = max(table, key=lambda r: (r[1], -abs(r[0])))
    adjusted = best > at_zero + margin
    return TauChoice(tau if adjusted else 0.0, best, at_zero, table, adjusted)
