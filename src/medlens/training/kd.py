"""KDE-CT pieces: an ensemble of teacher runs, offline distillation targets and a confidence curriculum.

* Teachers are finished run folders, or exported bundles (a folder with ``card.json``: e.g. a shipped
  ``medlens ensemble``), trained on **the same split**: a run's ``split.json`` and a bundle card's
  ``data.fingerprint`` must match the student's manifest sha256, so no teacher has seen the student's
  validation or test images. A run predicts the student's training images in torch (its own input size
  and normalisation, no augmentation); a bundle predicts them as served (ONNX Runtime, its card's
  preprocessing, in-graph ops and test-time views), its logits divided by the card's temperature. The
  ensemble's soft targets are the mean of the teachers' temperature-softened probabilities,
  ``p_T = mean_k softmax(z_k / T)``, stored as logits ``T * log p_T`` so that
  :class:`~medlens.training.criteria.Distillation` recovers ``p_T``.
* Offline KD: the targets are computed once on un-augmented images, the student sees augmented ones.
* Curriculum ``confidence`` (easy -> hard): difficulty = 1 - the ensemble's probability of the true
  class (T = 1). Epoch ``e`` trains on the easiest fraction ``c(e) = min(1, c0 + (1 - c0) e / E)``
  (``c0`` = 0.5, ``E`` = half the epochs) of *each class*, so the 27 training zoster photos are never
  all held back. Why confidence and not corruption severity: the teachers' agreement measures how hard a
  photo is for this kind of model on this data (atypical or possibly mislabelled photos come last),
  while capture difficulty is already covered by the severity-sampled corruption augmentation.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset

from medlens.data.sample import SampleSet
from medlens.training.criteria import Distillation

log = logging.getLogger(__name__)
CURRICULA = ("none", "confidence")


def _split_error(teacher: str, theirs: str, ours: str) -> ValueError:
    return ValueError(
        f"teacher {teacher} was trained on another split (manifest {theirs[:12]}…, student "
        f"{ours[:12]}…): use the same --split, --seed (or --split-seed) and --fractions"
    )


def bundle_teacher_logits(
    bundle: Path, sample_set: SampleSet, split_fingerprint: str, indices: Sequence[int]
) -> np.ndarray:
    """(N, C) calibrated logits (raw / card temperature) of an exported bundle on ``indices``, as served."""
    from medlens.serving import Predictor
    from medlens.serving.source_check import bundle_logits

    predictor = Predictor.from_card(bundle)
    card = predictor.card
    if card.data.fingerprint != split_fingerprint:
        raise _split_error(str(bundle), card.data.fingerprint or "(none in its card)", split_fingerprint)
    if list(card.classes) != list(sample_set.classes):
        raise ValueError(
            f"teacher {bundle} predicts {list(card.classes)}, the student {list(sample_set.classes)}"
        )
    if predictor.schema.n_logits != len(card.classes):
        raise ValueError(
            f"teacher {bundle}: {predictor.schema.n_logits} logits for {len(card.classes)} classes (extra heads)"
        )

    def progress(done: int, total: int) -> None:
        if done == total or done % 1024 < 64:
            log.info("teacher bundle %s: %d / %d training images", bundle.name, done, total)

    logits = bundle_logits(predictor, sample_set, indices, batch_size=64, progress=progress)
    log.info("teacher bundle %s: logits on %d training images (as served)", bundle, len(indices))
    return logits / float(card.temperature or 1.0)


def teacher_logits(
    teacher_dirs: Sequence[str], split_fingerprint: str, indices: Sequence[int], sample_set: SampleSet
) -> np.ndarray:
    """(K, N, C) logits of each teacher (run: eval transform, no TTA; bundle: as served) on ``indices``
    of the student's ``sample_set``."""
    from torch.utils.data import DataLoader

    from medlens.data import create_dataset
    from medlens.data.transforms import create_transform
    from medlens.models import load_checkpoint
    from medlens.training.config import TrainConfig
    from medlens.training.data import CachedImageDataset, load_images
    from medlens.training.loop import predict
    from medlens.training.prepare import make_manifest

    out = []
    for d in teacher_dirs:
        if (Path(d) / "card.json").is_file() and not (Path(d) / "config.json").is_file():
            out.append(bundle_teacher_logits(Path(d), sample_set, split_fingerprint, indices))
            continue
        cfg = TrainConfig.load(Path(d) / "config.json")
        teacher_set = create_dataset(cfg.dataset, Path(cfg.data_root))
        manifest = make_manifest(cfg, teacher_set)
        if manifest.fingerprint != split_fingerprint:
            raise _split_error(d, manifest.fingerprint, split_fingerprint)
        size = cfg.resolved("input_size")
        cache = Path(cfg.cache_dir) if cfg.cache_dir else Path(tempfile.gettempdir())
        images = load_images(teacher_set, indices, size, cache, ops=cfg.image_ops, grayscale=cfg.grayscale)
        tf = create_transform("none", size, cfg.mean, cfg.std, train=False)
        loader = DataLoader(CachedImageDataset(images, np.zeros(len(images), np.int64), tf), batch_size=64)
        model, _ = load_checkpoint(Path(d) / "best.pt")
        logits, _ = predict(model, loader, torch.device("cpu"))
        out.append(logits)
        log.info("teacher %s: logits on %d training images", d, len(images))
    return np.stack(out)


