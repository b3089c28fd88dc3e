"""Augmentation draws are not repeated across DataLoader worker processes (nor across Ray Train ranks)."""

from __future__ import annotations

import numpy as np
import pytest
from torch.utils.data import DataLoader

from medlens.data.transforms import create_transform
from medlens.training.config import TrainConfig
from medlens.training.data import CachedImageDataset, augmentation_worker_init


def _draws(ds: CachedImageDataset, init: bool) -> list[bytes]:
    loader = DataLoader(
        ds,
        batch_size=1,
        num_workers=2,
        worker_init_fn=augmentation_worker_init if init else None,
        multiprocessing_context="fork",
    )
    return [x.numpy().tobytes() for x, _ in loader]


@pytest.fixture
def dataset(rng: np.random.Generator) -> CachedImageDataset:
    image = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    images = np.repeat(image[None], 24, axis=0)  # the same photo 24 times: outputs differ only by the draws
    tf = create_transform("C4", 8, (0.5,) * 3, (0.5,) * 3, train=True, seed=0)
    ds = CachedImageDataset(images, np.zeros(24, np.int64), tf, seed=0)
    ds.set_epoch(0)
    return ds


def test_forked_workers_draw_their_own_augmentations(dataset: CachedImageDataset) -> None:
    # batches alternate between the two workers: 0, 2, 4... from one, 1, 3, 5... from the other
    plain = _draws(dataset, init=False)
    assert plain[0::2] == plain[1::2], "control: without the init both workers repeat one stream"
    seeded = _draws(dataset, init=True)
    assert seeded[0::2] != seeded[1::2]
    assert seeded == _draws(dataset, init=True), "still reproducible"
    dataset.set_epoch(1)
    assert _draws(dataset, init=True) != seeded, "a new epoch draws anew"


def test_ray_train_ranks_get_their_own_augmentation_seed() -> None:
    from medlens.training.distributed import DataParallel

    config = TrainConfig(task="melanoma", dataset="imagefolder", data_root="x", out="y", seed=5)
    seeds = [DataParallel(r, 3).loader_config(config).seed for r in range(3)]
    assert seeds[0] == 5 and len(set(seeds)) == 3
    assert seeds == [DataParallel(r, 3).loader_config(config).seed for r in range(3)]
