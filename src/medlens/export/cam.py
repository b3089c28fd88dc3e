"""Find the head after global pooling so serving can compute Grad-CAM in numpy from the feature map.

Each candidate description (linear; LayerNorm + linear; 1x1 conv + hardswish + linear) is checked
numerically against the model's own logits before it is accepted.
"""

from __future__ import annotations

import logging

import numpy as np
import torch
from torch import nn

from medlens.export.onnx import OnnxExportWrapper
from medlens.serving.cam import CamHead

log = logging.getLogger(__name__)


def _final_linear(model: nn.Module) -> tuple[nn.Module, np.ndarray, np.ndarray] | None:
    """(backbone, W, b) of the last linear layer; multi-head models concatenate their heads' rows."""
    t = lambda p: p.detach().cpu().numpy().astype(np.float32)  # noqa: E731
    heads = getattr(model, "heads", None)
    if isinstance(heads, nn.ModuleDict) and all(isinstance(h, nn.Linear) for h in heads.values()):
        w = np.concatenate([t(h.weight) for h in heads.values()])
        b = np.concatenate(
            [
                t(h.bias) if h.bias is not None else np.zeros(h.out_features, np.float32)
                for h in heads.values()
            ]
        )
        return getattr(model, "backbone", model), w, b
    fc = model.get_classifier() if hasattr(model, "get_classifier") else None  # type: ignore[operator]
    if isinstance(fc, nn.Linear):
        b = t(fc.bias) if fc.bias is not None else np.zeros(fc.out_features, np.float32)
        return model, t(fc.weight), b
    return None


def _candidate_heads(model: nn.Module) -> list[CamHead]:
    """CAM head descriptions that might match this model (checked numerically by the caller)."""
    t = lambda p: p.detach().cpu().numpy().astype(np.float32)  # noqa: E731
    found = _final_linear(model)
    if found is None:
        return []
    base, w, b = found
    out: list[CamHead] = []
    norm = getattr(getattr(base, "head", None), "norm", None)
    if isinstance(norm, nn.LayerNorm):
        out.append(CamHead("norm_linear", w, b, t(norm.weight), t(norm.bias), float(norm.eps)))
    conv_head = getattr(base, "conv_head", None)
    if isinstance(conv_head, nn.Conv2d) and isinstance(getattr(base, "act2", None), nn.Hardswish):
        pw = t(conv_head.weight)[:, :, 0, 0]
        pb = t(conv_head.bias) if conv_head.bias is not None else np.zeros(pw.shape[0], np.float32)
        out.append(CamHead("mlp_linear", w, b, pre_w=pw, pre_b=pb))
    out.append(CamHead("linear", w, b))
    return out


def extract_cam_head(model: nn.Module, input_size: int = 64, tol: float = 1e-3) -> CamHead | None:
    """Find the head after global average pooling and check it reproduces the model's logits."""
    model = model.eval()
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, input_size, input_size, generator=gen)
    with torch.no_grad():
        logits, feats = OnnxExportWrapper(model)(x)
    pooled = feats.mean(dim=(2, 3)).numpy()
    for cand in _candidate_heads(model):
        if cand.fc_w.shape[0] != logits.shape[1] or cand.fc_w.shape[1] != (
            cand.pre_w.shape[0] if cand.pre_w is not None else pooled.shape[1]
        ):
            continue
        err = float(np.abs(cand.logits(pooled) - logits.numpy()).max())
        if err <= tol:
            return cand
        log.debug("CAM head %s does not match (max err %.2g)", cand.kind, err)
    log.warning("no CAM head matches %s; heatmaps will be unavailable", type(model).__name__)
    return None
