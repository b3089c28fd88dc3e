"""Augmentations named by seed 004: Gaussian noise, cutout, GridMask and severity-sampled corruption
training (image-level, albumentations); MixUp / CutMix are batch-level (``medlens.training.mixing``).

``RandomCorruption`` applies one of the ImageNet-C corruptions (``medlens.data.corruptions``) at a
random severity 1..``max_severity``. A model trained with it has *seen* those corruption types, so its
mCE no longer measures robustness to unseen corruptions (ImageNet-C's protocol forbids that); reports
say so beside any such model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import albumentations as A
import numpy as np

from medlens.data.corruptions import create_corruption, list_corruptions


class RandomCorruption(A.ImageOnlyTransform):
    """One random corruption (uniform over ``names``) at a severity uniform in 1..``max_severity``."""

    def __init__(self, names: Sequence[str] | None = None, max_severity: int = 3, p: float = 0.5) -> None:
        super().__init__(p=p)
        self.names = list(names or list_corruptions())
        self.max_severity = max_severity

    def get_params(self) -> dict[str, Any]:
        return {
            "name": self.py_random.choice(self.names),
            "severity": self.py_random.randint(1, self.max_severity),
            "seed": self.py_random.randint(0, 2**31 - 1),
        }

    def apply(
        self, img: np.ndarray, name: str = "", severity: int = 1, seed: int = 0, **_: Any
    ) -> np.ndarray:
        return create_corruption(name, severity)(img, np.random.default_rng(seed))

    def get_transform_init_args_names(self) -> tuple[str, ...]:
        return ("names", "max_severity")


def gaussian_noise() -> list[A.BasicTransform]:
    return [A.GaussNoise(std_range=(0.02, 0.12), p=0.5)]


def cutout() -> list[A.BasicTransform]:
    return [
        A.CoarseDropout(
            num_holes_range=(1, 3), hole_height_range=(0.1, 0.25), hole_width_range=(0.1, 0.25), fill=0, p=0.5
        )
    ]


def gridmask() -> list[A.BasicTransform]:
    return [A.GridDropout(ratio=0.4, random_offset=True, p=0.5)]


def corruption() -> list[A.BasicTransform]:
    return [RandomCorruption(max_severity=3, p=0.5)]
