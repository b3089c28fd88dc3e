"""Parameters and multiply-accumulates of a torch model (forward hooks on Conv2d and Linear)."""

from __future__ import annotations

import torch
from torch import nn


def count_params_macs(model: nn.Module, input_size: int) -> tuple[int, int]:
    """(parameters, multiply-accumulates per image) counting Conv2d and Linear layers via forward hooks."""
    macs = 0

    def conv_hook(m: nn.Conv2d, _inp: tuple, out: torch.Tensor) -> None:
        nonlocal macs
        kh, kw = m.kernel_size
        macs += int(out[0].numel()) * (m.in_channels // m.groups) * kh * kw

    def linear_hook(m: nn.Linear, _inp: tuple, out: torch.Tensor) -> None:
        nonlocal macs
        macs += int(out[0].numel()) * m.in_features

    hooks = []
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            hooks.append(m.register_forward_hook(linear_hook))
    try:
        with torch.no_grad():
            model.eval()(torch.zeros(1, 3, input_size, input_size))
    finally:
        for h in hooks:
            h.remove()
    params = sum(p.numel() for p in model.parameters())
    return int(params), int(macs)
