"""MixUp (Zhang et al. 2018) and CutMix (Yun et al. 2019) as a batch transform (DataLoader collate).

Targets become class-probability rows (B, C); :class:`~medlens.training.criteria.CrossEntropy` takes
them as they are (``F.cross_entropy`` with probability targets). Randomness comes from a passed-in
``torch.Generator``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import default_collate

MIXES = ("none", "mixup", "cutmix", "mixup-cutmix")


class MixCollate:
    """Collate then mix: ``mixup``, ``cutmix`` or ``mixup-cutmix`` (one of the two per batch, 50/50)."""

    def __init__(self, mode: str, n_classes: int, alpha: float, generator: torch.Generator) -> None:
        if mode not in MIXES[1:]:
            raise ValueError(f"unknown mix {mode!r}; valid: {', '.join(MIXES)}")
        self.mode, self.n_classes, self.alpha, self.generator = mode, n_classes, alpha, generator

    def _lam(self) -> float:
        """lam ~ Beta(alpha, alpha), drawn from a numpy generator seeded by the passed-in torch one."""
        seed = int(torch.randint(0, 2**31 - 1, (1,), generator=self.generator))
        return float(np.random.default_rng(seed).beta(self.alpha, self.alpha))

    def __call__(
        self, batch: Sequence[tuple[torch.Tensor, torch.Tensor]]
    ) -> tuple[torch.Tensor, torch.Tensor]:
        x, y = default_collate(list(batch))
        soft = F.one_hot(y.long(), self.n_classes).float()
        perm = torch.randperm(len(x), generator=self.generator)
        lam = self._lam()
        mode = self.mode
        if mode == "mixup-cutmix":
            mode = "mixup" if float(torch.rand(1, generator=self.generator)) < 0.5 else "cutmix"
        if mode == "mixup":
            x = lam * x + (1 - lam) * x[perm]
        else:
            h, w = x.shape[-2:]
            ch, cw = int(h * (1 - lam) ** 0.5), int(w * (1 - lam) ** 0.5)
            cy = int(torch.randint(0, h, (1,), generator=self.generator))
            cx = int(torch.randint(0, w, (1,), generator=self.generator))
            y0, y1 = max(0, cy - ch // 2), min(h, cy + ch // 2)
            x0, x1 = max(0, cx - cw // 2), min(w, cx + cw // 2)
            x = x.clone()
            x[..., y0:y1, x0:x1] = x[perm][..., y0:y1, x0:x1]
            lam = 1 - (y1 - y0) * (x1 - x0) / (h * w)
        return x, lam * soft + (1 - lam) * soft[perm]
