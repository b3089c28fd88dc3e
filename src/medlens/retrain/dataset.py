"""Versioned datasets of clinician-confirmed cases (``<root>/<model>/v<N>/<class>/<sha256>.<ext>`` +
``manifest.json``).

A clinician's verdict confirms a label: *agree* keeps the model's label, *correct to* names another
class, *cannot assess* confirms nothing (left out). Each write is a new version folder, written in a
temporary folder and renamed when complete, so a half-written version is never seen; a write whose
files and labels equal the latest version's returns that version instead of a copy.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
CANNOT_ASSESS = "cannot_assess"


class DatasetError(ValueError):
    """A confirmed-case dataset cannot be written or read (its message says why)."""


@dataclass(frozen=True)
class ConfirmedCase:
    """One case with a clinician's verdict: its image (by sha256 and suffix) and the confirmed label."""

    case_id: int
    image_sha256: str
    suffix: str  # ".jpg" | ".png"
    label: str


def confirmed_label(predicted: str, feedback: str | None, classes: Sequence[str]) -> str | None:
    """The label a verdict confirms: the stored feedback label when it is a class of the task (agree
    stores the model's own label, a correction another class); None for *cannot assess*, no verdict, or
    a label the task does not have."""
    if not feedback or feedback == CANNOT_ASSESS:
        return None
    return feedback if feedback in classes else None


@dataclass(frozen=True)
class DatasetVersion:
    model: str
    version: int
    path: Path
    manifest: dict[str, Any]

    @property
    def n_images(self) -> int:
        return len(self.manifest["files"])

    @property
    def sha256(self) -> str:
        return str(self.manifest["sha256"])


def _versions(model_dir: Path) -> list[int]:
    if not model_dir.is_dir():
        return []
    out = []
    for p in model_dir.iterdir():
        if p.is_dir() and p.name.startswith("v") and p.name[1:].isdigit() and (p / MANIFEST).is_file():
            out.append(int(p.name[1:]))
    return sorted(out)


def load_version(root: Path, model: str, version: int | None = None) -> DatasetVersion:
    """A written version (the latest when ``version`` is None); DatasetError when there is none."""
    model_dir = Path(root) / model
    versions = _versions(model_dir)
    if not versions:
        raise DatasetError(f"no confirmed-case dataset for model {model!r} under {root}")
    v = versions[-1] if version is None else version
    if v not in versions:
        raise DatasetError(f"model {model!r} has no dataset version {v} (versions: {versions})")
    path = model_dir / f"v{v}"
    return DatasetVersion(model, v, path, json.loads((path / MANIFEST).read_text(encoding="utf-8")))


def _content_sha(files: list[dict[str, Any]]) -> str:
    h = hashlib.sha256()
    for f in files:
        h.update(json.dumps([f["file"], f["sha256"], f["label"]]).encode())
    return h.hexdigest()


def write_dataset(
    root: Path,
    model: str,
    task: str,
    classes: Sequence[str],
    cases: Sequence[ConfirmedCase],
    read_image: Callable[[str], bytes],
    now: datetime | None = None,
) -> DatasetVersion:
    """Write ``cases`` as the next version of ``model``'s dataset; returns it (or the latest version when
    nothing changed). One file per (image, label); the manifest lists each file's sha256, label and
    case ids. DatasetError when no case confirms a label."""
    by_file: dict[str, dict[str, Any]] = {}
    for c in cases:
        if c.label not in classes:
            raise DatasetError(
                f"case {c.case_id}: label {c.label!r} is not a class of {task} ({list(classes)})"
            )
        name = f"{c.label}/{c.image_sha256}{c.suffix}"
        entry = by_file.setdefault(
            name, {"file": name, "sha256": c.image_sha256, "label": c.label, "case_ids": []}
        )
        entry["case_ids"].append(c.case_id)
    if not by_file:
        raise DatasetError(f"no clinician-confirmed cases for model {model!r} (task {task}) yet")
    files = sorted(by_file.values(), key=lambda f: f["file"])
    content = _content_sha(files)
    model_dir = Path(root) / model
    versions = _versions(model_dir)
    if versions:
        latest = load_version(root, model)
        if latest.sha256 == content:
            log.info("dataset of %s unchanged: reusing v%d", model, latest.version)
            return latest
    version = (versions[-1] if versions else 0) + 1
    counts = {c: sum(1 for f in files if f["label"] == c) for c in classes}
    manifest = {
        "model": model,
        "task": task,
        "version": version,
        "created_at": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "classes": list(classes),
        "counts": counts,
        "n_cases": sum(len(f["case_ids"]) for f in files),
        "sha256": content,
        "source": "clinician verdicts (agree -> model label, correct -> corrected class; cannot assess left out)",
        "files": files,
    }
    model_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=model_dir, prefix=".v-"))
    try:
        for f in files:
            data = read_image(f["sha256"])
            if hashlib.sha256(data).hexdigest() != f["sha256"]:
                raise DatasetError(f"stored image {f['sha256'][:12]}… does not match its sha256")
            (tmp / f["label"]).mkdir(exist_ok=True)
            (tmp / f["file"]).write_bytes(data)
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        os.replace(tmp, model_dir / f"v{version}")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("wrote dataset %s v%d: %d images", model, version, len(files))
    return DatasetVersion(model, version, model_dir / f"v{version}", manifest)
