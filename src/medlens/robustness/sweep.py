"""Run bundled models on corrupted copies of a test sample (numpy + ONNX Runtime, no torch).

Each image is first squash-resized to the model's input size (``corrupt_size``), the pixel grid the
network sees, then corrupted there (ImageNet-C corrupts at the network's 224 px input). Every
(corruption, severity, image) triple has its own seed, so two models (the evaluated one and the
reference) see exactly the same corrupted pixels.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from medlens.data.corruptions import SEVERITIES, create_corruption, list_corruptions
from medlens.quality.model_gate import model_view
from medlens.serving.predictor import Predictor

log = logging.getLogger(__name__)


@dataclass
class TestSample:
    images: list[np.ndarray]  # RGB uint8, original size
    labels: np.ndarray  # class index per image (the card's class order)
    description: str  # what was sampled, from which split, how it was checked


def load_test_sample(
    dataset: str,
    data_root: Path,
    split: str = "grouped",
    seed: int = 0,
    fractions: Sequence[float] = (0.7, 0.15, 0.15),
    n: int | None = 200,
    sample_seed: int = 0,
    expect_fingerprint: str = "",
    strict: bool = True,
    label_dataset: str | None = None,
) -> TestSample:
    """The test split of ``dataset`` rebuilt as training made it (``split``, ``seed``, ``fractions``),
    checked against the card's split-manifest sha256, then a stratified random ``n`` of it.
    ``label_dataset``: the adapter whose labels the model predicts when the split was made on ``dataset``
    (a derived bundle such as skin-lesion-5: split on HAM10000's seven classes, scored on five)."""
    from medlens.data.rebuild import SplitFacts, rebuild_split

    facts = SplitFacts(
        dataset, Path(data_root), split, seed, (fractions[0], fractions[1], fractions[2]), label_dataset
    )
    hint = "(pass the training run's --split/--seed, or --any-split)"
    rebuilt = rebuild_split(facts, expect_fingerprint, strict=strict, hint=hint)
    sample_set, manifest, verified = rebuilt.sample_set, rebuilt.manifest, rebuilt.verified
    test = np.asarray(manifest.test)
    if n is not None and n < len(test):
        rng = np.random.default_rng(sample_seed)
        labels = sample_set.labels()[test]
        # stratified: each class keeps its share (rounded), topped up at random to exactly n
        picked: list[int] = []
        for k in np.unique(labels):
            idx = test[labels == k]
            picked += list(rng.choice(idx, size=round(n * len(idx) / len(test)), replace=False))
        rest = np.setdiff1d(test, picked)
        while len(picked) < n:
            picked.append(int(rng.choice(rest)))
            rest = np.setdiff1d(rest, picked)
        test = np.sort(np.asarray(picked[:n]))
    desc = (
        f"{len(test)} of {len(manifest.test)} test images of {sample_set.name} ({split} split, seed {seed}"
        + (", manifest sha256 matches the card" if verified else ", manifest NOT verified against the card")
        + (
            f"; stratified random sample, seed {sample_seed})"
            if n is not None and n < len(manifest.test)
            else ")"
        )
    )
    return TestSample(
        [sample_set.samples[i].load_image() for i in test],
        np.array([sample_set.samples[i].label for i in test]),
        desc,
    )


def _prep(images: Sequence[np.ndarray], size: int) -> list[np.ndarray]:
    return [model_view(im, size) for im in images]


def _correct(predictor: Predictor, images: list[np.ndarray], labels: np.ndarray) -> np.ndarray:
    logits = predictor.logits_batch(images)
    return np.asarray(logits.argmax(axis=1) == labels, bool)


def sweep(
    predictors: dict[str, Predictor],
    sample: TestSample,
    corruptions: Sequence[str] | None = None,
    corrupt_size: int | None = None,
    seed: int = 0,
) -> dict[str, dict]:
    """For each model: clean correctness and correctness per corruption and severity (bool arrays)."""
    names = list(corruptions or list_corruptions())
    size = corrupt_size or max(p.card.preprocessing.input_size for p in predictors.values())
    base = _prep(sample.images, size)
    out: dict[str, dict] = {
        m: {"clean": _correct(p, base, sample.labels), "corrupted": {}} for m, p in predictors.items()
    }
    t0 = time.perf_counter()
    for ci, name in enumerate(names):
        for m in out:
            out[m]["corrupted"][name] = []
        for s in SEVERITIES:
            fn = create_corruption(name, s)
            imgs = [fn(im, np.random.default_rng([seed, ci, s, i])) for i, im in enumerate(base)]
            for m, p in predictors.items():
                out[m]["corrupted"][name].append(_correct(p, imgs, sample.labels))
        log.info("%s done (%d/%d, %.0f s)", name, ci + 1, len(names), time.perf_counter() - t0)
    return out
