"""Explanations: Grad-CAM family over pytorch-grad-cam (torch) and numpy faithfulness metrics.

Torch-side names are imported lazily so ``medlens.explain.faithfulness`` / ``overlay`` stay numpy-only.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "CAM_METHODS": "medlens.explain.cam",
    "CamExplainer": "medlens.explain.cam",
    "create_cam": "medlens.explain.cam",
    "list_cam_methods": "medlens.explain.cam",
    "TARGET_LAYERS": "medlens.explain.targets",
    "backbone_family": "medlens.explain.targets",
    "find_target_layers": "medlens.explain.targets",
    "explain_image": "medlens.explain.runner",
    "load_model": "medlens.explain.runner",
    "deletion_auc": "medlens.explain.faithfulness",
    "deletion_curve": "medlens.explain.faithfulness",
    "insertion_auc": "medlens.explain.faithfulness",
    "insertion_curve": "medlens.explain.faithfulness",
    "heatmap_overlay": "medlens.explain.overlay",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'medlens.explain' has no attribute {name!r}")
