"""Merge duplicate images into one group before splitting.

Datasets without patient ids (Kaggle melanoma 10000, SD-198) can hold the same photo twice
(re-encoded, recoloured, or a second shot of the same lesion). ``group_duplicates`` joins every
exact (sha256) and near (pHash + thumbnail correlation) duplicate pair into one group with a
union-find, so that ``make_split`` keeps them on one side.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import replace

from medlens.data.dedup import near_duplicate_pairs, phash_gray, sample_sha256, sample_thumbnail
from medlens.data.sample import SampleSet

log = logging.getLogger(__name__)


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def duplicate_pairs(
    sample_set: SampleSet, near: bool = True, hash_threshold: int = 6, min_correlation: float = 0.98
) -> list[tuple[int, int]]:
    """All (i, j) index pairs that are exact or near duplicates (within and across groups)."""
    by_hash: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(sample_set.samples):
        by_hash[sample_sha256(s)].append(i)
    pairs = {(m[0], j) for m in by_hash.values() for j in m[1:]}
    if near:
        thumbs = [sample_thumbnail(s) for s in sample_set.samples]
        found = near_duplicate_pairs(
            [phash_gray(t) for t in thumbs],
            hash_threshold,
            thumbnails=thumbs,
            min_correlation=min_correlation,
        )
        pairs |= {(i, j) for i, j, _ in found}
    return sorted(pairs)


def group_duplicates(
    sample_set: SampleSet, near: bool = True, hash_threshold: int = 6, min_correlation: float = 0.98
) -> SampleSet:
    """A copy of ``sample_set`` whose ``group_id`` also joins duplicate images (sources unchanged)."""
    groups = sample_set.groups().tolist()
    first_of_group: dict[str, int] = {}
    uf = _UnionFind(len(groups))
    for i, g in enumerate(groups):
        uf.union(first_of_group.setdefault(g, i), i)
    pairs = duplicate_pairs(sample_set, near, hash_threshold, min_correlation)
    for i, j in pairs:
        uf.union(i, j)
    merged = [groups[uf.find(i)] for i in range(len(groups))]
    n_before, n_after = len(set(groups)), len(set(merged))
    log.info(
        "group_duplicates %s: %d duplicate pairs, groups %d -> %d",
        sample_set.name,
        len(pairs),
        n_before,
        n_after,
    )
    return SampleSet(
        name=sample_set.name,
        classes=list(sample_set.classes),
        samples=[replace(s, group_id=g) for s, g in zip(sample_set.samples, merged, strict=True)],
        heads=dict(sample_set.heads),
        predefined_splits=sample_set.predefined_splits,
    )
