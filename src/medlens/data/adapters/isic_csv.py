"""ISIC challenge ground-truth CSVs, two layouts detected by header.

* one-hot (ISIC 2019 / 2018): ``image`` + class columns ``MEL,NV,BCC,AK,BKL,DF,VASC,SCC[,UNK]``
  with 1.0 in the true class; classes = the class columns present (UNK dropped when never used).
* ISIC 2020: ``image_name,patient_id,sex,age_approx,anatom_site_general_challenge,diagnosis,
  benign_malignant,target``; classes benign/malignant from ``target``; group = ``patient_id``.

Images are looked up in ``root/<images>`` (default: the folder holding the CSV, or ``images/``,
``train/``, ``ISIC_2019_Training_Input/`` when present), as ``<image>.jpg``.
"""

from __future__ import annotations

from pathlib import Path

from medlens.data.adapters._common import (
    index_images_recursive,
    parse_float,
    parse_sex,
    read_csv,
    require_dir,
)
from medlens.data.registry import DATASETS
from medlens.data.sample import DatasetFormatError, Meta, Sample, SampleSet

ONE_HOT_CLASSES = ["MEL", "NV", "BCC", "AK", "BKL", "DF", "VASC", "SCC", "UNK"]
ISIC2020_COLUMNS = ("image_name", "patient_id", "target")
IMAGE_DIRS = ("images", "train", "jpeg/train", "ISIC_2019_Training_Input", "ISIC2018_Task3_Training_Input")


def _find_csv(root: Path, csv_name: str | None) -> Path:
    if root.is_file():
        return root
    require_dir(root)
    if csv_name:
        return root / csv_name
    found = sorted(p for p in root.glob("*.csv") if "metadata" not in p.name.lower())
    if len(found) != 1:
        names = ", ".join(p.name for p in found) or "none"
        raise DatasetFormatError(root, f"expected one ground-truth CSV (found {names}); pass csv=")
    return found[0]


def _image_index(csv_path: Path, images: str | None) -> dict[str, Path]:
    base = csv_path.parent
    if images:
        return index_images_recursive(base / images)
    for sub in IMAGE_DIRS:
        if (base / sub).is_dir():
            return index_images_recursive(base / sub)
    return index_images_recursive(base)


def _one_hot(
    csv_path: Path, header: list[str], rows: list[dict[str, str]], files: dict[str, Path]
) -> SampleSet:
    cols = [c for c in ONE_HOT_CLASSES if c in header]
    samples: list[tuple[str, int, Path]] = []
    for line, row in enumerate(rows, start=2):
        where = f"{csv_path} line {line}"
        values = [parse_float(row.get(c)) for c in cols]
        if any(v is None for v in values) or sorted(values) != [0.0] * (len(cols) - 1) + [1.0]:  # type: ignore[type-var]
            raise DatasetFormatError(where, f"expected exactly one 1.0 among {', '.join(cols)}")
        image = files.get(row["image"])
        if image is None:
            raise DatasetFormatError(where, f"image {row['image']!r} not found")
        samples.append((row["image"], values.index(1.0), image))
    used = sorted({k for _, k, _ in samples})
    if "UNK" in cols and cols.index("UNK") not in used:
        cols = cols[: cols.index("UNK")]
    return SampleSet(
        name=csv_path.stem,
        classes=cols,
        samples=[Sample(source=str(p), labels={"label": k}, group_id=name) for name, k, p in samples],
    )


def _isic2020(csv_path: Path, rows: list[dict[str, str]], files: dict[str, Path]) -> SampleSet:
    samples: list[Sample] = []
    for line, row in enumerate(rows, start=2):
        where = f"{csv_path} line {line}"
        if row["target"] not in {"0", "1"}:
            raise DatasetFormatError(where, f"target must be 0 or 1, got {row['target']!r}")
        image = files.get(row["image_name"])
        if image is None:
            raise DatasetFormatError(where, f"image {row['image_name']!r} not found")
        meta = Meta(
            age=parse_float(row.get("age_approx")),
            sex=parse_sex(row.get("sex")),
            site=row.get("anatom_site_general_challenge") or None,
            extra={"diagnosis": row.get("diagnosis", "")},
        )
        samples.append(
            Sample(
                source=str(image),
                labels={"label": int(row["target"])},
                group_id=row["patient_id"] or row["image_name"],
                meta=meta,
            )
        )
    return SampleSet(name=csv_path.stem, classes=["benign", "malignant"], samples=samples)


@DATASETS.decorator("isic-csv")
def load_isic_csv(root: Path, csv: str | None = None, images: str | None = None) -> SampleSet:
    """Index an ISIC ground-truth CSV (``root`` = the CSV or its folder)."""
    csv_path = _find_csv(root, csv)
    header, rows = read_csv(csv_path)
    if not rows:
        raise DatasetFormatError(csv_path, "no rows")
    if all(c in header for c in ISIC2020_COLUMNS):
        return _isic2020(csv_path, rows, _image_index(csv_path, images))
    if "image" in header and sum(c in header for c in ONE_HOT_CLASSES) >= 2:
        return _one_hot(csv_path, header, rows, _image_index(csv_path, images))
    raise DatasetFormatError(
        csv_path,
        "unrecognised ISIC CSV header: need 'image' + one-hot class columns (MEL,NV,...) "
        "or image_name,patient_id,target (ISIC 2020)",
    )
