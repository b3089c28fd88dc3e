"""Rebuild a model's train/val/test split from the facts its card records (no run folder needed).

Training writes ``split.json`` into its run folder, but a bundle travels without it. The card keeps
what is needed to make the split again: the training command (``--dataset``, ``--data-root``,
``--split``, ``--seed``, ``--fractions``) and the split manifest's sha256. :func:`rebuild_split`
makes the split again and checks the sha256, so evaluations on a bundle (robustness, conformal
calibration) use exactly the images the model was calibrated and tested on.

One place for the split recipe (:func:`make_manifest`), used by training too.
"""

from __future__ import annotations

import logging
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from medlens.data.sample import SampleSet
from medlens.data.splits import SplitManifest, make_split, random_split

if TYPE_CHECKING:
    from medlens.card import BaseCard

log = logging.getLogger(__name__)

SPLITS = ("grouped", "grouped-dedup", "random")


def make_manifest(
    sample_set: SampleSet, split: str, fractions: Sequence[float] = (0.7, 0.15, 0.15), seed: int = 0
) -> SplitManifest:
    """The split a training run with ``--split split --fractions … --seed seed`` makes."""
    return _split(sample_set, split, fractions, seed)[0]


def _split(
    sample_set: SampleSet, split: str, fractions: Sequence[float], seed: int
) -> tuple[SplitManifest, SampleSet]:
    """The manifest and the set it was made from (``grouped-dedup``: groups joined across duplicates)."""
    if split == "grouped":
        return make_split(sample_set, fractions, seed=seed), sample_set
    if split == "grouped-dedup":
        # datasets without patient ids hold copies of the same photo: merge exact and near
        # duplicates into one group first so that no copy straddles train and test
        from medlens.data.dupgroups import group_duplicates

        joined = group_duplicates(sample_set)
        return make_split(joined, fractions, seed=seed), joined
    if split == "random":
        return random_split(sample_set, fractions, seed=seed), sample_set
    raise ValueError(f"unknown split {split!r}; valid: {', '.join(SPLITS)}")


def resolve_data_root(root: str | Path) -> Path:
    """A data root as written in a command (relative to the working directory), or found under the
    shared data folder when the command ran elsewhere."""
    p = Path(root)
    if p.exists():
        return p
    from medlens.config import default_data_root

    shared = default_data_root()
    for cand in (shared / p.name, shared.parent / p):
        if cand.exists():
            return cand
    return p


@dataclass(frozen=True)
class SplitFacts:
    """How a model's split was made: adapter, root, method, seed, fractions (+ the label adapter)."""

    dataset: str
    data_root: Path
    split: str = "grouped"
    seed: int = 0
    fractions: tuple[float, float, float] = (0.7, 0.15, 0.15)
    label_dataset: str | None = None  # adapter whose labels the model predicts, when not ``dataset``

    def describe(self) -> str:
        fr = "/".join(f"{f:g}" for f in self.fractions)
        labels = f", labels from {self.label_dataset}" if self.label_dataset else ""
        return f"{self.dataset} at {self.data_root} ({self.split} split {fr}, seed {self.seed}{labels})"


def _option(argv: list[str], name: str, n: int = 1) -> list[str] | None:
    """Values of the last ``--name v`` (or ``--name=v``) in ``argv``."""
    found = None
    for i, a in enumerate(argv):
        if a == name and i + n < len(argv):
            found = argv[i + 1 : i + 1 + n]
        elif a.startswith(name + "="):
            found = [a.split("=", 1)[1]]
    return found


def facts_from_card(card: BaseCard, data_root: Path | None = None) -> SplitFacts:
    """Split facts parsed from the card's training command (and its data description).

    Raises ``ValueError`` when the command does not name a dataset and data root.
    """
    from medlens.data.registry import list_datasets

    argv = shlex.split(card.training_command.split("&&")[0]) if card.training_command else []
    dataset, root = _option(argv, "--dataset"), _option(argv, "--data-root")
    if not dataset or not (root or data_root):
        raise ValueError(
            f"{card.name}: the card's training command does not name --dataset and --data-root; "
            "cannot rebuild its split"
        )
    fractions = _option(argv, "--fractions", 3)
    label_dataset = None
    m = re.search(r"\(([\w.-]+)", card.data.dataset)
    if m and m.group(1) != dataset[0] and m.group(1) in list_datasets():
        label_dataset = m.group(1)
    return SplitFacts(
        dataset=dataset[0],
        data_root=resolve_data_root(data_root or root[0]),  # type: ignore[index]
        split=(_option(argv, "--split") or ["grouped"])[0],
        seed=int((_option(argv, "--split-seed") or _option(argv, "--seed") or ["0"])[0]),
        fractions=tuple(float(f) for f in fractions) if fractions else (0.7, 0.15, 0.15),  # type: ignore[arg-type]
        label_dataset=label_dataset,
    )


def _legacy_fingerprint(sample_set: SampleSet, manifest: SplitManifest) -> str:
    """The manifest sha256 cards exported before 2026-12 carry (paths as written, not portable)."""
    return replace(manifest, dataset_fingerprint=sample_set.fingerprint(portable=False)).legacy_fingerprint


@dataclass
class RebuiltSplit:
    sample_set: SampleSet  # with the labels the model predicts
    manifest: SplitManifest
    verified: bool  # manifest sha256 equals the card's
    legacy: bool = False  # verified by the pre-2026-12 formula (paths as written): re-stamp the card

    def images_and_labels(self, split: str) -> tuple[list, list[int]]:
        """Decoded RGB images and class indices of one split (``train`` | ``val`` | ``test``)."""
        idx = self.manifest.splits[split]
        return (
            [self.sample_set.samples[i].load_image() for i in idx],
            [int(self.sample_set.samples[i].label) for i in idx],
        )


def rebuild_split(
    facts: SplitFacts, expect_fingerprint: str = "", strict: bool = True, hint: str = ""
) -> RebuiltSplit:
    """Make the split again and check it against ``expect_fingerprint`` (the card's manifest sha256).

    ``strict``: a mismatch raises ``ValueError`` (its message ending in ``hint``, e.g. which options to
    pass); otherwise it is logged and ``verified`` is False.
    Raises ``OSError``/``DatasetFormatError`` when the data is absent or unreadable.
    """
    from medlens.data.registry import create_dataset

    sample_set = create_dataset(facts.dataset, facts.data_root)
    manifest, split_set = _split(sample_set, facts.split, facts.fractions, facts.seed)
    current = bool(expect_fingerprint) and expect_fingerprint == manifest.fingerprint
    legacy = bool(expect_fingerprint) and not current
    legacy = legacy and expect_fingerprint == _legacy_fingerprint(split_set, manifest)
    verified = current or legacy
    if expect_fingerprint and not verified:
        msg = (
            f"the rebuilt {facts.split} split (seed {facts.seed}) has manifest sha256 "
            f"{manifest.fingerprint[:12]}…, the card's is {expect_fingerprint[:12]}…: not the model's split"
        )
        if strict:
            raise ValueError(f"{msg} {hint}".rstrip())
        log.warning(msg)
    if facts.label_dataset:
        labelled = create_dataset(facts.label_dataset, facts.data_root)
        if [s.source for s in labelled.samples] != [s.source for s in sample_set.samples]:
            raise ValueError(f"{facts.label_dataset} and {facts.dataset} list different images")
        sample_set = labelled
    return RebuiltSplit(sample_set, manifest, verified, legacy)
