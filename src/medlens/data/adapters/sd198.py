"""SD-198 (Sun et al., ECCV 2016): 198 clinical skin-disease classes, 6,584 photos.

Supported layouts, checked in this order:

1. official release: ``images/<class_name>/<file>.jpg`` plus ``8_2_split/train_<k>.txt`` and
   ``val_<k>.txt`` whose lines are ``<class_name>/<file>.jpg <class_index>``. Class names come from
   those files (index -> folder name, checked consistent). The official 80/20 split becomes
   ``predefined_splits`` (train / test, empty val) when ``official_split=True``.
2. ``images/<class_name>/*.jpg`` only: classes = sorted folder names (like ``imagefolder``).
3. a CSV ``path,label`` (``labels.csv`` or ``csv=``): ``path`` relative to ``root`` and a class name.

No patient ids are published, so ``group_id`` is the image stem.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from medlens.data.adapters._common import class_index, read_csv, require_dir
from medlens.data.adapters.imagefolder import load_imagefolder
from medlens.data.registry import DATASETS
from medlens.data.sample import DatasetFormatError, Sample, SampleSet


def _read_split(path: Path, images: Path, names: dict[int, str]) -> list[tuple[Path, int]]:
    out: list[tuple[Path, int]] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.rsplit(maxsplit=1)
        if len(parts) != 2 or not parts[1].lstrip("-").isdigit():
            raise DatasetFormatError(f"{path} line {n}", f"expected '<class>/<file> <index>', got {line!r}")
        rel, idx = parts[0], int(parts[1])
        folder = Path(rel).parts[0]
        if names.setdefault(idx, folder) != folder:
            raise DatasetFormatError(
                f"{path} line {n}", f"class index {idx} used for {names[idx]!r} and {folder!r}"
            )
        if not (images / rel).is_file():
            raise DatasetFormatError(f"{path} line {n}", f"image {images / rel} not found")
        out.append((images / rel, idx))
    return out


def _official(root: Path, fold: int, official_split: bool) -> SampleSet:
    split_dir = root / "8_2_split"
    names: dict[int, str] = {}
    parts = {k: _read_split(split_dir / f"{k}_{fold}.txt", root / "images", names) for k in ("train", "val")}
    if sorted(names) != list(range(len(names))):
        raise DatasetFormatError(split_dir, "class indices are not 0..N-1")
    classes = [names[i] for i in range(len(names))]
    samples = [
        Sample(source=str(p), labels={"label": k}, group_id=p.stem) for p, k in parts["train"] + parts["val"]
    ]
    n_train = len(parts["train"])
    splits = None
    if official_split:
        splits = {"train": list(range(n_train)), "val": [], "test": list(range(n_train, len(samples)))}
    return SampleSet(name="sd198", classes=classes, samples=samples, predefined_splits=splits)


def _from_csv(root: Path, csv_path: Path, classes: Sequence[str] | None) -> SampleSet:
    _, rows = read_csv(csv_path, ("path", "label"))
    if not rows:
        raise DatasetFormatError(csv_path, "no rows")
    names = list(classes) if classes is not None else sorted({r["label"] for r in rows})
    samples: list[Sample] = []
    for line, row in enumerate(rows, start=2):
        where = f"{csv_path} line {line}"
        image = root / row["path"]
        if not image.is_file():
            raise DatasetFormatError(where, f"image {image} not found")
        samples.append(
            Sample(
                source=str(image),
                labels={"label": class_index(names, row["label"], where)},
                group_id=image.stem,
            )
        )
    return SampleSet(name="sd198", classes=names, samples=samples)


@DATASETS.decorator("sd198")
def load_sd198(
    root: Path,
    fold: int = 0,
    official_split: bool = False,
    csv: str | None = None,
    classes: Sequence[str] | None = None,
) -> SampleSet:
    """Index SD-198 at ``root`` (official release, class folders, or a ``path,label`` CSV)."""
    require_dir(root)
    if csv is not None or (root / "labels.csv").is_file():
        return _from_csv(root, root / (csv or "labels.csv"), classes)
    if (root / "8_2_split" / f"train_{fold}.txt").is_file():
        return _official(root, fold, official_split)
    if (root / "images").is_dir():
        return load_imagefolder(root / "images", classes=classes, name="sd198")
    raise DatasetFormatError(root, "not an SD-198 layout: need images/<class>/, 8_2_split/ or labels.csv")
