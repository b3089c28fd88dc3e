"""A folder of DICOM files (searched recursively) labelled by ``labels.csv`` (``filename,label``).

``filename`` is the path relative to the folder (or just the file name when unique). Class order:
``classes=`` or sorted label names. ``group_id``: the CSV's ``patient_id`` column when present,
else the DICOM PatientID, else the file stem. Images decode lazily with ``read_dicom_rgb``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from medlens.data.adapters._common import class_index, read_csv, require_dir
from medlens.data.dicom import DicomImage
from medlens.data.registry import DATASETS
from medlens.data.sample import DatasetFormatError, Meta, Sample, SampleSet


def _patient_id(path: Path) -> str | None:
    import pydicom
    from pydicom.errors import InvalidDicomError

    try:
        ds = pydicom.dcmread(
            path, stop_before_pixels=True, specific_tags=["PatientID", "PatientSex", "PatientAge"]
        )
    except (InvalidDicomError, OSError, EOFError, ValueError) as exc:
        raise DatasetFormatError(path, f"not a readable DICOM file ({exc})") from exc
    pid = str(ds.get("PatientID", "") or "").strip()
    return pid or None


@DATASETS.decorator("dicom-folder")
def load_dicom_folder(
    root: Path, classes: Sequence[str] | None = None, labels: str = "labels.csv", name: str | None = None
) -> SampleSet:
    """Index DICOM files under ``root`` listed in ``root/labels.csv``."""
    require_dir(root)
    csv_path = root / labels
    _, rows = read_csv(csv_path, ("filename", "label"))
    if not rows:
        raise DatasetFormatError(csv_path, "no rows")
    by_rel = {p.relative_to(root).as_posix(): p for p in root.rglob("*") if p.is_file() and p != csv_path}
    by_name: dict[str, list[Path]] = {}
    for p in by_rel.values():
        by_name.setdefault(p.name, []).append(p)
    names = list(classes) if classes is not None else sorted({r["label"] for r in rows})
    samples: list[Sample] = []
    for line, row in enumerate(rows, start=2):
        where = f"{csv_path} line {line}"
        path = by_rel.get(row["filename"])
        if path is None:
            hits = by_name.get(row["filename"], [])
            if len(hits) != 1:
                problem = "not found" if not hits else "matches several files; use the relative path"
                raise DatasetFormatError(where, f"DICOM {row['filename']!r} {problem}")
            path = hits[0]
        group = row.get("patient_id") or _patient_id(path) or path.stem
        samples.append(
            Sample(
                source=str(path),
                labels={"label": class_index(names, row["label"], where)},
                group_id=group,
                meta=Meta(),
                loader=DicomImage(path),
            )
        )
    return SampleSet(name=name or root.name, classes=names, samples=samples)
