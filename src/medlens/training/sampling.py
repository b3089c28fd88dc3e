"""Class-balanced sampling (oversampling of minority classes) with a seeded generator."""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import WeightedRandomSampler


def balanced_sampler(
    labels: np.ndarray, generator: torch.Generator, num_samples: int | None = None
) -> WeightedRandomSampler:
    """Draw each class equally often in expectation (with replacement), one epoch = len(labels) draws."""
    labels = np.asarray(labels, dtype=np.int64)
    counts = np.bincount(labels)
    weights = 1.0 / counts[labels]
    return WeightedRandomSampler(
        torch.as_tensor(weights, dtype=torch.double),  # type: ignore[arg-type]
        num_samples=num_samples or len(labels),
        replacement=True,
        generator=generator,
    )
