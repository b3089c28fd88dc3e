"""HAM10000 (ISIC 2018 task 3): ``HAM10000_metadata.csv`` + ``images/ISIC_*.jpg``.

``group_id`` is ``lesion_id`` (many lesions have several photos); meta holds age, sex and
localization; ``dx_type`` goes to ``meta.extra``.
"""

from __future__ import annotations

from pathlib import Path

from medlens.data.adapters._common import (
    class_index,
    index_images,
    parse_float,
    parse_sex,
    read_csv,
    require_dir,
)
from medlens.data.registry import DATASETS
from medlens.data.sample import DatasetFormatError, Meta, Sample, SampleSet

HAM_CLASSES = ["akiec", "bcc", "bkl", "df", "mel", "nv", "vasc"]
REQUIRED = ("lesion_id", "image_id", "dx")


@DATASETS.decorator("ham10000")
def load_ham10000(
    root: Path, metadata: str = "HAM10000_metadata.csv", images: str = "images", name: str = "ham10000"
) -> SampleSet:
    """Index HAM10000 at ``root`` (metadata CSV and images folder names can be overridden)."""
    require_dir(root)
    csv_path = root / metadata
    _, rows = read_csv(csv_path, REQUIRED)
    if not rows:
        raise DatasetFormatError(csv_path, "no rows")
    files = index_images(root / images)
    samples: list[Sample] = []
    for line, row in enumerate(rows, start=2):
        where = f"{csv_path} line {line}"
        image = files.get(row["image_id"])
        if image is None:
            raise DatasetFormatError(where, f"image {row['image_id']!r} not found in {root / images}")
        if not row["lesion_id"]:
            raise DatasetFormatError(where, "empty lesion_id")
        meta = Meta(
            age=parse_float(row.get("age")),
            sex=parse_sex(row.get("sex")),
            site=(row.get("localization") or None) if row.get("localization") != "unknown" else None,
            extra={"dx_type": row.get("dx_type", ""), "image_id": row["image_id"]},
        )
        samples.append(
            Sample(
                source=str(image),
                labels={"label": class_index(HAM_CLASSES, row["dx"], where)},
                group_id=row["lesion_id"],
                meta=meta,
            )
        )
    return SampleSet(name=name, classes=list(HAM_CLASSES), samples=samples)
