"""Subgroup check of an image bundle (torch-free): the served model on its test images, per sex, age band
and body site.

The test images are the bundle's own test split, rebuilt from its card (``test_set="card"``, the split's
sha256 checked), or for a melanoma model trained on the Kaggle folder (whose photos carry no metadata) the
HAM10000 photos it never saw (``test_set="ham10000-unseen"``, cross-source). The model runs through the
``Predictor`` exactly as served (preprocessing, test-time views, temperature); groups come from the
samples' ``meta`` (age, sex, site); metrics at the card's operating threshold.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from medlens.data.sample import Sample, SampleSet
from medlens.evaluation.subgroups import UNKNOWN, age_bands, subgroup_metrics, subsample
from medlens.serving.predictor import Predictor, softmax
from medlens.serving.source_check import bundle_logits

log = logging.getLogger(__name__)

ATTRIBUTES = ("sex", "age", "site")


@dataclass
class TestSet:
    """Images to measure: ``indices`` of ``sample_set``, what they are, and whether the model's source."""

    sample_set: SampleSet
    indices: list[int]
    description: str
    role: str  # "in-source" | "cross-source"


def sample_groups(samples: Sequence[Sample]) -> dict[str, np.ndarray]:
    """``sex``, ``age`` (band) and ``site`` of every sample (``unknown`` where missing); attributes
    unknown for every sample are left out."""
    found = {
        "sex": np.array([s.meta.sex or UNKNOWN for s in samples], dtype=object),
        "age": age_bands([s.meta.age for s in samples]),
        "site": np.array([s.meta.site or UNKNOWN for s in samples], dtype=object),
    }
    return {k: v for k, v in found.items() if len(v) and not np.all(v == UNKNOWN)}


def card_test_set(card: Any, data_root: Path | None = None) -> TestSet:
    """The bundle's own test split, rebuilt from its card; ``ValueError`` when it cannot be (or differs)."""
    from medlens.data.rebuild import facts_from_card, rebuild_split

    facts = facts_from_card(card, data_root)
    rebuilt = rebuild_split(
        facts,
        card.data.fingerprint,
        strict=True,
        hint="(leave --data-root out, or give it as the card's training command wrote it: the split lists file paths)",
    )
    idx = list(rebuilt.manifest.splits["test"])
    return TestSet(rebuilt.sample_set, idx, f"{facts.dataset} test split ({len(idx)} images)", "in-source")


def ham10000_unseen(card: Any, data_root: Path | None = None) -> TestSet:
    """HAM10000 photos a Kaggle-folder melanoma model never saw (cross-source; they carry metadata)."""
    from medlens.config import default_data_root
    from medlens.data.adapters.melanoma_sources import unseen_ham_photos

    if list(card.classes) != ["benign", "malignant"]:
        raise ValueError(f"ham10000-unseen is for benign/malignant models, {card.name} has {card.classes}")
    ham, idx, n_mel = unseen_ham_photos(Path(data_root or default_data_root()))
    text = (
        f"unseen HAM10000 photos, cross-source: {n_mel} melanomas whose Kaggle copies are in the Kaggle "
        f"test split + {len(idx) - n_mel} benign photos of HAM10000 test lesions"
    )
    return TestSet(ham, idx, text, "cross-source")


TEST_SETS: dict[str, Callable[[Any, Path | None], TestSet]] = {
    "card": card_test_set,
    "ham10000-unseen": ham10000_unseen,
}


def image_subgroups(
    model: Path,
    data_root: Path | None = None,
    test_set: str = "card",
    limit: int | None = None,
    min_n: int = 30,
    min_class: int = 10,
    n_boot: int = 1000,
    seed: int = 0,
    threads: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Subgroup metrics of an image bundle on ``test_set`` (see :data:`TEST_SETS`)."""
    if test_set not in TEST_SETS:
        raise ValueError(f"unknown test set {test_set!r}; valid: {', '.join(TEST_SETS)}")
    predictor = Predictor.from_card(model, threads=threads)
    card = predictor.card
    ts = TEST_SETS[test_set](card, data_root)
    if list(ts.sample_set.classes) != list(card.classes):
        raise ValueError(f"test set classes {ts.sample_set.classes} differ from {card.name}'s {card.classes}")
    idx = subsample(ts.indices, limit, seed)
    samples = [ts.sample_set.samples[i] for i in idx]
    groups = sample_groups(samples)
    if not groups:
        raise ValueError(
            f"the {ts.description} carry no sex, age or body site; "
            f"valid test sets: {', '.join(TEST_SETS)} (ham10000-unseen for Kaggle-folder melanoma models)"
        )
    log.info("%s: %d images of the %s, groups %s", card.name, len(idx), ts.description, list(groups))
    proba = softmax(bundle_logits(predictor, ts.sample_set, idx, progress=progress), card.temperature)
    y = np.array([s.label for s in samples], dtype=np.int64)
    target, threshold = card.thresholds.target_class, card.thresholds.threshold
    attributes = {
        name: subgroup_metrics(
            y,
            proba,
            g,
            card.classes,
            target,
            threshold,
            min_n=min_n,
            min_class=min_class,
            n_boot=n_boot,
            seed=seed,
        )
        for name, g in groups.items()
    }
    return {
        "model": card.name,
        "task": card.task,
        "test_set": test_set,
        "data": ts.description + (f", {len(idx)} drawn (seed {seed})" if len(idx) < len(ts.indices) else ""),
        "role": ts.role,
        "n": len(idx),
        "n_target": int((y == card.classes.index(target)).sum()) if target else None,
        "target": target,
        "threshold": threshold,
        "min_n": min_n,
        "min_class": min_class,
        "n_boot": n_boot,
        "seed": seed,
        "attributes": attributes,
    }
