"""Melanoma (benign / malignant) from several dermoscopy sources, each split by its own rule.

``root`` is the shared data folder holding ``melanoma_10000/train/{benign,malignant}`` (Kaggle
melanoma 10000) and ``ham10000_lowres`` (HAM10000). Sources:

* ``melanoma_10000``: the Kaggle folder, split exactly as ``--split grouped-dedup`` splits it alone
  (seed, 70/15/15, exact and near duplicate photos joined first), so its test part is the test split
  of the Kaggle-only melanoma runs, **minus its copies of HAM10000 photos**: the Kaggle ``malignant``
  folder holds all 1,113 HAM10000 melanomas (re-encoded at 300x300; found by
  ``medlens.data.sources.cross_duplicates``) and none of its benign photos come from HAM10000, so a
  Kaggle model tested on HAM10000 melanomas would be tested on its own training images, and a combined
  split would put copies of one photo on both sides. Those 1,113 photos are HAM10000's and are kept
  only there (under HAM10000's lesion-grouped split). 8,492 Kaggle photos remain.
* ``ham10000``: HAM10000 split by ``lesion_id`` stratified on its seven classes (the skin-lesion
  runs' split, same seed), then mapped to the melanoma task: ``mel`` -> malignant; ``nv``, ``bkl``,
  ``df``, ``vasc`` -> benign; ``bcc`` and ``akiec`` (non-melanoma cancers / precancers, neither benign
  nor melanoma) are left out. So no HAM10000 test lesion of either task is ever trained on.

Registered adapters: ``melanoma-sources`` (both), ``melanoma-ham10000`` (HAM10000 only) and
``melanoma-kaggle`` (Kaggle only, same split as ``imagefolder --split grouped-dedup``). Each one's
splits are ``predefined_splits``: train with ``--split grouped``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from medlens.data.adapters._common import require_dir
from medlens.data.adapters.ham10000 import load_ham10000
from medlens.data.adapters.imagefolder import load_imagefolder
from medlens.data.dupgroups import group_duplicates
from medlens.data.registry import DATASETS
from medlens.data.sample import SampleSet
from medlens.data.sources import combine_sources, cross_duplicates, relabel
from medlens.data.splits import SPLIT_NAMES, make_split

CLASSES = ("benign", "malignant")
HAM_TO_MELANOMA: dict[str, str | None] = {
    "mel": "malignant",
    "nv": "benign",
    "bkl": "benign",
    "df": "benign",
    "vasc": "benign",
    "bcc": None,
    "akiec": None,
}
KAGGLE_DIR = "melanoma_10000/train"
HAM_DIR = "ham10000_lowres"
FRACTIONS = (0.7, 0.15, 0.15)

Part = tuple[SampleSet, dict[str, list[int]]]


@functools.lru_cache(maxsize=4)
def _kaggle_splits(root: str, seed: int) -> tuple[tuple[int, ...], ...]:
    # joining duplicates hashes every photo (~30 s for 9,605): once per process and root
    sample_set = load_imagefolder(Path(root), classes=list(CLASSES), name="melanoma_10000")
    manifest = make_split(group_duplicates(sample_set), FRACTIONS, seed=seed)
    return tuple(tuple(manifest.splits[k]) for k in SPLIT_NAMES)


@functools.lru_cache(maxsize=4)
def _kaggle_copies_of_ham(kaggle_dir: str, ham_dir: str) -> frozenset[int]:
    kaggle = load_imagefolder(Path(kaggle_dir), classes=list(CLASSES), name="melanoma_10000")
    ham = load_ham10000(Path(ham_dir), name="ham10000")
    return frozenset(i for i, _ in cross_duplicates(kaggle, ham))


def ham_copy_splits(root: Path, seed: int = 0) -> dict[str, str]:
    """HAM10000 photo path -> the split ("train"/"val"/"test") its Kaggle copy has in the whole Kaggle
    folder's grouped-dedup split (the split of every Kaggle-folder model before issue 12).

    A model trained on the whole Kaggle folder saw the HAM10000 melanomas whose copies are in its
    train split; those with copies in its test split are unseen, so they (with HAM10000's benign
    photos, none of which the Kaggle folder holds) give a clean cross-source test of such a model.
    """
    folder = require_dir(root / KAGGLE_DIR)
    kaggle = load_imagefolder(folder, classes=list(CLASSES), name="melanoma_10000")
    ham = load_ham10000(require_dir(root / HAM_DIR), name="ham10000")
    split_of = {
        i: k for k, idx in zip(SPLIT_NAMES, _kaggle_splits(str(folder), seed), strict=True) for i in idx
    }
    return {ham.samples[j].source: split_of[i] for i, j in cross_duplicates(kaggle, ham)}


def unseen_ham_photos(root: Path, seed: int = 0) -> tuple[SampleSet, list[int], int]:
    """HAM10000 photos a model trained on the whole Kaggle folder never saw (``melanoma-ham10000`` set,
    indices, number of melanomas): first the melanomas whose Kaggle copies sit in the Kaggle test split
    (:func:`ham_copy_splits`), then the benign photos of HAM10000's test lesions. Their ``meta`` keeps
    HAM10000's age, sex and body site."""
    from medlens.data.sources import original_classes

    copy_split = ham_copy_splits(root, seed)
    ham = load_melanoma_ham10000(root, seed)
    orig = original_classes(ham)
    test = set((ham.predefined_splits or {}).get("test", []))
    mel = [i for i, s in enumerate(ham.samples) if copy_split.get(s.source) == "test"]
    benign = sorted(i for i in test if orig[i] != "mel")
    return ham, mel + benign, len(mel)


