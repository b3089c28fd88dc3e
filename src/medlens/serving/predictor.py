"""Predictor: run a bundled ONNX model exactly as its ModelCard describes (numpy + ONNX Runtime, no torch)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from medlens.card import CardError, ModelCard
from medlens.data.image_ops import GEOMETRIC_OPS
from medlens.evaluation.calibration import softmax as calibrated_softmax
from medlens.quality.ood import energy_score, is_out_of_distribution
from medlens.quality.source_gate import SourceBank, embed, is_far
from medlens.serving.cam import CamError, CamHead, grad_cam, heatmap_to_image, overlay_heatmap
from medlens.serving.conformal import prediction_set
from medlens.serving.preprocessing import check_image, normalize, resize_for_model
from medlens.serving.views import check_views, view_batches
from medlens.tasks import get_task
from medlens.tasks.spec import RiskBand, TaskSpec

log = logging.getLogger(__name__)


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Softmax of ``logits / temperature`` over the last axis, for one logit vector or a batch."""
    z = np.asarray(logits, np.float64)
    return calibrated_softmax(z.reshape(-1, z.shape[-1]), temperature).reshape(z.shape)


@dataclass
class Prediction:
    """One image's result. Probabilities are calibrated (softmax(logits / T))."""

    label: str
    probabilities: dict[str, float]
    risk: RiskBand | None = None
    target_class: str | None = None
    target_probability: float | None = None
    threshold: float | None = None
    screen_positive: bool | None = None  # target probability >= operating threshold
    heads: dict[str, dict[str, float]] = field(default_factory=dict)
    logits: list[float] = field(default_factory=list)
    energy: float | None = None
    ood: bool | None = None  # None when the card has no OOD gate
    source_ood: bool | None = None  # far from every training source (card.source_gate); None: no gate
    source_distance: float | None = None  # cosine distance to the k-th nearest training reference
    nearest_source: str | None = None  # training source of the nearest reference
    source_threshold: float | None = None
    source_residual: float | None = None  # squared norm outside the training PCA subspace
    source_residual_threshold: float | None = None
    prediction_set: list[str] | None = None  # conformal set (card.conformal), most likely first
    conformal_alpha: float | None = None  # the set holds the true class >= 1 - alpha of the time
    heatmap: np.ndarray | None = None  # H x W float 0..1, original image size
    heatmap_class: str | None = None
    heatmap_empty: bool | None = None  # no region raised the class's score: an all-zero map
    overlay: np.ndarray | None = None  # H x W x 3 uint8
    model_ms: float = 0.0

    @property
    def risk_level(self) -> str | None:
        return self.risk.level if self.risk else None

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        """JSON-ready summary (images are left out; save them separately)."""
        return {
            "label": self.label,
            "probabilities": self.probabilities,
            "risk": self.risk_level,
            "risk_label": self.risk.label.get(lang) if self.risk else None,
            "advice": self.risk.advice.get(lang) if self.risk else None,
            "target_class": self.target_class,
            "target_probability": self.target_probability,
            "threshold": self.threshold,
            "screen_positive": self.screen_positive,
            "heads": self.heads,
            "logits": self.logits,
            "energy": self.energy,
            "ood": self.ood,
            "source_ood": self.source_ood,
            "source_distance": self.source_distance,
            "nearest_source": self.nearest_source,
            "source_threshold": self.source_threshold,
            "source_residual": self.source_residual,
            "source_residual_threshold": self.source_residual_threshold,
            "prediction_set": self.prediction_set,
            "conformal_alpha": self.conformal_alpha,
            "heatmap_class": self.heatmap_class,
            "heatmap_empty": self.heatmap_empty,
            "model_ms": round(self.model_ms, 3),
        }


