"""Training criteria as objects: ``criterion(logits, target) -> {"loss", "output"}``.

``output`` is what evaluation turns into probabilities (the logits). Class weights, label smoothing,
focal loss, per-head losses (CE / CORN ordinal) and distillation are separate objects, not branches.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from medlens.registry import Registry
from medlens.tasks.schema import LabelSchema


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


def corn_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """CORN loss (Shi et al. 2023) for one ordinal head: K-1 logits, integer grades 0..K-1.

    Task k is the binary question "grade > k" asked only of samples with grade >= k (conditional
    training set); the loss is the mean binary cross-entropy over all (sample, task) pairs used.
    """
    logits = logits.float()
    k = torch.arange(logits.shape[1], device=logits.device)
    used = target[:, None] >= k[None, :]  # sample i takes part in task k
    above = (target[:, None] > k[None, :]).float()
    bce = F.binary_cross_entropy_with_logits(logits, above, reduction="none")
    return (bce * used).sum() / used.sum().clamp(min=1)


class HeadsLoss(nn.Module):
    """Mean loss over the heads of a :class:`~medlens.tasks.LabelSchema` (logits concatenated in head
    order, target (B, H) or (B,) for one head; -1 marks a missing label). Nominal heads use
    cross-entropy, ordinal heads the CORN loss."""

    def __init__(self, schema: LabelSchema, label_smoothing: float = 0.0) -> None:
        super().__init__()
        self.schema = schema
        self.label_smoothing = label_smoothing

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> dict[str, torch.Tensor]:
        target = target[:, None] if target.ndim == 1 else target
        parts = torch.split(logits.float(), list(self.schema.logit_sizes.values()), dim=1)
        losses = []
        for i, (head, part) in enumerate(zip(self.schema.heads, parts, strict=True)):
            t = target[:, i]
            keep = t >= 0
            if not bool(keep.any()):
                continue
            if head.ordinal:
                losses.append(corn_loss(part[keep], t[keep]))
            else:
                losses.append(F.cross_entropy(part[keep], t[keep], label_smoothing=self.label_smoothing))
        loss = torch.stack(losses).mean() if losses else logits.sum() * 0.0
        return {"loss": loss, "output": logits}


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
    schema: LabelSchema,
    train_labels: Any | None = None,
    class_weighted: bool = False,
    **kwargs: Any,
) -> nn.Module:
    """Build a criterion by name (``ce``, ``smooth``, ``focal``) for the model's label schema.

    One nominal head: the named loss (class weights from ``train_labels`` when ``class_weighted``).
    Several heads or ordinal heads: :class:`HeadsLoss` (CE per nominal head, CORN per ordinal head).
    """
    loss = CRITERIA.get(name)
    if not schema.plain:
        return HeadsLoss(schema, label_smoothing=0.1 if name == "smooth" else 0.0)
    n = schema.main.n_logits
    weight = class_weights(train_labels, n) if class_weighted and train_labels is not None else None
    return loss(weight=weight, **kwargs)
