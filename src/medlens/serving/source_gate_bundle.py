"""``fit_source_gate``: a bundled model + its split -> the card's ``source_gate`` block and bank file.

The served ONNX model embeds a seeded sample of the training split per source (``sources_of``), the
reference bank is fitted on them (:mod:`medlens.quality.source_gate`), the threshold is the
``quantile`` quantile of the validation split's scores, and the test split measures how often
in-source images are flagged. ``source_gate_for_bundle`` rebuilds the split from the card alone
(like ``medlens conformal``). Numpy + ONNX Runtime.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from medlens.card import CardError, ModelCard, SourceGate, sha256_file
from medlens.data.rebuild import facts_from_card, rebuild_split
from medlens.data.sample import SampleSet
from medlens.data.sources import sources_of
from medlens.quality.source_gate import (
    DEFAULT_DIMS,
    DEFAULT_K,
    DEFAULT_MAX_REFS,
    DEFAULT_PER_SOURCE,
    DEFAULT_QUANTILE,
    fit_bank,
    fit_thresholds,
    is_far,
    reference_sample,
)
from medlens.serving.predictor import Predictor

log = logging.getLogger(__name__)

BANK_FILE = "ood_bank.npz"


def embed_samples(predictor: Predictor, sample_set: SampleSet, idx: list[int], chunk: int = 64) -> np.ndarray:
    """Embeddings (N, C) of ``sample_set.samples[idx]``, decoding ``chunk`` images at a time."""
    parts = [
        predictor.embeddings_batch([sample_set.samples[i].load_image() for i in idx[s : s + chunk]])
        for s in range(0, len(idx), chunk)
    ]
    return np.concatenate(parts) if parts else np.zeros((0, 0))


def fit_source_gate(
    card: ModelCard,
    sample_set: SampleSet,
    splits: dict[str, list[int]],
    fitted_on: str,
    k: int = DEFAULT_K,
    dims: int = DEFAULT_DIMS,
    per_source: int = DEFAULT_PER_SOURCE,
    max_refs: int = DEFAULT_MAX_REFS,
    quantile: float = DEFAULT_QUANTILE,
    seed: int = 0,
    command: str = "",
) -> SourceGate:
    """Fit the bank on train, the threshold on val, measure test; write the bank beside the card and
    set ``card.source_gate`` (the card itself is not saved here)."""
    t0 = time.perf_counter()
    card.source_gate = None  # a refit replaces the old gate (and its bank file)
    predictor = Predictor.from_card(card, threads=1, tta=False)
    src = sources_of(sample_set)
    # a source named only after the loaded folder ("train") reads better as the card's dataset name
    src[src == sample_set.name] = card.data.dataset.split(" (")[0] or sample_set.name
    train_all = np.asarray(splits["train"], np.int64)
    train = train_all[reference_sample(src[train_all], per_source, max_refs, seed)].tolist()
    bank = fit_bank(embed_samples(predictor, sample_set, train), src[train], dims, per_source, max_refs, seed)
    val = bank.score(embed_samples(predictor, sample_set, list(splits["val"])), k)
    threshold, residual_threshold = fit_thresholds(val, quantile)
    test_idx = list(splits.get("test", []))
    test_rate = None
    if test_idx:
        test = bank.score(embed_samples(predictor, sample_set, test_idx), k)
        test_rate = float(np.mean(is_far(test, threshold, residual_threshold)))
    path = bank.save(card.directory / BANK_FILE)
    counts = np.bincount(bank.ref_source, minlength=len(bank.sources))
    gate = SourceGate(
        k=k,
        threshold=threshold,
        residual_threshold=residual_threshold,
        val_quantile=quantile,
        dims=int(bank.components.shape[0]),
        sources={s: int(c) for s, c in zip(bank.sources, counts, strict=True)},
        file=path.name,
        sha256=sha256_file(path),
        fitted_on=f"{fitted_on}: bank from {len(train)} train images, thresholds from {len(val.distance)} val images",
        test_false_flag_rate=test_rate,
        n_test=len(test_idx),
        command=command,
    )
    card.source_gate = gate
    log.info(
        "%s: source gate threshold %.4f, %d sources, test false-flag %s (%.0f s)",
        card.name,
        threshold,
        len(bank.sources),
        "n/a" if test_rate is None else f"{test_rate:.1%}",
        time.perf_counter() - t0,
    )
    return gate


def source_gate_for_bundle(
    model_dir: Path, data_root: Path | None = None, strict: bool = True, command: str = "", **options: Any
) -> SourceGate:
    """Rebuild the bundle's split from its card, fit the source gate and rewrite card.json + the bank."""
    card = ModelCard.load(model_dir)
    facts = facts_from_card(card, data_root)
    split = rebuild_split(
        facts, card.data.fingerprint, strict=strict, hint="(pass --data-root, or --any-split)"
    )
    if list(split.sample_set.classes) != list(card.classes) and not card.heads:
        raise CardError(
            f"{facts.describe()}: classes {split.sample_set.classes} are not the card's {card.classes}"
        )
    verified = "manifest sha256 matches the card" if split.verified else "manifest NOT verified"
    gate = fit_source_gate(
        card, split.sample_set, split.manifest.splits, f"{facts.describe()}, {verified}", command=command,
        **options,
    )  # fmt: skip
    card.save(card.directory)
    log.info("wrote source_gate into %s/card.json", card.directory)
    return gate
