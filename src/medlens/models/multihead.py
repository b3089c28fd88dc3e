"""Several linear heads on one timm backbone (scalp: six ordinal symptoms x four grades).

``forward`` returns the heads' logits concatenated along dim 1 (in head order), so exports keep
one ``logits`` output; ``split_logits`` cuts them back into per-head tensors.
"""

from __future__ import annotations

import torch
from torch import nn


class MultiHeadClassifier(nn.Module):
    """timm backbone (``num_classes=0``) + one linear head per output, with timm's API."""

    def __init__(self, backbone: nn.Module, heads: dict[str, int], drop_rate: float = 0.0) -> None:
        super().__init__()
        if not heads:
            raise ValueError("heads must name at least one head")
        self.backbone = backbone
        self.head_sizes = dict(heads)
        self.num_features = int(getattr(backbone, "head_hidden_size", None) or backbone.num_features)  # type: ignore[arg-type]
        self.num_classes = sum(heads.values())
        self.drop = nn.Dropout(drop_rate)
        self.heads = nn.ModuleDict({name: nn.Linear(self.num_features, n) for name, n in heads.items()})
        self.pretrained_cfg = getattr(backbone, "pretrained_cfg", {})

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.backbone.forward_features(x)  # type: ignore[operator]

    def forward_head(self, x: torch.Tensor, pre_logits: bool = False) -> torch.Tensor:
        pooled = self.backbone.forward_head(x, pre_logits=True)  # type: ignore[operator]
        if pre_logits:
            return pooled
        pooled = self.drop(pooled)
        return torch.cat([head(pooled) for head in self.heads.values()], dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_head(self.forward_features(x))

    def get_classifier(self) -> nn.ModuleDict:
        return self.heads

    def split_logits(self, logits: torch.Tensor) -> dict[str, torch.Tensor]:
        return split_logits(logits, self.head_sizes)


def split_logits(logits: torch.Tensor, head_sizes: dict[str, int]) -> dict[str, torch.Tensor]:
    """Cut concatenated logits (B, sum C_h) into {head: (B, C_h)}."""
    parts = torch.split(logits, list(head_sizes.values()), dim=1)
    return dict(zip(head_sizes, parts, strict=True))