def kaggle_part(root: Path, seed: int = 0) -> Part:
    """Kaggle melanoma 10000 (train part) with its grouped-dedup split, without its HAM10000 copies."""
    folder = require_dir(root / KAGGLE_DIR)
    sample_set = load_imagefolder(folder, classes=list(CLASSES), name="melanoma_10000")
    splits = _kaggle_splits(str(folder), seed)
    copies = _kaggle_copies_of_ham(str(folder), str(require_dir(root / HAM_DIR)))
    keep = [i for i in range(len(sample_set)) if i not in copies]
    new_index = {old: new for new, old in enumerate(keep)}
    own = sample_set.subset(keep)
    return own, {
        k: [new_index[i] for i in v if i in new_index] for k, v in zip(SPLIT_NAMES, splits, strict=True)
    }


def ham_part(root: Path, seed: int = 0) -> Part:
    """HAM10000 split by lesion_id on its seven classes, then mapped to benign / malignant."""
    ham = load_ham10000(require_dir(root / HAM_DIR), name="ham10000")
    manifest = make_split(ham, FRACTIONS, seed=seed)
    binary, kept = relabel(ham, HAM_TO_MELANOMA, CLASSES, name="ham10000")
    new_index = {old: new for new, old in enumerate(kept)}
    splits = {k: [new_index[i] for i in manifest.splits[k] if i in new_index] for k in SPLIT_NAMES}
    return binary, splits


PARTS: dict[str, Callable[[Path, int], Part]] = {"melanoma_10000": kaggle_part, "ham10000": ham_part}


def load_sources(
    root: Path, sources: Sequence[str], seed: int = 0, name: str = "melanoma-sources"
) -> SampleSet:
    """The named sources of ``root`` combined, each split by its own rule (``predefined_splits``)."""
    unknown = [s for s in sources if s not in PARTS]
    if unknown or not sources:
        raise ValueError(f"unknown melanoma source(s) {unknown or list(sources)}; valid: {', '.join(PARTS)}")
    return combine_sources([PARTS[s](Path(root), seed) for s in sources], name=name)


def part_splits(sample_set: SampleSet) -> Mapping[str, list[int]]:
    """The predefined splits of a set made by this module (empty mapping when it has none)."""
    return sample_set.predefined_splits or {}


@DATASETS.decorator("melanoma-sources")
def load_melanoma_sources(root: Path, seed: int = 0) -> SampleSet:
    """Kaggle melanoma 10000 + HAM10000 (mel vs benign), each split by its own rule."""
    return load_sources(root, ("melanoma_10000", "ham10000"), seed, name="melanoma-sources")


@DATASETS.decorator("melanoma-ham10000")
def load_melanoma_ham10000(root: Path, seed: int = 0) -> SampleSet:
    """HAM10000 only, mel vs benign, lesion-grouped split (the cross-source test set of Kaggle models)."""
    return load_sources(root, ("ham10000",), seed, name="melanoma-ham10000")


@DATASETS.decorator("melanoma-kaggle")
def load_melanoma_kaggle(root: Path, seed: int = 0) -> SampleSet:
    """Kaggle melanoma 10000 only, grouped-dedup split (as ``imagefolder --split grouped-dedup``) without
    its copies of HAM10000 photos: a Kaggle model that HAM10000 is a true cross-source test for."""
    return load_sources(root, ("melanoma_10000",), seed, name="melanoma-kaggle")
