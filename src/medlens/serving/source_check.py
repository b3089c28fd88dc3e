"""Cross-source check of a bundle (torch-free): the served model, measured per source of a dataset.

``cross_source_check`` runs the ``Predictor`` (the card's preprocessing, test-time views, calibration)
over one split of a multi-source SampleSet and reports, per source, the headline metrics with 95%
bootstrap intervals at the card's threshold, marked *in-source* when the model was trained on that
source and *cross-source* when it was not; binary tasks also get a per-original-class breakdown
(share called target, AUROC of the target class against that class) and the OOD gate's flag rate.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from medlens.data.sample import SampleSet
from medlens.data.sources import original_classes, sources_of
from medlens.evaluation.cross_source import metrics_by_source, per_class_rates, specificity_at_recall
from medlens.serving.predictor import Predictor, energy_score, softmax

if TYPE_CHECKING:
    from medlens.data.rebuild import RebuiltSplit

log = logging.getLogger(__name__)


def split_indices(sample_set: SampleSet, split: str) -> list[int]:
    """Indices of ``split`` ("train"/"val"/"test" from ``predefined_splits``, or "all")."""
    if split == "all":
        return list(range(len(sample_set)))
    if not sample_set.predefined_splits or split not in sample_set.predefined_splits:
        raise ValueError(
            f"dataset {sample_set.name!r} has no predefined {split!r} split; use split 'all' or a "
            "multi-source adapter (e.g. melanoma-sources)"
        )
    return list(sample_set.predefined_splits[split])


def bundle_logits(
    predictor: Predictor,
    sample_set: SampleSet,
    indices: Sequence[int],
    batch_size: int = 64,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Raw logits of the served model (card preprocessing + TTA) for ``indices`` of ``sample_set``."""
    out: list[np.ndarray] = []
    n = len(indices)
    for start in range(0, n, batch_size):
        chunk = [sample_set.samples[i].load_image() for i in indices[start : start + batch_size]]
        out.append(predictor.logits_batch(chunk, batch_size=batch_size))
        if progress is not None:
            progress(min(start + batch_size, n), n)
    return np.concatenate(out) if out else np.zeros((0, len(predictor.card.classes)), np.float32)


@dataclass(frozen=True)
class ServedSplit:
    """A bundle's own split part, rebuilt from its card (fingerprint-verified), and its served raw logits."""

    predictor: Predictor
    split: RebuiltSplit
    indices: list[int]
    labels: np.ndarray
    logits: np.ndarray


def served_split(
    model: Path, part: str, data_root: Path | None = None, threads: int | None = None
) -> ServedSplit:
    """The Predictor of ``model`` run over ``part`` ("train"/"val"/"test") of the split its card records."""
    from medlens.data.rebuild import facts_from_card, rebuild_split

    predictor = Predictor.from_card(model, threads=threads)
    card = predictor.card
    split = rebuild_split(facts_from_card(card, data_root), card.data.fingerprint, strict=True)
    idx = list(split.manifest.splits[part])
    labels = np.asarray([split.sample_set.samples[i].label for i in idx])
    logits = bundle_logits(
        predictor, split.sample_set, idx, progress=lambda k, n: log.info("%s: %d / %d photos", part, k, n)
    )
    return ServedSplit(predictor, split, idx, labels, logits)


def role_of(source: str, train_sources: Sequence[str] | None) -> str:
    """ "in-source" / "cross-source" for a test source (dataset-level match), "unknown" without a list."""
    if not train_sources:
        return "unknown"
    dataset = source.split("/", 1)[0]
    return "in-source" if source in train_sources or dataset in train_sources else "cross-source"


def evaluate_logits(
    logits: np.ndarray,
    sample_set: SampleSet,
    indices: Sequence[int],
    classes: Sequence[str],
    temperature: float,
    target: str | None,
    threshold: float | None,
    train_sources: Sequence[str] | None = None,
    ood_threshold: float | None = None,
    recall_floor: float = 0.85,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Per-source metrics (and per-class rates for binary tasks) from a model's logits on ``indices``."""
    sub = sample_set.subset(indices)
    y = sub.labels()
    proba = softmax(np.asarray(logits, np.float64), temperature)
    src = sources_of(sub)
    by_source = metrics_by_source(y, proba, src, classes, target, threshold, n_boot=n_boot, seed=seed)
    orig = original_classes(sub)
    energy = np.asarray(energy_score(np.asarray(logits, np.float64)), dtype=np.float64)
    for name, row in by_source.items():
        mask = np.ones(len(y), bool) if name == "all" else (src == name)
        row["role"] = "pooled" if name == "all" else role_of(name, train_sources)
        if ood_threshold is not None:
            row["ood_flagged"] = float(np.mean(energy[mask] > ood_threshold))
        if target is None or threshold is None or len(classes) != 2:
            continue
        t = list(classes).index(target)
        y_bin = (y[mask] == t).astype(np.int64)
        score = proba[mask, t]
        row["per_class"] = per_class_rates(orig[mask], y_bin, score, threshold, n_boot=n_boot, seed=seed)
        if 0 < y_bin.sum() < len(y_bin):
            row[f"oracle_at_recall_{recall_floor:g}"] = specificity_at_recall(y_bin, score, recall_floor)
    return {
        "n": len(indices),
        "threshold": threshold,
        "temperature": temperature,
        "train_sources": list(train_sources or []),
        "by_source": by_source,
    }


def cross_source_check(
    predictor: Predictor,
    sample_set: SampleSet,
    split: str = "test",
    train_sources: Sequence[str] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[dict[str, Any], np.ndarray, list[int]]:
    """(result, logits, indices): the bundle exactly as served, measured per source on ``split``."""
    card = predictor.card
    if list(sample_set.classes) != list(card.classes):
        raise ValueError(
            f"dataset {sample_set.name!r} classes {sample_set.classes} do not match model "
            f"{card.name!r} classes {card.classes}"
        )
    indices = split_indices(sample_set, split)
    logits = bundle_logits(predictor, sample_set, indices, progress=progress)
    result = evaluate_logits(
        logits,
        sample_set,
        indices,
        card.classes,
        card.temperature,
        card.thresholds.target_class,
        card.thresholds.threshold,
        train_sources=train_sources,
        ood_threshold=card.ood.threshold if card.ood is not None else None,
        n_boot=n_boot,
        seed=seed,
    )
    result |= {"model": card.name, "dataset": sample_set.name, "split": split}
    return result, logits, indices
