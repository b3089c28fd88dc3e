"""Training: criteria, sampling, loop, fit (early stopping, resume, LP-FT), run folders.

Names are imported lazily (PEP 562), so ``medlens.training.config`` — from which the ``medlens train``
options are derived — can be read by the CLI of a torch-free (serve) install. The ``fit`` function is
imported from its module (``medlens.training.fit``), whose name it shares.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "TrainConfig": "medlens.training.config",
    "CRITERIA": "medlens.training.criteria",
    "CrossEntropy": "medlens.training.criteria",
    "Distillation": "medlens.training.criteria",
    "FocalLoss": "medlens.training.criteria",
    "HeadsLoss": "medlens.training.criteria",
    "class_weights": "medlens.training.criteria",
    "create_criterion": "medlens.training.criteria",
    "FitOptions": "medlens.training.fit",
    "FitParts": "medlens.training.fit",
    "FitResult": "medlens.training.fit",
    "predict": "medlens.training.loop",
    "train_one_epoch": "medlens.training.loop",
    "run_training": "medlens.training.run",
    "evaluate_run": "medlens.training.run",
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'medlens.training' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)


__all__ = sorted(_EXPORTS)
