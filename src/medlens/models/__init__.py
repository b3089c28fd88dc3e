"""Models: a factory over timm, curated backbones, local pretrained weights, checkpoints."""

from medlens.models.backbones import BACKBONES, BackboneInfo, backbone_norm, list_backbones
from medlens.models.checkpoint import CheckpointError, load_checkpoint, model_from_config, save_checkpoint
from medlens.models.factory import create_classifier
from medlens.models.multihead import MultiHeadClassifier, split_logits
from medlens.models.pretrained import (
    LITE0_NAME,
    LITE_WEIGHTS,
    PretrainedWeightsError,
    lite0_weights_path,
    lite_weights_path,
)

__all__ = [
    "BACKBONES",
    "LITE0_NAME",
    "LITE_WEIGHTS",
    "BackboneInfo",
    "CheckpointError",
    "MultiHeadClassifier",
    "PretrainedWeightsError",
    "backbone_norm",
    "create_classifier",
    "list_backbones",
    "lite0_weights_path",
    "lite_weights_path",
    "load_checkpoint",
    "model_from_config",
    "save_checkpoint",
    "split_logits",
]
