"""Write a classifier as ONNX with two outputs: "logits" and "features" (the last feature map)."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn


class OnnxExportWrapper(nn.Module):
    """``x -> (logits, features)``; multi-head dict outputs are concatenated in key order."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        feats = self.model.forward_features(x)  # type: ignore[operator]
        logits = self.model.forward_head(feats)  # type: ignore[operator]
        if isinstance(logits, dict):
            logits = torch.cat(list(logits.values()), dim=1)
        return logits, feats


def export_onnx(model: nn.Module, path: str | Path, input_size: int, opset: int = 17) -> Path:
    """Write ``model`` (eval mode) as ONNX with input "input" (N,3,S,S) and outputs "logits", "features"."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wrapper = OnnxExportWrapper(model).eval()
    dummy = torch.zeros(1, 3, input_size, input_size)
    with torch.no_grad():
        torch.onnx.export(
            wrapper,
            (dummy,),
            str(path),
            input_names=["input"],
            output_names=["logits", "features"],
            dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}, "features": {0: "batch"}},
            opset_version=opset,
            do_constant_folding=True,
            dynamo=False,
        )
    return path
