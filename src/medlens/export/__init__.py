"""Export: trained torch models -> ONNX bundles with their model card (above ``models`` and ``serving``).

``export_onnx`` writes "logits" and "features" outputs; ``extract_cam_head`` finds the head after
global pooling for serving-time Grad-CAM; ``write_bundle`` does the file work for any model + card;
``export_run`` turns a training run folder into a bundled, calibrated model.
"""

from medlens.export.bundle import export_run, write_bundle
from medlens.export.cam import extract_cam_head
from medlens.export.card_builder import card_from_run
from medlens.export.onnx import OnnxExportWrapper, export_onnx
from medlens.export.profile import count_params_macs

__all__ = [
    "OnnxExportWrapper",
    "card_from_run",
    "count_params_macs",
    "export_onnx",
    "export_run",
    "extract_cam_head",
    "write_bundle",
]
