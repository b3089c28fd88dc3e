"""Temperature scaling and reliability bins (Guo et al., 2017)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from medlens.evaluation.metrics import _labels, _proba, confidence_bins, expected_calibration_error

__all__ = ["ReliabilityBins", "fit_temperature", "nll", "reliability_bins", "softmax"]

log = logging.getLogger(__name__)


def _logits(logits: object, n: int | None = None) -> np.ndarray:
    return _proba(logits, n, name="logits")


def _log_softmax(z: np.ndarray) -> np.ndarray:
    m = z.max(axis=1, keepdims=True)
    return z - m - np.log(np.sum(np.exp(z - m), axis=1, keepdims=True))


def softmax(logits: object, T: float = 1.0) -> np.ndarray:
    """Row-wise softmax of ``logits / T`` (numerically stable)."""
    if not T > 0:
        raise ValueError(f"temperature must be > 0, got {T}")
    return np.exp(_log_softmax(_logits(logits) / T))


def nll(logits: object, y: object, T: float = 1.0) -> float:
    """Mean negative log-likelihood of the true class under ``softmax(logits / T)``."""
    a = _labels(y)
    z = _logits(logits, a.size)
    if a.size and a.max() >= z.shape[1]:
        raise ValueError(f"label {int(a.max())} out of range for {z.shape[1]} logit columns")
    return float(-np.mean(_log_softmax(z / T)[np.arange(a.size), a]))


def fit_temperature(logits: object, y: object, bounds: tuple[float, float] = (0.05, 20.0)) -> float:
    """Temperature ``T`` minimising validation NLL (bounded search over log T). Fit on validation data only."""
    from scipy.optimize import minimize_scalar

    a = _labels(y)
    z = _logits(logits, a.size)
    if a.size == 0:
        raise ValueError("cannot fit a temperature on empty data")
    if a.max() >= z.shape[1]:
        raise ValueError(f"label {int(a.max())} out of range for {z.shape[1]} logit columns")
    lo, hi = np.log(bounds[0]), np.log(bounds[1])
    res = minimize_scalar(
        lambda lt: nll(z, a, float(np.exp(lt))), bounds=(lo, hi), method="bounded", options={"xatol": 1e-5}
    )
    T = float(np.exp(res.x))
    log.info("temperature %.4f: NLL %.4f -> %.4f", T, nll(z, a, 1.0), float(res.fun))
    return T


@dataclass(frozen=True)
class ReliabilityBins:
    """Equal-width top-label confidence bins: edges (n_bins+1), counts, mean confidence, accuracy, ECE."""

    edges: np.ndarray
    counts: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray
    ece: float


def reliability_bins(y: object, proba: object, n_bins: int = 15) -> ReliabilityBins:
    """Bins for a reliability diagram (empty bins have nan confidence/accuracy)."""
    a = _labels(y)
    p = np.asarray(proba, dtype=np.float64)
    if p.ndim == 2:
        _proba(p, a.size)
    b = confidence_bins(a, p, n_bins)
    ece = expected_calibration_error(a, p, n_bins)
    return ReliabilityBins(b["edges"], b["counts"], b["confidence"], b["accuracy"], ece)
