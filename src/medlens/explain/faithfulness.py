"""Deletion / insertion faithfulness of a heatmap (Petsiuk et al. 2018, RISE). numpy only.

``predict_fn`` maps a batch of images (N, H, W, C) to the explained class score (N,). Deletion
removes the most-highlighted pixels first (replacing them with ``baseline``): a faithful heatmap
makes the score drop fast, so a LOW deletion AUC is good. Insertion starts from the baseline and adds
the most-highlighted pixels first: a HIGH insertion AUC is good. AUCs use the trapezoid rule over the
removed/inserted fraction 0..1.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

PredictFn = Callable[[np.ndarray], np.ndarray]


def _curve(
    predict_fn: PredictFn,
    image: np.ndarray,
    heatmap: np.ndarray,
    steps: int,
    baseline: float | np.ndarray,
    insert: bool,
) -> tuple[np.ndarray, np.ndarray]:
    img = np.asarray(image, dtype=np.float32)
    heat = np.asarray(heatmap, dtype=np.float64)
    if heat.shape != img.shape[:2]:
        raise ValueError(f"heatmap shape {heat.shape} must equal the image's H x W {img.shape[:2]}")
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    base = np.broadcast_to(np.asarray(baseline, dtype=np.float32), img.shape)
    order = np.argsort(-heat.ravel(), kind="stable")
    n = order.size
    fractions = np.linspace(0.0, 1.0, steps + 1)
    batch = np.empty((steps + 1, *img.shape), np.float32)
    flat_img = img.reshape(n, -1)
    flat_base = base.reshape(n, -1)
    for i, f in enumerate(fractions):
        k = round(f * n)
        cur = (flat_base if insert else flat_img).copy()
        cur[order[:k]] = (flat_img if insert else flat_base)[order[:k]]
        batch[i] = cur.reshape(img.shape)
    scores = np.asarray(predict_fn(batch), dtype=np.float64).reshape(-1)
    if scores.size != steps + 1:
        raise ValueError(f"predict_fn returned {scores.size} scores for {steps + 1} images")
    return fractions, scores


def deletion_curve(
    predict_fn: PredictFn,
    image: np.ndarray,
    heatmap: np.ndarray,
    steps: int = 20,
    baseline: float | np.ndarray = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """(fraction removed, score) for ``steps + 1`` points."""
    return _curve(predict_fn, image, heatmap, steps, baseline, insert=False)


def deletion_auc(
    predict_fn: PredictFn,
    image: np.ndarray,
    heatmap: np.ndarray,
    steps: int = 20,
    baseline: float | np.ndarray = 0.0,
) -> float:
    """Area under the deletion curve (lower = more faithful heatmap)."""
    x, y = deletion_curve(predict_fn, image, heatmap, steps, baseline)
    return float(np.trapezoid(y, x))


def insertion_curve(
    predict_fn: PredictFn,
    image: np.ndarray,
    heatmap: np.ndarray,
    steps: int = 20,
    baseline: float | np.ndarray = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """(fraction revealed, score) for ``steps + 1`` points, starting from ``baseline``."""
    return _curve(predict_fn, image, heatmap, steps, baseline, insert=True)


def insertion_auc(
    predict_fn: PredictFn,
    image: np.ndarray,
    heatmap: np.ndarray,
    steps: int = 20,
    baseline: float | np.ndarray = 0.0,
) -> float:
    """Area under the insertion curve (higher = more faithful heatmap)."""
    x, y = insertion_curve(predict_fn, image, heatmap, steps, baseline)
    return float(np.trapezoid(y, x))
