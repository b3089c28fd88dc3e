"""Class-per-folder layout (Kaggle melanoma 10000 ``train/{benign,malignant}``, DermNet-style).

``root/<class_name>/*.jpg``; images in nested sub-folders of a class folder count for that class.
There is no patient id, so ``group_id`` is the image stem.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from medlens.data.adapters._common import IMAGE_EXTS, require_dir
from medlens.data.registry import DATASETS
from medlens.data.sample import DatasetFormatError, Sample, SampleSet


@DATASETS.decorator("imagefolder")
def load_imagefolder(root: Path, classes: Sequence[str] | None = None, name: str | None = None) -> SampleSet:
    """Index ``root/<class>/**/<image>``. ``classes`` fixes the class order (default: sorted folder names)."""
    require_dir(root)
    folders = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if classes is None:
        classes = folders
        if not classes:
            raise DatasetFormatError(root, "no class folders found (expected root/<class>/<image>)")
    else:
        missing = [c for c in classes if c not in folders]
        if missing:
            raise DatasetFormatError(root, f"class folder(s) not found: {', '.join(missing)}")
    samples: list[Sample] = []
    for idx, cls in enumerate(classes):
        files = sorted(p for p in (root / cls).rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTS)
        if not files:
            raise DatasetFormatError(root / cls, "class folder contains no images")
        samples.extend(Sample(source=str(p), labels={"label": idx}, group_id=p.stem) for p in files)
    return SampleSet(name=name or root.name, classes=list(classes), samples=samples)
