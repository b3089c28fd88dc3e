"""Sources as data: where each sample came from, and datasets made of several sources.

Every sample has a *source*: the dataset it belongs to and, where the metadata says so, the
collection or hospital (``Meta.source``, e.g. ``"covid-chestxray/Cho Ray Hospital, ..."``). When an
adapter knows nothing finer, the source is the SampleSet's name. A model trained on one source and
tested on the same source's held-out images can still fail on another clinic's images, so reports
show in-source and cross-source metrics side by side (``medlens.evaluation.cross_source``).

``combine_sources`` joins per-source SampleSets (each split on its own, by its own rule: lesion ids,
duplicate groups, official splits) into one SampleSet whose ``predefined_splits`` keep every source's
split intact, so a combined run tests on exactly the images each source's own runs test on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np

from medlens.data.sample import DatasetFormatError, Sample, SampleSet
from medlens.data.splits import SPLIT_NAMES, SplitManifest

ORIGINAL_CLASS = "original_class"


def source_of(sample: Sample, default: str) -> str:
    """The sample's source (``Meta.source``), or ``default`` (the dataset name) when unset."""
    return sample.meta.source or default


def sources_of(sample_set: SampleSet) -> np.ndarray:
    """Source per sample of ``sample_set`` (object array of str)."""
    return np.array([source_of(s, sample_set.name) for s in sample_set.samples], dtype=object)


def source_counts(sample_set: SampleSet) -> dict[str, int]:
    """Number of samples per source, largest first."""
    return dict(Counter(sources_of(sample_set).tolist()).most_common())


def dataset_of(source: str) -> str:
    """The dataset part of a source (``"covid-chestxray/Cho Ray"`` -> ``"covid-chestxray"``)."""
    return source.split("/", 1)[0]


def with_source(sample_set: SampleSet, source: str | None = None) -> SampleSet:
    """A copy whose samples without a source get ``source`` (default: the set's name)."""
    default = source or sample_set.name
    return replace(
        sample_set,
        samples=[
            s if s.meta.source else replace(s, meta=replace(s.meta, source=default))
            for s in sample_set.samples
        ],
    )


def relabel(
    sample_set: SampleSet, mapping: Mapping[str, str | None], classes: Sequence[str], name: str | None = None
) -> tuple[SampleSet, list[int]]:
    """Map class names to new ``classes`` (``None`` drops the sample); returns (set, kept indices).

    Every class of ``sample_set`` must appear in ``mapping`` (a forgotten class is an error, not a
    silent drop). Predefined splits are not carried over: split before relabelling. The old class
    name stays in ``meta.extra["original_class"]`` (e.g. HAM10000's ``nv`` behind ``benign``).
    """
    unknown = [c for c in sample_set.classes if c not in mapping]
    if unknown:
        raise ValueError(f"relabel: no mapping for class(es) {unknown} of {sample_set.name!r}")
    bad = [v for v in mapping.values() if v is not None and v not in classes]
    if bad:
        raise ValueError(f"relabel: target class(es) {bad} not in {list(classes)}")
    kept: list[int] = []
    samples: list[Sample] = []
    for i, s in enumerate(sample_set.samples):
        new = mapping[sample_set.classes[s.label]]
        if new is None:
            continue
        kept.append(i)
        meta = replace(s.meta, extra={**s.meta.extra, ORIGINAL_CLASS: sample_set.classes[s.label]})
        samples.append(replace(s, labels={**s.labels, "label": list(classes).index(new)}, meta=meta))
    return SampleSet(name=name or sample_set.name, classes=list(classes), samples=samples), kept


def combine_sources(parts: Sequence[tuple[SampleSet, Mapping[str, Sequence[int]]]], name: str) -> SampleSet:
    """One SampleSet from per-source (set, {train, val, test: indices}) parts, splits kept as they are.

    All parts must have the same classes. Each sample keeps its source (unset ones get their part's
    name) and its group id is prefixed with the part's name so that ids never collide across sources.
    """
    if not parts:
        raise ValueError("combine_sources needs at least one part")
    classes = list(parts[0][0].classes)
    samples: list[Sample] = []
    splits: dict[str, list[int]] = {k: [] for k in SPLIT_NAMES}
    for part, part_splits in parts:
        if list(part.classes) != classes:
            raise DatasetFormatError(part.name, f"classes {part.classes} differ from {classes}")
        covered = sorted(i for k in SPLIT_NAMES for i in part_splits.get(k, []))
        if covered != list(range(len(part))):
            raise DatasetFormatError(part.name, "its splits do not cover every sample exactly once")
        offset = len(samples)
        part = with_source(part)
        samples.extend(replace(s, group_id=f"{part.name}:{s.group_id}") for s in part.samples)
        for k in SPLIT_NAMES:
            splits[k].extend(offset + i for i in part_splits.get(k, []))
    for k in SPLIT_NAMES:
        splits[k].sort()
    return SampleSet(name=name, classes=classes, samples=samples, predefined_splits=splits)


def original_classes(sample_set: SampleSet) -> np.ndarray:
    """Class name before ``relabel`` per sample (the current class name when it was not relabelled)."""
    return np.array(
        [s.meta.extra.get(ORIGINAL_CLASS, sample_set.classes[s.label]) for s in sample_set.samples],
        dtype=object,
    )


def cross_duplicates(
    a: SampleSet, b: SampleSet, hash_threshold: int = 6, min_correlation: float = 0.98
) -> list[tuple[int, int]]:
    """``(i, j)`` pairs where photo ``i`` of ``a`` is an exact or near copy of photo ``j`` of ``b``.

    Public collections re-use each other's images (the Kaggle melanoma folder holds every HAM10000
    melanoma), so a "cross-source" test can contain training images. Same rule as
    ``medlens.data.dupgroups``: sha256, or pHash <= ``hash_threshold`` bits with thumbnail r >=
    ``min_correlation``.
    """
    from medlens.data.dupgroups import duplicate_pairs

    both = SampleSet(name=f"{a.name}+{b.name}", classes=list(a.classes), samples=[*a.samples, *b.samples])
    n = len(a)
    pairs = duplicate_pairs(both, True, hash_threshold, min_correlation)
    return sorted({(i, j - n) if i < n else (j, i - n) for i, j in pairs if (i < n) != (j < n)})


def split_by_source(
    sample_set: SampleSet, manifest: SplitManifest | None = None
) -> dict[str, dict[str, list[int]]]:
    """``source -> split -> indices`` (all indices under ``"all"`` when ``manifest`` is None)."""
    src = sources_of(sample_set)
    out: dict[str, dict[str, list[int]]] = {}
    named = manifest.splits if manifest is not None else {"all": list(range(len(sample_set)))}
    for split, idx in named.items():
        for i in idx:
            out.setdefault(str(src[i]), {}).setdefault(split, []).append(int(i))
    return out