def ensemble_soft_logits(logits: np.ndarray, temperature: float) -> np.ndarray:
    """``T * log(mean_k softmax(z_k / T))`` for (K, N, C) teacher logits -> (N, C)."""
    z = torch.as_tensor(logits, dtype=torch.float64) / temperature
    p = torch.softmax(z, dim=-1).mean(0)
    return (temperature * torch.log(p.clamp_min(1e-12))).float().numpy()


def difficulty(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """1 - the teacher ensemble's (T = 1) probability of the true class, per sample."""
    p = torch.softmax(torch.as_tensor(logits, dtype=torch.float64), dim=-1).mean(0).numpy()
    return 1.0 - p[np.arange(len(labels)), labels]


def competence(epoch: int, epochs: int, start: float = 0.5) -> float:
    """Fraction of each class trained on at ``epoch`` (linear from ``start`` to 1 at half the epochs)."""
    ramp = max(1, epochs // 2)
    return float(min(1.0, start + (1.0 - start) * epoch / ramp))


def curriculum_subset(hardness: np.ndarray, labels: np.ndarray, fraction: float) -> np.ndarray:
    """Indices of the easiest ``fraction`` of every class (at least one per class), sorted."""
    keep: list[int] = []
    for k in np.unique(labels):
        idx = np.flatnonzero(labels == k)
        n = max(1, int(np.ceil(fraction * len(idx))))
        keep.extend(idx[np.argsort(hardness[idx], kind="stable")[:n]].tolist())
    return np.sort(np.asarray(keep))


class DistillDataset(Dataset):
    """Wraps the training dataset: targets become ``[label, teacher logits...]`` (float) and, with a
    curriculum, each epoch draws only from the easiest samples (``set_epoch``)."""

    def __init__(
        self,
        base: Dataset,
        soft: np.ndarray,
        labels: np.ndarray,
        hardness: np.ndarray | None = None,
        epochs: int = 1,
    ) -> None:
        self.base, self.soft = base, torch.as_tensor(soft, dtype=torch.float32)
        self.labels, self.hardness, self.epochs = np.asarray(labels), hardness, epochs
        self.active = np.arange(len(self.labels))

    def set_epoch(self, epoch: int) -> None:
        if hasattr(self.base, "set_epoch"):
            self.base.set_epoch(epoch)
        if self.hardness is not None:
            frac = competence(epoch, self.epochs)
            self.active = curriculum_subset(self.hardness, self.labels, frac)
            log.info(
                "curriculum epoch %d: %d of %d samples (%.0f%% per class)",
                epoch + 1,
                len(self.active),
                len(self.labels),
                100 * frac,
            )

    def __len__(self) -> int:
        return len(self.active)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        j = int(self.active[i])
        x, y = self.base[j]
        return x, torch.cat([torch.as_tensor(y, dtype=torch.float32).reshape(1), self.soft[j]])


class OfflineDistillation(nn.Module):
    """:class:`Distillation` whose target rows are ``[label, teacher logits...]`` (DistillDataset);
    plain integer targets (validation) fall back to the base loss."""

    def __init__(self, base: nn.Module, alpha: float = 0.7, temperature: float = 4.0) -> None:
        super().__init__()
        self.kd = Distillation(base, alpha=alpha, temperature=temperature)

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> dict[str, torch.Tensor]:
        if target.ndim == 2 and target.is_floating_point():
            return self.kd(logits, target[:, 0].long(), teacher_logits=target[:, 1:])
        return self.kd(logits, target)
