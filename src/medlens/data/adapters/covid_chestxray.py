"""ieee8023 covid-chestxray-dataset: ``metadata.csv`` + ``images/<filename>``.

``finding`` strings are hierarchical ("Pneumonia/Viral/COVID-19", "Pneumonia/Bacterial/...",
"No Finding"); they map to the ``chest-xray-covid`` classes normal / pneumonia / covid19. Other
findings (Tuberculosis, Unknown, Todo, ...) are left out, as are non-X-ray rows (CT volumes) and
views other than PA / AP / AP Supine. ``group_id`` is ``patientid`` (a patient has several films).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from medlens.data.adapters._common import parse_float, parse_sex, read_csv, require_dir
from medlens.data.registry import DATASETS
from medlens.data.sample import DatasetFormatError, Meta, Sample, SampleSet

CLASSES = ["normal", "pneumonia", "covid19"]
REQUIRED = ("patientid", "finding", "view", "modality", "filename")
DEFAULT_VIEWS = ("PA", "AP", "AP Supine")


# Findings named by their cause in the 2020 snapshot (not "Pneumonia/..."): all are pneumonias other
# than COVID-19. ARDS alone, tuberculosis, "todo" (unlabelled) and the like stay out of scope.
OTHER_PNEUMONIA = (
    "sars",
    "mers",
    "pneumocystis",
    "streptococcus",
    "klebsiella",
    "mycoplasma",
    "legionella",
    "e.coli",
    "bacterial",
    "influenza",
    "varicella",
    "lipoid",
    "chlamydophila",
    "staphylococcus",
    "aspergillosis",
    "nocardia",
)


def finding_to_class(finding: str) -> str | None:
    """Map a metadata ``finding`` to normal / pneumonia / covid19, or None when out of scope."""
    f = finding.strip()
    low = f.lower()
    if "COVID-19" in f or "SARS-CoV-2" in f:
        return "covid19"
    if low == "no finding":
        return "normal"
    if "pneumonia" in low or any(word in OTHER_PNEUMONIA for word in re.split(r"[\s/,]+", low)):
        return "pneumonia"
    return None


@DATASETS.decorator("covid-chestxray")
def load_covid_chestxray(
    root: Path,
    views: Sequence[str] = DEFAULT_VIEWS,
    metadata: str = "metadata.csv",
    name: str = "covid-chestxray",
) -> SampleSet:
    """Index the ieee8023 repository checkout at ``root`` (X-rays in the given views only)."""
    require_dir(root)
    csv_path = root / metadata
    _, rows = read_csv(csv_path, REQUIRED)
    samples: list[Sample] = []
    for line, row in enumerate(rows, start=2):
        if row["modality"] != "X-ray" or row["view"] not in views:
            continue
        cls = finding_to_class(row["finding"])
        if cls is None:
            continue
        # the shared snapshot re-encodes images as JPEG and names them in an added ``file`` column
        image = root / (row.get("folder") or "images") / (row.get("file") or row["filename"])
        if not image.is_file():
            raise DatasetFormatError(f"{csv_path} line {line}", f"image {image} not found")
        meta = Meta(
            age=parse_float(row.get("age")),
            sex=parse_sex(row.get("sex")),
            extra={
                k: row.get(k, "")
                for k in ("view", "finding", "RT_PCR_positive", "survival", "date", "location")
            },
            source=f"{name}/{row['location']}" if row.get("location") else None,  # hospital / city
        )
        samples.append(
            Sample(
                source=str(image),
                labels={"label": CLASSES.index(cls)},
                group_id=row["patientid"] or row["filename"],
                meta=meta,
            )
        )
    if not samples:
        raise DatasetFormatError(
            csv_path, f"no X-ray rows with views {', '.join(views)} and a mapped finding"
        )
    return SampleSet(name=name, classes=list(CLASSES), samples=samples)
