"""AI-Hub "유형별 두피 이미지" (scalp images by type): one JSON label file per image.

Each JSON holds ``image_file_name`` and ``value_1`` .. ``value_6``: grades 0-3 for 미세각질,
피지과다, 모낭사이홍반, 모낭홍반농포, 비듬, 탈모 (in that order; values may be strings). They map
to the six heads of the ``scalp`` task. JSONs and images are searched recursively under ``root``
(the release puts labels and source images in separate folders); images are matched by file name.
File names follow ``<subject>_<device>_<timestamp>_<n>_<region>.jpg``; ``group_id`` is the leading
subject number so that photos of one person stay in one split (``group_by="image"`` turns it off).
"""

from __future__ import annotations

import json
from pathlib import Path

from medlens.data.adapters._common import index_images_recursive, require_dir
from medlens.data.registry import DATASETS
from medlens.data.sample import DatasetFormatError, Meta, Sample, SampleSet

VALUE_KEYS = tuple(f"value_{i}" for i in range(1, 7))
GRADES = ["0", "1", "2", "3"]


def _heads() -> list[str]:
    from medlens.tasks import get_task

    return [h.name for h in get_task("scalp").heads]


def _grade(raw: object, key: str, where: Path) -> int:
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise DatasetFormatError(where, f"{key} must be a grade 0-3, got {raw!r}") from None
    if not 0 <= value <= 3:
        raise DatasetFormatError(where, f"{key} must be a grade 0-3, got {value}")
    return value


@DATASETS.decorator("aihub-scalp")
def load_aihub_scalp(root: Path, group_by: str = "subject", name: str = "aihub-scalp") -> SampleSet:
    """Index AI-Hub scalp JSON labels + images under ``root``."""
    require_dir(root)
    heads = _heads()
    labels = sorted(root.rglob("*.json"))
    if not labels:
        raise DatasetFormatError(root, "no JSON label files found")
    files = index_images_recursive(root)
    samples: list[Sample] = []
    for path in labels:
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DatasetFormatError(path, f"bad JSON ({exc})") from exc
        if not isinstance(data, dict):
            raise DatasetFormatError(path, "expected a JSON object")
        missing = [k for k in ("image_file_name", *VALUE_KEYS) if k not in data]
        if missing:
            raise DatasetFormatError(path, f"missing key(s) {', '.join(missing)}")
        file_name = str(data["image_file_name"])
        image = files.get(file_name) or files.get(Path(file_name).stem)
        if image is None:
            raise DatasetFormatError(path, f"image {file_name!r} not found under {root}")
        grades = {head: _grade(data[k], k, path) for head, k in zip(heads, VALUE_KEYS, strict=True)}
        stem = Path(file_name).stem
        group = stem.split("_")[0] if group_by == "subject" else stem
        samples.append(
            Sample(
                source=str(image),
                labels={"label": grades[heads[0]], **grades},
                group_id=group,
                meta=Meta(site=stem.rsplit("_", 1)[-1] if "_" in stem else None, extra={"json": str(path)}),
            )
        )
    return SampleSet(name=name, classes=list(GRADES), samples=samples, heads={h: list(GRADES) for h in heads})
