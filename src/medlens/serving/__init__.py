"""medlens.serving: run exported models from their ModelCard (ONNX Runtime + numpy, never torch)."""

from medlens.serving.images import read_any_image
from medlens.serving.predictor import Prediction, Predictor, energy_score, softmax

__all__ = ["Prediction", "Predictor", "energy_score", "read_any_image", "softmax"]
