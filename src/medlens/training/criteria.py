"""Training criteria as objects: ``criterion(logits, target) -> {"loss", "output"}``.

``output`` is what evaluation turns into probabilities (the logits). Class weights, label smoothing,
focal loss, multi-head ordinal cross-entropy and distillation are separate objects, not branches.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from medlens.registry import Registry


class CrossEntropy(nn.Module):
    """Cross-entropy with optional class weights and label smoothing."""

    def __init__(self, weight: torch.Tensor | None = None, label_smoothing: float = 0.0) -> None:
        super().__init__()
        self.register_buffer("weight", weight if weight is None else weight.float())
        self.label_smoothing = label_smoothing

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> dict[str, torch.Tensor]:
        loss = F.cross_entropy(
            logits.float(),
            target,
            weight=self.weight,  # type: ignore[arg-type]
            label_smoothing=self.label_smoothing,
        )
        return {"loss": loss, "output": logits}


class FocalLoss(nn.Module):
    """Focal loss (Lin et al. 2017): ``-alpha_t (1 - p_t)^gamma log p_t``; gamma=0, alpha=None is CE.

    ``alpha`` is a per-class weight tensor (or None); for binary tasks pass e.g. ``[1 - a, a]``.
    """

    def __init__(self, gamma: float = 2.0, alpha: torch.Tensor | None = None) -> None:
        super().__init__()
        self.gamma = gamma
        self.register_buffer("alpha", alpha if alpha is None else alpha.float())

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> dict[str, torch.Tensor]:
        logp = F.log_softmax(logits.float(), dim=1).gather(1, target[:, None]).squeeze(1)
        loss = -((1.0 - logp.exp()) ** self.gamma) * logp
        if self.alpha is not None:
            loss = loss * self.alpha[target]  # type: ignore[index]
        return {"loss": loss.mean(), "output": logits}


class MultiHeadCrossEntropy(nn.Module):
    """Mean cross-entropy over heads; logits are concatenated (B, sum C_h), target is (B, H).

    A target of -1 marks a missing label for that head (ignored).
    """

    def __init__(self, head_sizes: dict[str, int], label_smoothing: float = 0.0) -> None:
        super().__init__()
        self.head_sizes = dict(head_sizes)
        self.label_smoothing = label_smoothing

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> dict[str, torch.Tensor]:
        parts = torch.split(logits.float(), list(self.head_sizes.values()), dim=1)
        losses = [
            F.cross_entropy(part, target[:, i], ignore_index=-1, label_smoothing=self.label_smoothing)
            for i, part in enumerate(parts)
        ]
        return {"loss": torch.stack(losses).mean(), "output": logits}


class Distillation(nn.Module):
    """Knowledge distillation: ``(1 - alpha) * base + alpha * T^2 * KL(teacher_T || student_T)``.

    Call with ``teacher_logits`` (precomputed or from a frozen teacher in the loop).
    """

    def __init__(self, base: nn.Module, alpha: float = 0.5, temperature: float = 4.0) -> None:
        super().__init__()
        self.base = base
        self.alpha = alpha
        self.temperature = temperature

    def forward(
        self, logits: torch.Tensor, target: torch.Tensor, teacher_logits: torch.Tensor | None = None
    ) -> dict[str, torch.Tensor]:
        out = self.base(logits, target)
        if teacher_logits is None:
            return out
        t = self.temperature
        kd = F.kl_div(
            F.log_softmax(logits.float() / t, dim=1),
            F.log_softmax(teacher_logits.float() / t, dim=1),
            reduction="batchmean",
            log_target=True,
        ) * (t * t)
        loss = (1.0 - self.alpha) * out["loss"] + self.alpha * kd
        return {"loss": loss, "output": logits, "kd": kd.detach(), "base": out["loss"].detach()}


def class_weights(labels: torch.Tensor | Any, n_classes: int) -> torch.Tensor:
    """Inverse-frequency weights normalised to mean 1 (classes absent from ``labels`` get weight 0)."""
    counts = torch.bincount(torch.as_tensor(labels).long(), minlength=n_classes).float()
    w = torch.where(counts > 0, counts.sum() / (n_classes * counts.clamp(min=1)), torch.zeros_like(counts))
    return w / w[counts > 0].mean()


CRITERIA: Registry[Callable[..., nn.Module]] = Registry("loss")


@CRITERIA.decorator("ce")
def _ce(weight: torch.Tensor | None = None, **_: Any) -> nn.Module:
    return CrossEntropy(weight=weight)


@CRITERIA.decorator("smooth")
def _smooth(weight: torch.Tensor | None = None, label_smoothing: float = 0.1, **_: Any) -> nn.Module:
    return CrossEntropy(weight=weight, label_smoothing=label_smoothing)


@CRITERIA.decorator("focal")
def _focal(weight: torch.Tensor | None = None, gamma: float = 2.0, **_: Any) -> nn.Module:
    return FocalLoss(gamma=gamma, alpha=weight)


def create_criterion(
    name: str,
    n_classes: int,
    train_labels: Any | None = None,
    class_weighted: bool = False,
    head_sizes: dict[str, int] | None = None,
    **kwargs: Any,
) -> nn.Module:
    """Build a criterion by name (``ce``, ``smooth``, ``focal``); ``head_sizes`` -> multi-head CE."""
    if head_sizes and len(head_sizes) > 1:
        return MultiHeadCrossEntropy(head_sizes, label_smoothing=0.1 if name == "smooth" else 0.0)
    weight = class_weights(train_labels, n_classes) if class_weighted and train_labels is not None else None
    return CRITERIA.get(name)(weight=weight, **kwargs)
