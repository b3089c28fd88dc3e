"""Dataset, split, leakage audit and image caches for a run (no training logic)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from medlens.data import SampleSet, create_dataset, rebuild
from medlens.data.rebuild import SPLITS  # noqa: F401  (re-exported: the CLI's choices)
from medlens.data.splits import SplitManifest
from medlens.tasks import get_task
from medlens.training.config import TrainConfig
from medlens.training.data import load_images, targets_for

log = logging.getLogger(__name__)


@dataclass
class PreparedData:
    sample_set: SampleSet
    manifest: SplitManifest
    indices: dict[str, list[int]]  # after --max-train-samples
    images: dict[str, np.ndarray]
    targets: dict[str, np.ndarray]


def _check_classes(config: TrainConfig, sample_set: SampleSet) -> None:
    spec = get_task(config.task)
    if list(sample_set.classes) != list(spec.classes):
        raise ValueError(
            f"{config.data_root}: dataset classes {sample_set.classes} do not match task "
            f"{config.task!r} classes {list(spec.classes)}"
        )


def make_manifest(config: TrainConfig, sample_set: SampleSet) -> SplitManifest:
    return rebuild.make_manifest(sample_set, config.split, config.fractions, config.split_seed_used)


def write_audit(sample_set: SampleSet, manifest: SplitManifest, path: Path) -> None:
    """Leakage audit (group overlap, duplicates) as JSON; records why when the audit is unavailable."""
    try:
        from medlens.data.splits import audit_leakage

        report = audit_leakage(sample_set, manifest)
        payload = report.to_dict() if hasattr(report, "to_dict") else dict(vars(report))
    except (ImportError, AttributeError) as exc:
        payload = {"available": False, "reason": f"leakage audit unavailable: {exc}"}
    path.write_text(json.dumps(payload, indent=1, default=str))


def add_extra_train(sample_set: SampleSet, indices: dict[str, list[int]], folders: list[str]) -> SampleSet:
    """``sample_set`` with the images of each confirmed-case folder appended, their indices added to
    ``indices["train"]`` (in place). The split manifest (and so val/test) is the original data's."""
    samples = list(sample_set.samples)
    for folder in folders:
        extra = create_dataset("confirmed-cases", Path(folder), classes=sample_set.classes)
        start = len(samples)
        samples.extend(extra.samples)
        indices["train"].extend(range(start, len(samples)))
        log.info("train: +%d confirmed images from %s", len(extra), folder)
    return SampleSet(sample_set.name, list(sample_set.classes), samples, dict(sample_set.heads))


def prepare_data(config: TrainConfig, out_dir: Path) -> PreparedData:
    """Load the dataset, split it (saved as split.json + leakage_audit.json) and cache the images."""
    sample_set = create_dataset(config.dataset, Path(config.data_root))
    _check_classes(config, sample_set)
    manifest = make_manifest(config, sample_set)
    manifest.save(out_dir / "split.json")
    if not (out_dir / "leakage_audit.json").is_file():
        write_audit(sample_set, manifest, out_dir / "leakage_audit.json")
    indices = {k: list(v) for k, v in manifest.splits.items()}
    if config.max_train_samples and config.max_train_samples < len(indices["train"]):
        rng = np.random.default_rng(config.seed)
        chosen = rng.choice(len(indices["train"]), size=config.max_train_samples, replace=False)
        indices["train"] = [indices["train"][i] for i in sorted(chosen)]
    if config.extra_train:
        sample_set = add_extra_train(sample_set, indices, config.extra_train)
    cache = Path(config.cache_dir) if config.cache_dir else None
    schema = get_task(config.task).schema
    head_names = None if schema.plain else schema.names
    images, targets = {}, {}
    for split, idx in indices.items():
        images[split] = load_images(
            sample_set,
            idx,
            config.resolved("input_size"),
            cache,
            ops=config.image_ops,
            grayscale=config.grayscale,
        )
        targets[split] = targets_for(sample_set, idx, head_names)
        log.info("%s: %d images cached at %d px", split, len(idx), config.input_size)
    return PreparedData(sample_set, manifest, indices, images, targets)
