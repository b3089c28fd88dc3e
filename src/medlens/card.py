"""ModelCard: the JSON that travels beside every model file and carries everything needed to use it.

Serving reads only the card (preprocessing, label schema, thresholds, calibration), so a mismatch
between training and serving cannot happen. Loading refuses a card whose weights hash differs. One
base class (:class:`BaseCard`) holds save / load / verify for image and tabular cards alike.
Torch-free on purpose.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field, PrivateAttr, field_validator, model_validator

from medlens import DISCLAIMER_EN, __version__
from medlens.tasks.schema import LabelSchema

CARD_SCHEMA_VERSION = 1
CARD_FILE = "card.json"


class CardError(ValueError):
    """A model card that cannot be used (missing file, wrong hash, bad schema)."""


def _finite(value: float, what: str) -> float:
    if not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, got {value}")
    return value


def plain_file_name(name: str, what: str) -> str:
    """``name`` if it is a file name inside the card's folder (no folder part, not absolute, not ``..``)."""
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\x00" in name:
        raise ValueError(f"{what} {name!r} must be a file name in the model folder, not a path")
    return name


class Preprocessing(BaseModel):
    input_size: int = Field(gt=0, le=4096)  # square side in pixels fed to the network
    mean: tuple[float, float, float] = (0.5, 0.5, 0.5)
    std: tuple[float, float, float] = (0.5, 0.5, 0.5)
    interpolation: str = "bilinear"  # "bilinear" | "bicubic" | "area"
    resize: str = "squash"  # "squash" (resize to input_size²) | "shorter_side_center_crop"
    grayscale: bool = False  # convert to luminance then replicate to 3 channels (X-rays)
    ops: list[str] = []  # medlens.data.image_ops applied after the resize ("sog", "circle")

    @field_validator("mean", "std")
    @classmethod
    def _finite_channels(cls, v: tuple[float, float, float]) -> tuple[float, float, float]:
        for x in v:
            _finite(x, "mean/std")
        return v

    @field_validator("std")
    @classmethod
    def _positive_std(cls, v: tuple[float, float, float]) -> tuple[float, float, float]:
        if min(v) <= 0:
            raise ValueError(f"std must be positive in every channel, got {list(v)}")
        return v


class Thresholds(BaseModel):
    target_class: str | None = None
    target_recall: float | None = None  # recall aimed at on validation
    threshold: float | None = None  # calibrated probability of the target class
    val_recall: float | None = None
    val_precision: float | None = None
    val_specificity: float | None = None
    # "pooled" (one recall target over the whole validation split) or "every-source" (the lowest of the
    # sources' recall thresholds, so each training source reaches the target; per-source recall below)
    rule: str | None = None
    val_recall_by_source: dict[str, float] | None = None
    # when set, the threshold was chosen so that the one-sided lower bound (Wilson, this confidence) of the
    # validation recall reaches target_recall, not just the observed recall
    recall_confidence: float | None = None

    @field_validator("threshold", "target_recall", "val_recall", "val_precision", "val_specificity")
    @classmethod
    def _probability(cls, v: float | None) -> float | None:
        if v is not None and not (math.isfinite(v) and 0.0 <= v <= 1.0):
            raise ValueError(f"must be a probability in [0, 1], got {v}")
        return v


class OODGate(BaseModel):
    method: str = "energy"  # "energy" | "max_softmax"
    threshold: float  # score above (energy) / below (msp) which an input is out of distribution
    val_quantile: float = 0.99

    @field_validator("method")
    @classmethod
    def _known_method(cls, v: str) -> str:
        if v not in ("energy", "max_softmax"):
            raise ValueError(f"ood.method {v!r} is not one of energy, max_softmax")
        return v

    @field_validator("threshold")
    @classmethod
    def _finite_threshold(cls, v: float) -> float:
        return _finite(v, "ood.threshold")


class SourceGate(BaseModel):
    """Feature-space OOD gate that knows the training sources (:mod:`medlens.quality.source_gate`).

    An image is flagged ("far from every training source: refer") when the cosine distance of its
    pooled feature embedding to its ``k``-th nearest reference in ``file`` exceeds ``threshold``, or
    (when set) its squared norm outside the training PCA subspace exceeds ``residual_threshold``.
    """

    method: str = "knn-cosine"
    k: int = 5
    threshold: float
    residual_threshold: float | None = None
    val_quantile: float = 0.99
    dims: int = 64  # PCA dimensions of the reference bank
    sources: dict[str, int] = Field(default_factory=dict)  # references kept per training source
    file: str = "ood_bank.npz"
    sha256: str = ""
    fitted_on: str = ""  # which images the bank and threshold come from
    test_false_flag_rate: float | None = None  # share of the in-source test split flagged
    n_test: int = 0
    held_out: dict[str, Any] = Field(default_factory=dict)  # measured hit rates on named other sets
    command: str = ""


