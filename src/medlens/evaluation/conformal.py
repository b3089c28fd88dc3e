"""Split conformal prediction sets: pure functions on calibrated probabilities (numpy only).

A model's probabilities can look certain and still be wrong. Split conformal prediction turns them
into a *set* of classes that holds the true class with probability >= 1 - alpha, whatever the model:
score each calibration image by how unlikely its true class looks (:func:`aps_scores` or
:func:`lac_scores`), take the finite-sample quantile of those scores (:func:`conformal_quantile`,
with the (n + 1) correction), and at prediction time keep every class whose score stays below it
(:func:`prediction_sets`). A set with more than one class means the model cannot tell those classes
apart on this image.

For screening, the target class (melanoma, pneumonia …) also gets its own, class-conditional
threshold (:func:`class_conditional_threshold`, Mondrian conformal): the target is kept in the set
whenever its score is below ``max(marginal, target)`` threshold, so that *target cases* are covered
at >= 1 - alpha_target, not only images on average, and the marginal guarantee still holds.

Coverage on held-out data is reported with a Wilson 95 % interval (:func:`empirical_coverage`).
References: Vovk et al. 2005; Romano, Sesia & Candès 2020 (APS); Angelopoulos & Bates 2021.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = [
    "SCORES",
    "Coverage",
    "aps_class_scores",
    "aps_scores",
    "class_conditional_threshold",
    "conformal_quantile",
    "empirical_coverage",
    "lac_class_scores",
    "lac_scores",
    "mean_set_size",
    "prediction_sets",
    "wilson_bounds",
    "wilson_interval",
]

_TOL = 1e-9  # float slack when a score is compared with its threshold


def _probs(probs: np.ndarray) -> np.ndarray:
    p = np.asarray(probs, np.float64)
    if p.ndim != 2:
        raise ValueError(f"probabilities must be (n, classes), got shape {p.shape}")
    return p


def aps_class_scores(probs: np.ndarray) -> np.ndarray:
    """APS score of every class for every row, deterministic (APS with ``u = 0``): the probability
    mass of the classes strictly likelier than it, ``sum_j p_j [p_j > p_k]``.

    The arg-max class scores 0, so sets are never empty. The non-randomised score *including* ``p_k``
    would give a confidently right image a score near 1 and inflate the threshold (huge sets); with
    ``u = 0`` the set is "classes, most likely first, until the mass before them exceeds qhat".
    """
    p = _probs(probs)
    higher = p[:, None, :] > p[:, :, None]  # [i, k, j]: class j strictly likelier than class k
    return (higher * p[:, None, :]).sum(axis=2)


def lac_class_scores(probs: np.ndarray) -> np.ndarray:
    """LAC (least ambiguous classifier) score of every class: ``1 - p_k``."""
    return 1.0 - _probs(probs)


def _true_class(class_scores: np.ndarray, labels: np.ndarray) -> np.ndarray:
    y = np.asarray(labels, np.int64)
    if len(y) != len(class_scores):
        raise ValueError(f"{len(class_scores)} rows of probabilities but {len(y)} labels")
    return class_scores[np.arange(len(y)), y]


def aps_scores(probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """APS conformity score of each row's true class (lower = the model found the class likelier)."""
    return _true_class(aps_class_scores(probs), labels)


def lac_scores(probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """LAC score ``1 - p_true`` of each row."""
    return _true_class(lac_class_scores(probs), labels)


SCORES: dict[str, Callable[[np.ndarray], np.ndarray]] = {"aps": aps_class_scores, "lac": lac_class_scores}


def class_scores(probs: np.ndarray, method: str) -> np.ndarray:
    """Scores of every class under ``method`` (``aps`` | ``lac``)."""
    if method not in SCORES:
        raise ValueError(f"unknown conformal score {method!r}; valid: {', '.join(SCORES)}")
    return SCORES[method](probs)


def conformal_quantile(scores: np.ndarray, alpha: float) -> float:
    """The ``ceil((n + 1)(1 - alpha)) / n`` empirical quantile of calibration ``scores``.

    Returns ``inf`` when ``n`` is too small for the level (``ceil((n+1)(1-alpha)) > n``): no finite
    threshold certifies 1 - alpha, so every class must stay in the set.
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    s = np.sort(np.asarray(scores, np.float64).ravel())
    n = len(s)
    k = math.ceil((n + 1) * (1 - alpha))
    if n == 0 or k > n:
        return math.inf
    return float(s[k - 1])


def class_conditional_threshold(
    probs: np.ndarray, labels: np.ndarray, target: int, alpha: float, method: str = "aps"
) -> tuple[float, int]:
    """Threshold calibrated on the rows whose true class is ``target`` only, and how many there were."""
    y = np.asarray(labels, np.int64)
    rows = y == target
    scores = _true_class(class_scores(probs, method), y)[rows]
    return conformal_quantile(scores, alpha), int(rows.sum())


def prediction_sets(
    probs: np.ndarray,
    qhat: float,
    method: str = "aps",
    target: int | None = None,
    target_qhat: float | None = None,
) -> np.ndarray:
    """Boolean ``(n, classes)`` membership: class k is in the set when its score <= ``qhat``.

    The arg-max class is always kept (a set is never empty). With ``target``/``target_qhat`` the target
    class is kept when its score <= ``max(qhat, target_qhat)`` (class-conditional coverage for it).
    """
    s = class_scores(probs, method)
    sets = s <= qhat + _TOL
    if target is not None and target_qhat is not None:
        sets[:, target] |= s[:, target] <= max(qhat, target_qhat) + _TOL
    sets[np.arange(len(s)), np.asarray(probs).argmax(axis=1)] = True
    return sets


def mean_set_size(sets: np.ndarray) -> float:
    return float(np.asarray(sets, bool).sum(axis=1).mean()) if len(sets) else math.nan


def wilson_bounds(successes: object, n: float, z: float = 1.959963984540054) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score bounds of the proportions ``successes / n`` (``n`` > 0; ``successes`` may be an array),
    clipped to [0, 1]; ``z`` 1.96 gives the 95 % two-sided interval, 1.645 the 95 % one-sided bound."""
    p = np.asarray(successes, dtype=np.float64) / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(np.maximum(p * (1 - p), 0.0) / n + z * z / (4 * n * n)) / denom
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def wilson_interval(successes: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (95 % by default); (nan, nan) when ``n == 0``."""
    if n == 0:
        return math.nan, math.nan
    low, high = wilson_bounds(successes, n, z)
    return float(low), float(high)


@dataclass(frozen=True)
class Coverage:
    """How often the set held the true class: value, Wilson 95 % CI, number of rows."""

    value: float
    ci_low: float
    ci_high: float
    n: int

    def to_dict(self) -> dict[str, float | int]:
        return {"value": self.value, "ci_low": self.ci_low, "ci_high": self.ci_high, "n": self.n}


def empirical_coverage(sets: np.ndarray, labels: np.ndarray, only_class: int | None = None) -> Coverage:
    """Share of rows whose true class is in its set (``only_class``: rows of that true class only)."""
    y = np.asarray(labels, np.int64)
    hit = np.asarray(sets, bool)[np.arange(len(y)), y]
    if only_class is not None:
        hit = hit[y == only_class]
    n, k = len(hit), int(hit.sum())
    lo, hi = wilson_interval(k, n)
    return Coverage(k / n if n else math.nan, lo, hi, n)
