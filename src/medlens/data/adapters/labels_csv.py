"""A generic labelled-image CSV: your own data with one or several label columns (heads).

Layout: ``root/labels.csv`` (or a CSV path as ``root``) with a column ``image`` (path relative to the
CSV's folder), an optional ``group`` column (patient or lesion id: rows with the same group never
straddle splits) and one column per head holding the class name, e.g.::

    image,group,dryness,redness,flakes
    img/001.png,p01,0,2,1

Heads are the remaining columns in file order; the first is the main head (``label``). Class names
per head are the sorted values found, unless ``classes.json`` beside the CSV lists them
(``{"dryness": ["0", "1", "2", "3"], ...}``), which fixes their order and allows classes absent from
the file. An empty cell is a missing label for that head (-1, ignored by the loss).
"""

from __future__ import annotations

import json
from pathlib import Path

from medlens.data.adapters._common import read_csv, require_file
from medlens.data.registry import DATASETS
from medlens.data.sample import DatasetFormatError, Sample, SampleSet

RESERVED = ("image", "group")


def _csv_path(root: Path) -> Path:
    return require_file(root if root.suffix.lower() == ".csv" else root / "labels.csv")


def _classes(csv_path: Path, heads: list[str], rows: list[dict[str, str]]) -> dict[str, list[str]]:
    listed = csv_path.parent / "classes.json"
    if listed.is_file():
        try:
            given = json.loads(listed.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise DatasetFormatError(listed, f"not valid JSON ({exc})") from exc
        missing = [h for h in heads if h not in given]
        if missing:
            raise DatasetFormatError(listed, f"no classes listed for head(s) {', '.join(missing)}")
        return {h: [str(c) for c in given[h]] for h in heads}
    return {h: sorted({r[h].strip() for r in rows if (r.get(h) or "").strip()}) for h in heads}


@DATASETS.decorator("labels-csv")
def load_labels_csv(root: Path) -> SampleSet:
    """Index ``labels.csv`` (see the module docstring); bad rows raise errors naming file and line."""
    csv_path = _csv_path(Path(root))
    header, rows = read_csv(csv_path, required=("image",))
    heads = [h for h in header if h not in RESERVED]
    if not heads:
        raise DatasetFormatError(csv_path, "no label columns besides image/group")
    classes = _classes(csv_path, heads, rows)
    samples = []
    for line, row in enumerate(rows, start=2):
        where = f"{csv_path} line {line}"
        image = csv_path.parent / row["image"].strip()
        if not row["image"].strip() or not image.is_file():
            raise DatasetFormatError(where, f"image {row['image']!r} not found")
        labels: dict[str, int] = {}
        for h in heads:
            value = (row.get(h) or "").strip()
            if value and value not in classes[h]:
                raise DatasetFormatError(where, f"{h}={value!r} is not one of {classes[h]}")
            labels[h] = classes[h].index(value) if value else -1
        if labels[heads[0]] < 0:
            raise DatasetFormatError(where, f"the main head {heads[0]!r} has no label")
        labels["label"] = labels[heads[0]]
        group = (row.get("group") or "").strip() or row["image"].strip()
        samples.append(Sample(source=str(image), labels=labels, group_id=group))
    return SampleSet(
        name=csv_path.parent.name,
        classes=classes[heads[0]],
        samples=samples,
        heads=classes if len(heads) > 1 else {},
    )