class ConformalBlock(BaseModel):
    """Split-conformal thresholds calibrated on the validation split, and their coverage on test.

    A class is in the prediction set when its ``method`` score is <= ``qhat``; the target class also
    when its score is <= ``max(qhat, target_qhat)`` (class-conditional coverage). ``None`` thresholds
    mean "infinite": too few calibration images for the level, every class stays in the set.
    See :mod:`medlens.evaluation.conformal`.
    """

    method: str = "aps"  # "aps" | "lac"
    alpha: float = Field(gt=0.0, lt=1.0)  # miscoverage aimed at: sets hold the true class >= 1 - alpha
    qhat: float | None
    target_class: str | None = None
    target_alpha: float | None = None
    target_qhat: float | None = None
    n_calibration: int = 0
    n_calibration_target: int = 0

    @field_validator("method")
    @classmethod
    def _known_method(cls, v: str) -> str:
        if v not in ("aps", "lac"):
            raise ValueError(f"conformal.method {v!r} is not one of aps, lac")
        return v

    calibration: str = ""  # which images the thresholds were fitted on (split, verified or not)
    test: dict[str, Any] = Field(default_factory=dict)  # coverage with CI, mean set size … on test
    command: str = ""


class DataInfo(BaseModel):
    dataset: str
    source: str = ""
    license: str = ""
    split: str = ""  # how the split was made (grouped by lesion id, official split …)
    fingerprint: str = ""  # sha256 of the split manifest
    n_train: int = 0
    n_val: int = 0
    n_test: int = 0


class Lineage(BaseModel):
    """Where a retrained model comes from (``medlens retrain``): the model version it was retrained from
    and the clinician-confirmed dataset version added to its training split (val/test unchanged)."""

    parent_version: str  # the parent card's version
    parent_registry_version: int | None = None
    dataset: str = ""  # folder of the confirmed-case dataset version
    dataset_version: int | None = None
    dataset_sha256: str = ""
    n_confirmed: int = 0  # confirmed images added to training


