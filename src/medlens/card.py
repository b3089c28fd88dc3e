"""ModelCard: the JSON that travels beside every model file and carries everything needed to use it.

Serving reads only the card (preprocessing, classes, thresholds, calibration), so a mismatch
between training and serving cannot happen. Loading refuses a card whose weights hash differs.
Torch-free on purpose.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, PrivateAttr

from medlens import DISCLAIMER_EN, __version__

CARD_SCHEMA_VERSION = 1


class CardError(ValueError):
    """A model card that cannot be used (missing file, wrong hash, bad schema)."""


class Preprocessing(BaseModel):
    input_size: int  # square side in pixels fed to the network
    mean: tuple[float, float, float] = (0.5, 0.5, 0.5)
    std: tuple[float, float, float] = (0.5, 0.5, 0.5)
    interpolation: str = "bilinear"  # "bilinear" | "bicubic" | "area"
    resize: str = "squash"  # "squash" (resize to input_size²) | "shorter_side_center_crop"
    grayscale: bool = False  # convert to luminance then replicate to 3 channels (X-rays)
    ops: list[str] = []  # medlens.data.image_ops applied after the resize ("sog", "circle")


class Thresholds(BaseModel):
    target_class: str | None = None
    target_recall: float | None = None  # recall aimed at on validation
    threshold: float | None = None  # calibrated probability of the target class
    val_recall: float | None = None
    val_precision: float | None = None
    val_specificity: float | None = None


class OODGate(BaseModel):
    method: str = "energy"  # "energy" | "max_softmax"
    threshold: float  # score above (energy) / below (msp) which an input is out of distribution
    val_quantile: float = 0.99


class DataInfo(BaseModel):
    dataset: str
    source: str = ""
    license: str = ""
    split: str = ""  # how the split was made (grouped by lesion id, official split …)
    fingerprint: str = ""  # sha256 of the split manifest
    n_train: int = 0
    n_val: int = 0
    n_test: int = 0


class ModelCard(BaseModel):
    schema_version: int = CARD_SCHEMA_VERSION
    name: str
    task: str
    version: str = "1"
    created: str = ""
    backbone: str
    classes: list[str]
    heads: dict[str, list[str]] = Field(default_factory=dict)  # multi-head tasks only
    preprocessing: Preprocessing
    temperature: float = 1.0
    tta: list[str] = Field(default_factory=list)  # test-time flips averaged over ("hflip", "vflip")
    thresholds: Thresholds = Field(default_factory=Thresholds)
    ood: OODGate | None = None
    metrics: dict[str, Any] = Field(default_factory=dict)  # test metrics, each {value, ci_low, ci_high}
    data: DataInfo
    weights_file: str = "model.onnx"
    weights_sha256: str = ""
    feature_output: str | None = "features"  # name of the ONNX output holding the last feature map
    cam_file: str | None = None  # npz with the head after global pooling (serving-time Grad-CAM)
    cam_sha256: str = ""
    quantization: str | None = None  # e.g. "int8-dynamic" when the weights file is quantized
    weights_bytes: int | None = None
    params: int | None = None
    macs: int | None = None
    latency_ms: float | None = None  # measured median ONNX Runtime latency, batch 1, this hardware
    latency_hardware: str = ""
    latency_batch32_ips: float | None = None  # images per second, batch 32, ONNX Runtime
    training_command: str = ""
    export_command: str = ""  # the `medlens export ...` that wrote this bundle
    medlens_version: str = __version__
    intended_use: str = "Screening aid that helps decide whether to see a clinician. " + DISCLAIMER_EN
    limitations: list[str] = Field(default_factory=list)

    # --- files -------------------------------------------------------------------------------
    def save(self, path: Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n")
        return path

    @classmethod
    def load(cls, path: Path, verify: bool = True) -> ModelCard:
        """Read a card; with ``verify`` the weights file must exist and match ``weights_sha256``."""
        path = Path(path)
        if path.is_dir():
            path = path / "card.json"
        try:
            card = cls.model_validate_json(path.read_text())
        except FileNotFoundError:
            raise CardError(f"{path}: no such model card") from None
        except ValueError as exc:
            raise CardError(f"{path}: invalid model card ({exc})") from exc
        card._dir = path.parent
        if verify:
            card.verify()
        return card

    _dir: Path | None = PrivateAttr(default=None)

    @property
    def directory(self) -> Path:
        if self._dir is None:
            raise CardError("card was not loaded from a file")
        return self._dir

    @property
    def weights_path(self) -> Path:
        return self.directory / self.weights_file

    def verify(self) -> None:
        wp = self.weights_path
        if not wp.exists():
            raise CardError(f"{wp}: weights file named by the card is missing")
        digest = sha256_file(wp)
        if digest != self.weights_sha256:
            raise CardError(
                f"{wp}: weights sha256 {digest[:12]}… does not match the card's {self.weights_sha256[:12]}…"
            )
        if self.cam_file:
            cp = self.directory / self.cam_file
            if not cp.exists():
                raise CardError(f"{cp}: CAM head file named by the card is missing")
            if self.cam_sha256 and sha256_file(cp) != self.cam_sha256:
                raise CardError(f"{cp}: CAM head sha256 does not match the card")


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()
