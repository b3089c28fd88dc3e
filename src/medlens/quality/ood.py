"""Out-of-distribution scores on classifier logits (numpy only).

Energy score (Liu et al. 2020): ``E(x) = -T * logsumexp(logits / T)``; in-distribution inputs get
low (more negative) energy, so an input is flagged when its energy is ABOVE the threshold.
Maximum softmax probability (Hendrycks & Gimpel 2017): flagged when BELOW the threshold.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

OOD_METHODS = ("energy", "max_softmax")


class GateLike(Protocol):
    """Anything with ``method`` and ``threshold`` (e.g. :class:`medlens.card.OODGate`)."""

    method: str
    threshold: float


def _as_2d(logits: np.ndarray) -> tuple[np.ndarray, bool]:
    arr = np.asarray(logits, dtype=np.float64)
    if arr.ndim == 1:
        return arr[None, :], True
    if arr.ndim != 2 or arr.shape[1] < 1:
        raise ValueError(f"logits must have shape (C,) or (N, C), got {arr.shape}")
    return arr, False


def energy_score(logits: np.ndarray, T: float = 1.0) -> np.ndarray | float:
    """``-T * logsumexp(logits / T)`` per row; a float for a single (C,) logit vector."""
    if T <= 0:
        raise ValueError(f"temperature T must be > 0, got {T}")
    z, single = _as_2d(logits)
    z = z / T
    m = z.max(axis=1, keepdims=True)
    lse = (m + np.log(np.exp(z - m).sum(axis=1, keepdims=True)))[:, 0]
    out = -T * lse
    return float(out[0]) if single else out


def max_softmax(logits: np.ndarray) -> np.ndarray | float:
    """Largest softmax probability per row; a float for a single (C,) logit vector."""
    z, single = _as_2d(logits)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    out = (e / e.sum(axis=1, keepdims=True)).max(axis=1)
    return float(out[0]) if single else out


def ood_score(logits: np.ndarray, method: str = "energy", T: float = 1.0) -> np.ndarray | float:
    """The score ``method`` uses ("energy" or "max_softmax")."""
    if method == "energy":
        return energy_score(logits, T)
    if method == "max_softmax":
        return max_softmax(logits)
    raise ValueError(f"unknown OOD method {method!r}; valid: {', '.join(OOD_METHODS)}")


def fit_ood_threshold(val_logits: np.ndarray, quantile: float = 0.99, method: str = "energy") -> float:
    """Threshold that keeps ``quantile`` of the in-distribution validation inputs accepted.

    Energy: the ``quantile`` quantile of validation energies. Max-softmax: the ``1 - quantile`` quantile.
    """
    if not 0.0 < quantile < 1.0:
        raise ValueError(f"quantile must be in (0, 1), got {quantile}")
    z, _ = _as_2d(val_logits)
    scores = np.atleast_1d(ood_score(z, method))
    q = quantile if method == "energy" else 1.0 - quantile
    return float(np.quantile(scores, q))


def is_out_of_distribution(logits: np.ndarray, gate: GateLike, T: float = 1.0) -> bool:
    """True when a single image's logits fall outside the gate (see module docstring for direction)."""
    z = np.asarray(logits, dtype=np.float64)
    if z.ndim == 2 and z.shape[0] == 1:
        z = z[0]
    if z.ndim != 1:
        raise ValueError(f"is_out_of_distribution expects one image's logits (C,), got shape {z.shape}")
    score = float(ood_score(z, gate.method, T))
    if gate.method == "energy":
        return score > gate.threshold
    return score < gate.threshold
