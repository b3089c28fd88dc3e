"""The one Sample contract every dataset adapter produces.

An adapter maps a public layout to a :class:`SampleSet`: a list of :class:`Sample` plus the class
names. Images load lazily (``Sample.load_image()``) so a 10,000-image index is cheap to build.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from medlens.data.imageio import read_image_rgb


@dataclass(frozen=True)
class Meta:
    age: float | None = None
    sex: str | None = None  # "male" | "female" | None
    site: str | None = None  # body site / localization
    extra: dict[str, Any] = field(default_factory=dict)
    # where the image came from: "<dataset>" or "<dataset>/<collection or hospital>" when the metadata
    # says so (e.g. "covid-chestxray/Cho Ray Hospital, ..."); None means the SampleSet's own name
    # (``medlens.data.sources.source_of``). Not to be confused with ``Sample.source``, the file path.
    source: str | None = None


@dataclass(frozen=True)
class Sample:
    """One image with its labels.

    ``labels`` maps head name -> class index; single-label tasks use the head ``"label"``.
    ``group_id`` is the patient or lesion id used for leakage-free splits (defaults to the
    image id when the dataset has none). ``source`` is a file path or ``"<file>#<key>:<index>"``
    for array-backed datasets (MedMNIST).
    """

    source: str
    labels: dict[str, int]
    group_id: str
    meta: Meta = field(default_factory=Meta)
    loader: Callable[[], np.ndarray] | None = field(default=None, compare=False, repr=False)

    @property
    def label(self) -> int:
        return self.labels["label"]

    def load_image(self) -> np.ndarray:
        """RGB uint8 array of shape (H, W, 3)."""
        if self.loader is not None:
            return self.loader()
        return read_image_rgb(Path(self.source))


@dataclass
class SampleSet:
    name: str
    classes: list[str]  # class names of the main head ("label")
    samples: list[Sample]
    heads: dict[str, list[str]] = field(default_factory=dict)  # multi-head tasks (scalp)
    predefined_splits: dict[str, list[int]] | None = None  # e.g. MedMNIST official splits

    def __len__(self) -> int:
        return len(self.samples)

    def labels(self, head: str = "label") -> np.ndarray:
        return np.array([s.labels[head] for s in self.samples], dtype=np.int64)

    def groups(self) -> np.ndarray:
        return np.array([s.group_id for s in self.samples], dtype=object)

    def subset(self, indices: Sequence[int], name: str | None = None) -> SampleSet:
        return SampleSet(
            name=name or self.name,
            classes=list(self.classes),
            samples=[self.samples[i] for i in indices],
            heads=dict(self.heads),
        )

    def fingerprint(self, portable: bool = True) -> str:
        """sha256 over sources, labels and groups (not pixels): identifies the index.

        Sources enter relative to their common folder (:func:`portable_sources`), so the same data
        gives the same fingerprint under any root, written absolute or relative. ``portable=False`` is
        the formula of medlens before 2026-12 (paths as written), kept to verify cards stamped with it.
        """
        sources = [s.source for s in self.samples]
        if portable:
            sources = portable_sources(sources)
        h = hashlib.sha256()
        for src, s in zip(sources, self.samples, strict=True):
            h.update(json.dumps([src, sorted(s.labels.items()), s.group_id]).encode())
        return h.hexdigest()


def portable_sources(sources: Sequence[str]) -> list[str]:
    """``sources`` (file paths, or ``"<file>#<key>"``) relative to their deepest common folder, in POSIX
    form: ``/data/ham/a.jpg`` and ``../data/ham/a.jpg`` both become ``a.jpg`` beside ``ham/b.jpg``.

    Sources that share no folder (absolute mixed with relative) are returned normalised but whole.
    """
    parts = [src.partition("#") for src in sources]
    files = [PurePosixPath(Path(os.path.normpath(f)).as_posix()) for f, _, _ in parts]
    if not files:
        return []
    try:
        base = PurePosixPath(os.path.commonpath([str(f.parent) for f in files]))
    except ValueError:  # absolute and relative paths mixed
        return [f"{f}{sep}{rest}" for f, (_, sep, rest) in zip(files, parts, strict=True)]
    rel = [f.relative_to(base) if str(base) not in ("", ".") else f for f in files]
    return [f"{r}{sep}{rest}" for r, (_, sep, rest) in zip(rel, parts, strict=True)]


class DatasetFormatError(ValueError):
    """Malformed dataset input. The message names the file and the problem."""

    def __init__(self, path: Path | str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = str(path)
        self.problem = problem
