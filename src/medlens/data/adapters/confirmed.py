"""Clinician-confirmed cases written by ``medlens retrain dataset`` (``<class>/<sha256>.<ext>`` +
``manifest.json``, see :mod:`medlens.retrain.dataset`). Each image is its own group."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from medlens.data.adapters._common import require_dir
from medlens.data.registry import DATASETS
from medlens.data.sample import DatasetFormatError, Sample, SampleSet


@DATASETS.decorator("confirmed-cases")
def load_confirmed(root: Path, classes: Sequence[str] | None = None, name: str | None = None) -> SampleSet:
    """Index a confirmed-case dataset version folder; ``classes`` (default: the manifest's) fixes the order."""
    require_dir(root)
    path = Path(root) / "manifest.json"
    if not path.is_file():
        raise DatasetFormatError(root, "no manifest.json (not a confirmed-case dataset)")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    classes = list(classes or manifest["classes"])
    samples = []
    for f in manifest["files"]:
        if f["label"] not in classes:
            raise DatasetFormatError(path, f"label {f['label']!r} is not one of {classes}")
        file = Path(root) / f["file"]
        if not file.is_file():
            raise DatasetFormatError(file, "listed in manifest.json but missing")
        samples.append(
            Sample(source=str(file), labels={"label": classes.index(f["label"])}, group_id=f["sha256"])
        )
    return SampleSet(
        name=name or f"confirmed-{manifest['model']}-v{manifest['version']}", classes=classes, samples=samples
    )
