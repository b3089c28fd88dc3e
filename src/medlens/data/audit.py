"""Leakage audit of a split: shared groups, exact duplicates and near duplicates across splits."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from medlens.data.dedup import near_duplicate_pairs, phash_gray, sample_sha256, sample_thumbnail
from medlens.data.sample import SampleSet
from medlens.data.splits import SPLIT_NAMES, SplitManifest

log = logging.getLogger(__name__)


@dataclass
class LeakageReport:
    dataset: str
    method: str
    split_sizes: dict[str, int]
    group_overlap: list[dict[str, Any]] = field(default_factory=list)  # {group, splits, n_images}
    exact_duplicates: list[dict[str, Any]] = field(
        default_factory=list
    )  # {a, b, split_a, split_b, source_a, ...}
    near_duplicates: list[dict[str, Any]] = field(default_factory=list)  # ... + distance
    near_checked: bool = True
    hash_threshold: int = 6
    min_correlation: float = 0.98
    n_groups: int = 0

    @property
    def ok(self) -> bool:
        return not (self.group_overlap or self.exact_duplicates or self.near_duplicates)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"ok": self.ok}

    def to_markdown(self, max_rows: int = 10) -> str:
        sizes = ", ".join(f"{k} {v}" for k, v in self.split_sizes.items())
        near = str(len(self.near_duplicates)) if self.near_checked else "not checked"
        lines = [
            f"### Leakage audit: {self.dataset} ({self.method})",
            "",
            f"- split sizes: {sizes}; groups: {self.n_groups}",
            f"- groups in more than one split: **{len(self.group_overlap)}**",
            f"- exact duplicate pairs across splits (sha256): **{len(self.exact_duplicates)}**",
            f"- near-duplicate pairs across splits (pHash <= {self.hash_threshold} bits, "
            f"thumbnail r >= {self.min_correlation}): **{near}**",
            f"- verdict: {'no leakage found' if self.ok else 'LEAKAGE'}",
        ]
        for title, rows in (
            ("Exact duplicates", self.exact_duplicates),
            ("Near duplicates", self.near_duplicates),
        ):
            if rows:
                lines += ["", f"{title} (first {min(max_rows, len(rows))}):", ""]
                lines += [
                    f"- {r['split_a']}:{r['source_a']} ~ {r['split_b']}:{r['source_b']}"
                    for r in rows[:max_rows]
                ]
        return "\n".join(lines) + "\n"


def _pair(sample_set: SampleSet, split_of: np.ndarray, i: int, j: int) -> dict[str, Any]:
    return {
        "a": i,
        "b": j,
        "split_a": SPLIT_NAMES[split_of[i]],
        "split_b": SPLIT_NAMES[split_of[j]],
        "source_a": sample_set.samples[i].source,
        "source_b": sample_set.samples[j].source,
    }


def audit_leakage(
    sample_set: SampleSet,
    manifest: SplitManifest,
    near_duplicates: bool = True,
    hash_threshold: int = 6,
    min_correlation: float = 0.98,
) -> LeakageReport:
    """Check a split for group overlap, exact duplicates and (optionally) near duplicates across splits."""
    manifest.check(sample_set)
    split_of = np.full(len(sample_set), -1, dtype=np.int64)
    for k, name in enumerate(SPLIT_NAMES):
        split_of[manifest.splits[name]] = k
    used: list[int] = np.flatnonzero(split_of >= 0).tolist()
    groups = sample_set.groups()
    report = LeakageReport(
        dataset=sample_set.name,
        method=manifest.method,
        split_sizes={k: len(v) for k, v in manifest.splits.items()},
        near_checked=near_duplicates,
        hash_threshold=hash_threshold,
        min_correlation=min_correlation,
        n_groups=len(set(groups[used].tolist())),
    )

    splits_of_group: dict[str, set[int]] = defaultdict(set)
    count: dict[str, int] = defaultdict(int)
    for i in used:
        splits_of_group[groups[i]].add(int(split_of[i]))
        count[groups[i]] += 1
    report.group_overlap = [
        {"group": g, "splits": [SPLIT_NAMES[k] for k in sorted(s)], "n_images": count[g]}
        for g, s in sorted(splits_of_group.items())
        if len(s) > 1
    ]

    by_hash: dict[str, list[int]] = defaultdict(list)
    for i in used:
        by_hash[sample_sha256(sample_set.samples[i])].append(i)
    for members in by_hash.values():
        for x, i in enumerate(members):
            report.exact_duplicates += [
                _pair(sample_set, split_of, i, j) for j in members[x + 1 :] if split_of[i] != split_of[j]
            ]

    if near_duplicates:
        thumbs = [sample_thumbnail(sample_set.samples[i]) for i in used]
        hashes = [phash_gray(t) for t in thumbs]
        pairs = near_duplicate_pairs(
            hashes,
            hash_threshold,
            keep=lambda a, b: split_of[used[a]] != split_of[used[b]],
            thumbnails=thumbs,
            min_correlation=min_correlation,
        )
        exact = {(d["a"], d["b"]) for d in report.exact_duplicates}
        for a, b, dist in pairs:
            i, j = used[a], used[b]
            if (i, j) not in exact:
                report.near_duplicates.append(_pair(sample_set, split_of, i, j) | {"distance": dist})
    log.info(
        "audit %s: %d group overlaps, %d exact, %d near duplicates across splits",
        sample_set.name,
        len(report.group_overlap),
        len(report.exact_duplicates),
        len(report.near_duplicates),
    )
    return report
