"""Decode and resize once: a uint8 image cache in memory (optionally on disk) + a Dataset over it.

On a 2-core machine re-decoding JPEGs every epoch dominates; the cache holds each split's images
resized to the training size, ``(N, S, S, 3)`` uint8, and epochs only augment + normalise.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np
import torch
from torch.utils.data import Dataset

from medlens.data.image_ops import apply_ops, check_ops
from medlens.data.sample import SampleSet
from medlens.data.transforms import Transform, resize_square, seed_augmentation, stream_seed

log = logging.getLogger(__name__)


def cache_key(sample_set: SampleSet, indices: Sequence[int], size: int) -> str:
    """Stable key from the dataset fingerprint, the chosen indices and the size."""
    h = hashlib.sha256(sample_set.fingerprint().encode())
    h.update(np.asarray(indices, dtype=np.int64).tobytes())
    h.update(str(size).encode())
    return h.hexdigest()[:20]


def load_images(
    sample_set: SampleSet,
    indices: Sequence[int],
    size: int,
    cache_dir: Path | None = None,
    threads: int = 2,
    ops: Sequence[str] = (),
    grayscale: bool = False,
) -> np.ndarray:
    """Images ``indices`` resized to ``size`` as uint8 (N, S, S, 3); reuse/write ``cache_dir/<key>.npy``.

    ``grayscale`` (a card's ``preprocessing.grayscale``: X-rays) takes the luminance before the resize and
    ``ops`` (``medlens.data.image_ops``) run after it, both as the Predictor does.
    """
    path = None
    ops = check_ops(ops)
    if cache_dir is not None:
        key = cache_key(sample_set, indices, size) + ("-" + "-".join(ops) if ops else "")
        key += "-gray" if grayscale else ""
        path = Path(cache_dir) / f"{sample_set.name}-{size}-{key}.npy"
        if path.is_file():
            log.info("image cache hit %s", path)
            return np.load(path)

    def one(i: int) -> np.ndarray:
        image = sample_set.samples[i].load_image()
        if grayscale:  # X-rays with coloured annotations: the network sees what serving will give it
            image = np.repeat(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)[:, :, None], 3, axis=2)
        return apply_ops(resize_square(image, size), ops)

    with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
        images = (
            np.stack(list(pool.map(one, indices))) if len(indices) else np.zeros((0, size, size, 3), np.uint8)
        )
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # a per-process temporary name: trials running side by side may build the same cache file,
        # and the last atomic rename wins (both wrote the same images)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp.npy")
        np.save(tmp, images)
        tmp.replace(path)
    return images


class CachedImageDataset(Dataset):
    """(image tensor, target) pairs from a uint8 cache; ``set_epoch`` reseeds augmentation (resumable)."""

    def __init__(self, images: np.ndarray, targets: np.ndarray, transform: Transform, seed: int = 0) -> None:
        if len(images) != len(targets):
            raise ValueError(f"{len(images)} images but {len(targets)} targets")
        self.images = images
        self.targets = torch.as_tensor(np.asarray(targets, dtype=np.int64))
        self.transform = transform
        self.seed = seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
        self.reseed()

    def reseed(self, worker: int = 0) -> None:
        """Seed the augmentation for (seed, epoch, DataLoader worker): reproducible, distinct per worker.

        Worker 0 is the main process (``num_workers=0``); worker processes are numbered from 1.
        """
        if self.transform.aug is None:
            return
        seed_augmentation(self.transform.aug, stream_seed(self.seed * 100_003 + self.epoch, worker))

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.from_numpy(self.transform(self.images[i])), self.targets[i]


def augmentation_worker_init(worker_id: int) -> None:
    """DataLoader ``worker_init_fn``: each worker process reseeds its copy of the augmentation.

    Forked workers inherit one generator state, so without this worker k's i-th image gets the same random
    draws as every other worker's i-th image.
    """
    info = torch.utils.data.get_worker_info()
    ds = info.dataset if info is not None else None
    while ds is not None and not isinstance(ds, CachedImageDataset):
        ds = getattr(ds, "base", None)  # wrappers such as kd.DistillDataset
    if ds is not None:
        ds.reseed(worker_id + 1)


def targets_for(
    sample_set: SampleSet, indices: Sequence[int], heads: Sequence[str] | None = None
) -> np.ndarray:
    """(N,) labels of the main head, or (N, H) for the named heads (missing head label -> -1)."""
    if heads:
        return np.array(
            [[sample_set.samples[i].labels.get(h, -1) for h in heads] for i in indices], dtype=np.int64
        ).reshape(len(indices), len(heads))
    return np.array([sample_set.samples[i].label for i in indices], dtype=np.int64)
