"""Leakage-free train/val/test splits and the manifest that records them.

``make_split`` assigns whole groups (patient / lesion ids) to splits, stratified by label, with a
seeded greedy: groups are bucketed by their majority label, shuffled with ``seed``, and each goes to
the split furthest below its target share within that label. ``random_split`` does the same per
image (ignoring groups) and exists to show the optimistic, leaky number beside the grouped one.
Official splits (``SampleSet.predefined_splits``, e.g. MedMNIST) are used as they are.

The leakage audit lives in :mod:`medlens.data.audit` and is re-exported here as ``audit_leakage``.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from medlens.data.sample import DatasetFormatError, SampleSet, portable_sources

SPLIT_NAMES = ("train", "val", "test")


@dataclass
class SplitManifest:
    """Which sample indices go to train/val/test, and how they were chosen."""

    train: list[int]
    val: list[int]
    test: list[int]
    seed: int
    fractions: tuple[float, float, float]
    method: str  # "grouped-stratified" | "random-stratified" | "predefined"
    dataset: str
    dataset_fingerprint: str
    sources: list[str] = field(default_factory=list)  # sample sources in index order
    head: str = "label"

    @property
    def splits(self) -> dict[str, list[int]]:
        return {"train": self.train, "val": self.val, "test": self.test}

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["fractions"] = list(self.fractions)
        return d

    def canonical_json(self, portable: bool = True) -> str:
        """The manifest as sorted, compact JSON; ``portable``: sources relative to their common folder."""
        d = self.to_dict()
        if portable:
            d["sources"] = portable_sources(self.sources)
        return json.dumps(d, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @property
    def fingerprint(self) -> str:
        """sha256 of the portable canonical JSON: identifies this exact split under any data root."""
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()

    @property
    def legacy_fingerprint(self) -> str:
        """The formula of medlens before 2026-12 (source paths as written); verifies older files."""
        return hashlib.sha256(self.canonical_json(portable=False).encode()).hexdigest()

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = self.to_dict() | {"fingerprint": self.fingerprint}
        path.write_text(json.dumps(payload, indent=1, ensure_ascii=False), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> SplitManifest:
        path = Path(path)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise DatasetFormatError(path, f"cannot read split manifest ({exc})") from exc
        stored = raw.pop("fingerprint", None)
        try:
            raw["fractions"] = tuple(raw["fractions"])
            manifest = cls(**raw)
        except (KeyError, TypeError) as exc:
            raise DatasetFormatError(path, f"not a split manifest ({exc})") from exc
        if stored is not None and stored not in (manifest.fingerprint, manifest.legacy_fingerprint):
            raise DatasetFormatError(path, "manifest fingerprint mismatch (file was edited)")
        return manifest

    def check(self, sample_set: SampleSet) -> None:
        """Raise DatasetFormatError unless ``sample_set`` is the dataset this manifest was made for."""
        ours = portable_sources([s.source for s in sample_set.samples])
        if self.sources and ours != portable_sources(self.sources):
            raise DatasetFormatError(
                self.dataset, "split manifest does not match this dataset (sources differ)"
            )

    def subsets(self, sample_set: SampleSet) -> dict[str, SampleSet]:
        """The train/val/test SampleSets (checks the manifest matches first)."""
        self.check(sample_set)
        return {k: sample_set.subset(v, name=f"{sample_set.name}-{k}") for k, v in self.splits.items()}


def _check_fractions(fractions: Sequence[float]) -> tuple[float, float, float]:
    if len(fractions) != 3 or any(f < 0 for f in fractions) or not np.isclose(sum(fractions), 1.0):
        raise ValueError(f"fractions must be three non-negative numbers summing to 1, got {tuple(fractions)}")
    return (float(fractions[0]), float(fractions[1]), float(fractions[2]))


def _assign_groups(
    labels: np.ndarray, groups: np.ndarray, fractions: tuple[float, float, float], rng: np.random.Generator
) -> np.ndarray:
    """Split id (0/1/2) per sample; whole groups move together, balanced per majority label."""
    members: dict[Any, list[int]] = defaultdict(list)
    for i, g in enumerate(groups):
        members[g].append(i)
    strata: dict[int, list[Any]] = defaultdict(list)
    for g, idx in members.items():
        majority = Counter(labels[idx].tolist()).most_common(1)[0][0]
        strata[int(majority)].append(g)
    target = np.asarray(fractions)
    out = np.empty(len(labels), dtype=np.int64)
    for label in sorted(strata):
        keys = strata[label]
        order = rng.permutation(len(keys))
        # Big groups first (stable within equal sizes, seeded order) so they do not overshoot at the end.
        ordered = sorted((keys[i] for i in order), key=lambda g: -len(members[g]))
        total = sum(len(members[g]) for g in ordered)
        counts = np.zeros(3)
        for g in ordered:
            size = len(members[g])
            deficit = target * total - counts
            deficit[target == 0] = -np.inf
            split = int(np.argmax(deficit))
            counts[split] += size
            out[members[g]] = split
    return out


def _manifest(
    sample_set: SampleSet,
    split_of: np.ndarray,
    seed: int,
    fractions: tuple[float, float, float],
    method: str,
    head: str,
) -> SplitManifest:
    idx = [np.flatnonzero(split_of == k).tolist() for k in range(3)]
    return SplitManifest(
        train=idx[0],
        val=idx[1],
        test=idx[2],
        seed=seed,
        fractions=fractions,
        method=method,
        dataset=sample_set.name,
        dataset_fingerprint=sample_set.fingerprint(),
        sources=[s.source for s in sample_set.samples],
        head=head,
    )


def make_split(
    sample_set: SampleSet,
    fractions: Sequence[float] = (0.7, 0.15, 0.15),
    seed: int = 0,
    head: str = "label",
    use_predefined: bool = True,
) -> SplitManifest:
    """Seeded split stratified by ``head`` and grouped by ``group_id`` (no group crosses splits).

    Uses ``sample_set.predefined_splits`` when present (and ``use_predefined``).
    """
    fr = _check_fractions(fractions)
    if use_predefined and sample_set.predefined_splits:
        split_of = np.full(len(sample_set), -1, dtype=np.int64)
        for k, name in enumerate(SPLIT_NAMES):
            split_of[sample_set.predefined_splits.get(name, [])] = k
        if (split_of < 0).any():
            raise DatasetFormatError(sample_set.name, "predefined splits do not cover every sample")
        n = len(sample_set)
        actual = tuple(float((split_of == k).sum() / n) for k in range(3))
        return _manifest(sample_set, split_of, seed, actual, "predefined", head)  # type: ignore[arg-type]
    rng = np.random.default_rng(seed)
    split_of = _assign_groups(sample_set.labels(head), sample_set.groups(), fr, rng)
    return _manifest(sample_set, split_of, seed, fr, "grouped-stratified", head)


def random_split(
    sample_set: SampleSet, fractions: Sequence[float] = (0.7, 0.15, 0.15), seed: int = 0, head: str = "label"
) -> SplitManifest:
    """Stratified per-image split that IGNORES groups: leaky when a patient/lesion has several images."""
    fr = _check_fractions(fractions)
    rng = np.random.default_rng(seed)
    singletons = np.arange(len(sample_set))
    split_of = _assign_groups(sample_set.labels(head), singletons, fr, rng)
    return _manifest(sample_set, split_of, seed, fr, "random-stratified", head)


def __getattr__(name: str) -> Any:  # lazy re-export so splits stays import-light
    if name in {"audit_leakage", "LeakageReport"}:
        from medlens.data import audit

        return getattr(audit, name)
    raise AttributeError(name)
