"""MedMNIST v2 ``.npz`` (keys ``{train,val,test}_{images,labels}``; 28/64/128/224 px; gray or RGB).

Images stay in memory; ``Sample.loader`` returns an RGB uint8 copy. The official train/val/test
splits become ``predefined_splits``. ``source`` is ``"<file>.npz#<split>:<index>"``.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from medlens.data.adapters._common import require_file
from medlens.data.registry import DATASETS
from medlens.data.sample import DatasetFormatError, Sample, SampleSet

SPLITS = ("train", "val", "test")
KNOWN_CLASSES = {"pneumoniamnist": ["normal", "pneumonia"]}


class ArrayImage:
    """Picklable loader: image ``index`` of an (N, H, W[, C]) uint8 array, returned as RGB (H, W, 3)."""

    def __init__(self, images: np.ndarray, index: int) -> None:
        self.images = images
        self.index = index

    def __call__(self) -> np.ndarray:
        img = self.images[self.index]
        if img.ndim == 2:
            return np.repeat(img[:, :, None], 3, axis=2)
        if img.shape[2] == 1:
            return np.repeat(img, 3, axis=2)
        return np.ascontiguousarray(img[:, :, :3])


def _find_npz(root: Path) -> Path:
    if root.is_file():
        return root
    files = sorted(root.glob("*.npz")) if root.is_dir() else []
    if len(files) != 1:
        found = ", ".join(p.name for p in files) or "none"
        raise DatasetFormatError(root, f"expected exactly one .npz file (found {found}); pass the file path")
    return files[0]


@DATASETS.decorator("medmnist")
def load_medmnist(root: Path, classes: Sequence[str] | None = None, name: str | None = None) -> SampleSet:
    """Index a MedMNIST v2 ``.npz`` (``root`` is the file or a folder holding exactly one)."""
    path = require_file(_find_npz(root))
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise DatasetFormatError(path, f"cannot read .npz ({exc})") from exc
    missing = [f"{s}_{k}" for s in SPLITS for k in ("images", "labels") if f"{s}_{k}" not in arrays]
    if missing:
        raise DatasetFormatError(path, f"missing key(s) {', '.join(missing)}")
    stem = name or path.stem
    n_classes = 1 + max(int(arrays[f"{s}_labels"].max(initial=0)) for s in SPLITS)
    if classes is None:
        classes = KNOWN_CLASSES.get(stem, [str(i) for i in range(n_classes)])
    if n_classes > len(classes):
        raise DatasetFormatError(path, f"label {n_classes - 1} out of range for {len(classes)} classes")
    samples: list[Sample] = []
    splits: dict[str, list[int]] = {}
    for split in SPLITS:
        images = arrays[f"{split}_images"]
        labels = arrays[f"{split}_labels"].reshape(len(arrays[f"{split}_labels"]), -1)
        if images.dtype != np.uint8 or images.ndim not in (3, 4) or len(images) != len(labels):
            raise DatasetFormatError(
                path,
                f"{split}: expected uint8 images (N,H,W[,3]) matching labels, got {images.shape} {images.dtype}",
            )
        if labels.shape[1] != 1:
            raise DatasetFormatError(path, f"{split}: multi-label MedMNIST sets are not supported")
        start = len(samples)
        for i in range(len(images)):
            key = f"{path.name}#{split}:{i}"
            samples.append(
                Sample(
                    source=key,
                    labels={"label": int(labels[i, 0])},
                    group_id=key,
                    loader=ArrayImage(images, i),
                )
            )
        splits[split] = list(range(start, len(samples)))
    return SampleSet(name=stem, classes=list(classes), samples=samples, predefined_splits=splits)