class BaseCard(BaseModel):
    """What every model card has: identity, data, weights file + hash, commands, use and limits.

    ``kind`` says which card it is (``image``: :class:`ModelCard`, ``tabular``:
    :class:`medlens.tabular.TabularCard`); :func:`load_card` returns the right one.
    """

    schema_version: int = CARD_SCHEMA_VERSION
    kind: str
    name: str
    task: str
    created: str = ""
    thresholds: Thresholds = Field(default_factory=Thresholds)
    metrics: dict[str, Any] = Field(default_factory=dict)  # test metrics, each {value, ci_low, ci_high}
    data: DataInfo
    weights_file: str
    weights_sha256: str = ""
    training_command: str = ""
    medlens_version: str = __version__
    intended_use: str = ""
    limitations: list[str] = Field(default_factory=list)

    _dir: Path | None = PrivateAttr(default=None)

    # --- files -------------------------------------------------------------------------------
    def save(self, path: Path) -> Path:
        """Write the card as JSON to ``path`` (a ``.json`` file, or a folder -> ``folder/card.json``)."""
        path = _card_path(Path(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n")
        self._dir = path.parent
        return path

    @classmethod
    def load(cls: type[C], path: Path, verify: bool = True) -> C:
        """Read a card (a folder means ``folder/card.json``); with ``verify`` the files it names must
        exist and match their sha256."""
        path = _card_path(Path(path))
        try:
            card = cls.model_validate_json(path.read_text())
        except FileNotFoundError:
            raise CardError(f"{path}: no such model card") from None
        except OSError as exc:  # a file where the model folder should be, a folder named card.json, no rights
            raise CardError(f"{path}: cannot read the model card ({exc.strerror or exc})") from None
        except ValueError as exc:
            raise CardError(f"{path}: invalid model card ({cls.__name__}: {exc})") from exc
        card._dir = path.parent
        if verify:
            card.verify()
        return card

    @property
    def directory(self) -> Path:
        if self._dir is None:
            raise CardError("card was not loaded from a file")
        return self._dir

    @property
    def weights_path(self) -> Path:
        return self.directory / self.weights_file

    def verify(self) -> None:
        _check_file(self.weights_path, self.weights_sha256, "weights file")

    @field_validator("weights_file")
    @classmethod
    def _weights_in_folder(cls, v: str) -> str:
        return plain_file_name(v, "weights_file")


C = TypeVar("C", bound=BaseCard)


def _card_path(path: Path) -> Path:
    return path if path.suffix == ".json" else path / CARD_FILE


def _check_file(path: Path, sha256: str, what: str) -> None:
    if not path.exists():
        raise CardError(f"{path}: {what} named by the card is missing")
    digest = sha256_file(path)
    if sha256 and digest != sha256:
        raise CardError(f"{path}: {what} sha256 {digest[:12]}… does not match the card's {sha256[:12]}…")


class ModelCard(BaseCard):
    """An image model: ONNX weights, preprocessing, label schema, calibration, OOD gate, CAM head."""

    kind: Literal["image"] = "image"
    version: str = "1"
    backbone: str
    classes: list[str]
    heads: dict[str, list[str]] = Field(default_factory=dict)  # several heads or ordinal heads only
    ordinal: list[str] = Field(default_factory=list)  # heads with CORN logits (K-1 per K grades)
    preprocessing: Preprocessing
    temperature: float = 1.0
    tta: list[str] = Field(default_factory=list)  # test-time views averaged over (medlens.serving.views)
    ood: OODGate | None = None
    source_gate: SourceGate | None = None  # feature-space gate: far from every training source -> refer
    conformal: ConformalBlock | None = None  # prediction sets (abstain and refer when > 1 class)
    weights_file: str = "model.onnx"
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
    latency_q1_ms: float | None = None  # quartiles of the timing rounds' medians (``medlens retime``)
    latency_q3_ms: float | None = None
    latency_method: str = ""  # how and when latency_ms was measured (at export, or ``medlens retime``)
    export_command: str = ""  # the `medlens export ...` that wrote this bundle
    lineage: Lineage | None = None  # a retrained model: parent version and confirmed-case dataset
    intended_use: str = "Screening aid that helps decide whether to see a clinician. " + DISCLAIMER_EN

    @field_validator("temperature")
    @classmethod
    def _positive_temperature(cls, v: float) -> float:
        if not (math.isfinite(v) and v > 0):
            raise ValueError(f"temperature must be a positive finite number, got {v}")
        return v

    @field_validator("cam_file")
    @classmethod
    def _cam_in_folder(cls, v: str | None) -> str | None:
        return None if v is None else plain_file_name(v, "cam_file")

    @model_validator(mode="after")
    def _consistent(self) -> ModelCard:
        for head, names in {"classes": self.classes, **self.heads}.items():
            if len(set(names)) != len(names):
                raise ValueError(f"{head}: class names must be unique, got {names}")
        target = self.thresholds.target_class
        known = set(self.classes).union(*map(set, self.heads.values()))
        if target is not None and target not in known:
            raise ValueError(f"thresholds.target_class {target!r} is not one of the classes {sorted(known)}")
        if self.source_gate is not None:
            plain_file_name(self.source_gate.file, "source_gate.file")
        return self

    def label_schema(self) -> LabelSchema:
        """What the model's logits mean (one head named ``label`` unless the card lists heads)."""
        return LabelSchema.from_mapping(self.heads or {"label": self.classes}, self.ordinal)

    def verify(self) -> None:
        super().verify()
        if self.cam_file:
            _check_file(self.directory / self.cam_file, self.cam_sha256, "CAM head file")
        if self.source_gate is not None:
            _check_file(self.directory / self.source_gate.file, self.source_gate.sha256, "OOD reference bank")


def load_card(path: Path, verify: bool = True) -> BaseCard:
    """The card at ``path`` as the class its ``kind`` names (image cards written before ``kind``
    existed are image cards)."""
    from medlens.tabular.card import TabularCard

    path = _card_path(Path(path))
    try:
        kind = json.loads(path.read_text(encoding="utf-8")).get("kind", "image")
    except FileNotFoundError:
        raise CardError(f"{path}: no such model card") from None
    except (OSError, ValueError, AttributeError) as exc:
        raise CardError(f"{path}: unreadable model card ({exc})") from exc
    kinds: dict[str, type[BaseCard]] = {"image": ModelCard, "tabular": TabularCard}
    if kind not in kinds:
        raise CardError(f"{path}: unknown card kind {kind!r}; valid: {', '.join(kinds)}")
    return kinds[kind].load(path, verify=verify)


def edit_card_json(path: Path, edit: Callable[[dict[str, Any]], None]) -> BaseCard:
    """Apply ``edit`` to the card's JSON in place and return the card loaded again.

    Only what ``edit`` touches changes (key order and every other field as written; a load-and-save
    through the card model would add defaults and reorder a tabular card). A card that does not load is
    refused before it is touched, and the edited card must load too.
    """
    path = _card_path(Path(path))
    card = load_card(path)
    raw = json.loads(path.read_text(encoding="utf-8"))
    edit(raw)
    try:  # the edited card must validate before anything is written
        type(card).model_validate(raw)
    except ValueError as exc:
        raise CardError(f"{path}: the edit would make an invalid card ({exc})") from exc
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(raw, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)  # atomic: a crash leaves the old card or the new one, never half of it
    return load_card(path)


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()