class Predictor:
    """Runs one ONNX model with its card's preprocessing, calibration, thresholds and OOD gate."""

    def __init__(
        self, card: ModelCard, session: Any, cam_head: CamHead | None = None, bank: SourceBank | None = None
    ) -> None:
        self.card = card
        self.session = session
        self.cam_head = cam_head
        self.bank = bank  # the source gate's reference bank (card.source_gate)
        self.task: TaskSpec | None = _task_or_none(card.task)
        self.input_name = session.get_inputs()[0].name
        outputs = [o.name for o in session.get_outputs()]
        self.logits_name = "logits" if "logits" in outputs else outputs[0]
        self.features_name = card.feature_output if card.feature_output in outputs else None
        self.schema = card.label_schema()
        # test-time views (medlens.serving.views); from_card takes them from the card
        self.tta: list[str] = []

    @classmethod
    def from_card(
        cls, path: str | Path | ModelCard, threads: int | None = None, verify: bool = True, tta: bool = True
    ) -> Predictor:
        """Load ``card.json`` (or its folder, or the model file beside it, or a loaded card) and open an
        ONNX Runtime session.

        ``tta=False`` skips the card's test-time views (faster; the card's metrics assume them).
        """
        import onnxruntime as ort

        if isinstance(path, ModelCard):
            card = path
        else:
            path = Path(path)
            card = ModelCard.load(path.parent if path.suffix == ".onnx" else path, verify=verify)
            if path.suffix == ".onnx" and path.name != card.weights_file:  # e.g. model.int8.onnx
                raise CardError(
                    f"{path}: the card in {path.parent} describes {card.weights_file}, not {path.name}; "
                    "a model file is served only with its own card"
                )
        opts = ort.SessionOptions()
        if threads:
            opts.intra_op_num_threads = threads
        opts.log_severity_level = 3
        try:
            session = ort.InferenceSession(str(card.weights_path), opts, providers=["CPUExecutionProvider"])
        except Exception as exc:
            raise CardError(f"{card.weights_path}: ONNX Runtime cannot load the model ({exc})") from exc
        try:
            cam_head = CamHead.load(card.directory / card.cam_file) if card.cam_file else None
            bank = _load_bank(card)
            predictor = cls(card, session, cam_head, bank)  # builds the label schema
            predictor.tta = check_views(card.tta) if tta else []
        except (CamError, ValueError) as exc:
            raise CardError(f"{card.directory}: {exc}") from exc
        if bank is not None and predictor.features_name is None:
            raise CardError(f"{card.weights_path}: the source gate needs the {card.feature_output!r} output")
        predictor._self_check()
        return predictor

    def _self_check(self) -> None:
        """One synthetic image through the whole path (preprocessing, views, source gate, CAM): a card
        that does not fit its ONNX model or side files (input size, number of classes, another model's
        CAM head or reference bank, an unknown image op) fails here, at load, not on every request."""
        side = max(32, self.card.preprocessing.input_size)
        image = np.random.default_rng(0).integers(0, 256, (side, side, 3), dtype=np.uint8)
        try:
            self.predict(image, cam=self.cam_head is not None and self.features_name is not None)
            if self.cam_head is not None and len(self.cam_head.fc_b) != self.schema.n_logits:
                raise ValueError(
                    f"the CAM head has {len(self.cam_head.fc_b)} outputs, the model {self.schema.n_logits} logits"
                )
        except Exception as exc:  # whatever the mismatch raises, the card is what is wrong
            raise CardError(
                f"{self.card.directory}: the card does not fit its model files ({type(exc).__name__}: {exc})"
            ) from exc

    # --- inference -----------------------------------------------------------------------------
    def predict(self, image: np.ndarray, cam: bool = False, cam_class: str | None = None) -> Prediction:
        """Predict one RGB uint8 image; with ``cam`` also a heatmap and overlay at image size."""
        return self.predict_batch([image], cam=cam, cam_class=cam_class)[0]

    def predict_batch(
        self, images: list[np.ndarray], cam: bool = False, cam_class: str | None = None, batch_size: int = 32
    ) -> list[Prediction]:
        """Predict many images, running the network on batches of up to ``batch_size``."""
        results: list[Prediction] = []
        pp = self.card.preprocessing
        for start in range(0, len(images), batch_size):
            chunk = [check_image(im) for im in images[start : start + batch_size]]
            prepared = [resize_for_model(im, pp) for im in chunk]
            batch = np.stack([normalize(r, pp) for r, _ in prepared])
            t0 = time.perf_counter()
            logits, feats = self.forward(batch, features=cam or self.bank is not None)
            ms = (time.perf_counter() - t0) * 1000 / len(chunk)
            for i, im in enumerate(chunk):
                pred = self._decode(logits[i], ms)
                if self.bank is not None and feats is not None:
                    self._gate_sources(pred, feats[i : i + 1])
                if cam:
                    self._add_cam(pred, im, None if feats is None else feats[i], prepared[i][1], cam_class)
                results.append(pred)
        return results

    def logits_batch(self, images: list[np.ndarray], batch_size: int = 32) -> np.ndarray:
        """Raw logits (N, n_logits) for many images: the card's preprocessing (+ TTA) and the network."""
        pp = self.card.preprocessing
        out = [
            self.forward(np.stack([normalize(resize_for_model(check_image(im), pp)[0], pp) for im in chunk]))[
                0
            ]
            for chunk in (images[i : i + batch_size] for i in range(0, len(images), batch_size))
        ]
        return np.concatenate(out) if out else np.zeros((0, self.schema.n_logits), np.float32)

    def embeddings_batch(self, images: list[np.ndarray], batch_size: int = 32) -> np.ndarray:
        """L2-normalised pooled feature embeddings (N, C) of the plain view, as the source gate sees them."""
        if self.features_name is None:
            raise CardError(f"{self.card.name}: the model has no {self.card.feature_output!r} output")
        pp, out = self.card.preprocessing, []
        for start in range(0, len(images), batch_size):
            chunk = images[start : start + batch_size]
            x = np.stack([normalize(resize_for_model(check_image(im), pp)[0], pp) for im in chunk])
            out.append(embed(self.session.run([self.features_name], {self.input_name: x})[0]))
        return np.concatenate(out) if out else np.zeros((0, 0), np.float64)

    def forward(self, batch: np.ndarray, features: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """Network on a preprocessed batch: logits averaged over the test-time views, features of the plain view."""
        n = len(batch)
        views = view_batches(batch, self.tta)
        x = np.ascontiguousarray(np.concatenate(views)) if len(views) > 1 else batch
        wanted = [self.logits_name] + ([self.features_name] if features and self.features_name else [])
        outs = self.session.run(wanted, {self.input_name: x})
        logits = outs[0].reshape(len(views), n, -1).mean(axis=0)
        return logits, (outs[1][:n] if len(outs) > 1 else None)

    # --- helpers -------------------------------------------------------------------------------
    def _decode(self, logits: np.ndarray, ms: float) -> Prediction:
        card, schema = self.card, self.schema
        heads = {
            h.name: {c: float(v) for c, v in zip(h.classes, p, strict=True)}
            for h, p in zip(
                schema.heads, schema.probabilities(logits, card.temperature).values(), strict=True
            )
        }
        main_sl = schema.slices()[schema.main.name]
        probs = heads[schema.main.name]
        label = max(probs, key=probs.__getitem__)
        pred = Prediction(label=label, probabilities=probs, logits=[float(v) for v in logits], model_ms=ms)
        if schema.multi_head:
            pred.heads = heads
        pred.energy = float(energy_score(logits[main_sl]))
        if card.ood is not None:  # one decision rule for serving and evaluation (raw logits, T = 1)
            pred.ood = is_out_of_distribution(logits[main_sl], card.ood)
        if card.conformal is not None and schema.plain:
            pred.prediction_set = prediction_set(probs, card.conformal)
            pred.conformal_alpha = card.conformal.alpha
        target = card.thresholds.target_class or (self.task.target if self.task else None)
        if target in probs:
            thr = card.thresholds.threshold if card.thresholds.threshold is not None else 0.5
            pred.target_class, pred.target_probability, pred.threshold = target, probs[target], thr
            pred.screen_positive = probs[target] >= thr
            if self.task is not None:
                pred.risk = self.task.risk_for(probs[target], thr)
        return pred

    def _gate_sources(self, pred: Prediction, features: np.ndarray) -> None:
        gate, bank = self.card.source_gate, self.bank
        assert gate is not None and bank is not None
        scores = bank.score(embed(features), gate.k)
        pred.source_distance, pred.nearest_source = float(scores.distance[0]), scores.nearest[0]
        pred.source_residual = float(scores.residual[0])
        pred.source_threshold, pred.source_residual_threshold = gate.threshold, gate.residual_threshold
        pred.source_ood = bool(is_far(scores, gate.threshold, gate.residual_threshold)[0])

    def _add_cam(
        self,
        pred: Prediction,
        image: np.ndarray,
        features: np.ndarray | None,
        crop_box: tuple[int, int, int, int] | None,
        cam_class: str | None,
    ) -> None:
        if features is None or self.cam_head is None:
            log.warning("%s: no feature output or CAM head; heatmap unavailable", self.card.name)
            return
        moved = GEOMETRIC_OPS.intersection(self.card.preprocessing.ops)
        if moved:  # the map would be spread over the whole photo, not over the crop the network saw
            log.warning(
                "%s: op %s moves pixels; heatmap unavailable", self.card.name, ", ".join(sorted(moved))
            )
            return
        cls_name = cam_class or pred.target_class or pred.label
        if cls_name not in pred.probabilities:
            raise ValueError(f"cam_class {cls_name!r} is not one of {list(pred.probabilities)}")
        if self.schema.main.ordinal:  # CORN logits are not class scores: explain "grade above 0"
            index = self.schema.slices()[self.schema.main.name].start
        else:
            index = list(pred.probabilities).index(cls_name)
        cam = grad_cam(self.cam_head, features, index)
        h, w = image.shape[:2]
        pred.heatmap = heatmap_to_image(cam, h, w, crop_box)
        pred.heatmap_class = cls_name
        pred.heatmap_empty = bool(cam.max() <= 0)  # Grad-CAM's ReLU left nothing for this class
        pred.overlay = overlay_heatmap(image, pred.heatmap)


def _load_bank(card: ModelCard) -> SourceBank | None:
    if card.source_gate is None:
        return None
    try:
        return SourceBank.load(card.directory / card.source_gate.file)
    except ValueError as exc:
        raise CardError(str(exc)) from exc


def _task_or_none(name: str) -> TaskSpec | None:
    try:
        return get_task(name)
    except ValueError:
        log.warning("task %r is not registered; predictions carry no risk band", name)
        return None
