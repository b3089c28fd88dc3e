"""Training: criteria, sampling, loop, fit (early stopping, resume, LP-FT), run folders."""

from medlens.training.config import TrainConfig
from medlens.training.criteria import (
    CRITERIA,
    CrossEntropy,
    Distillation,
    FocalLoss,
    MultiHeadCrossEntropy,
    class_weights,
    create_criterion,
)
from medlens.training.fit import FitResult, fit
from medlens.training.loop import predict, train_one_epoch


def evaluate(*args, **kwargs):
    """Reload a run's best.pt and recompute its metrics (see ``medlens.training.run.evaluate_run``)."""
    from medlens.training.run import evaluate_run

    return evaluate_run(*args, **kwargs)


__all__ = [
    "CRITERIA",
    "CrossEntropy",
    "Distillation",
    "FitResult",
    "FocalLoss",
    "MultiHeadCrossEntropy",
    "TrainConfig",
    "class_weights",
    "create_criterion",
    "evaluate",
    "fit",
    "predict",
    "train_one_epoch",
]
