"""Small helpers shared by the dataset adapters (csv reading, class lookup, meta parsing)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

from medlens.data.sample import DatasetFormatError

IMAGE_EXTS = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"})


def require_dir(path: Path) -> Path:
    if not path.is_dir():
        raise DatasetFormatError(path, "folder not found")
    return path


def require_file(path: Path) -> Path:
    if not path.is_file():
        raise DatasetFormatError(path, "file not found")
    return path


def read_csv(path: Path, required: Iterable[str] = ()) -> tuple[list[str], list[dict[str, str]]]:
    """Read a CSV into (header, rows); missing required columns -> DatasetFormatError."""
    require_file(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip() for h in (reader.fieldnames or [])]
            reader.fieldnames = header
            rows = [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in reader]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise DatasetFormatError(path, f"unreadable CSV ({exc})") from exc
    if not header:
        raise DatasetFormatError(path, "empty CSV (no header)")
    missing = [c for c in required if c not in header]
    if missing:
        raise DatasetFormatError(path, f"missing column(s) {', '.join(missing)}; found {', '.join(header)}")
    return header, rows


def class_index(classes: Sequence[str], name: str, where: Path | str) -> int:
    try:
        return list(classes).index(name)
    except ValueError:
        raise DatasetFormatError(
            where, f"unknown class {name!r}; expected one of {', '.join(classes)}"
        ) from None


def parse_float(value: str | None) -> float | None:
    if value is None or value.strip() == "" or value.strip().lower() in {"nan", "na", "n/a", "unknown"}:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def parse_sex(value: str | None) -> str | None:
    v = (value or "").strip().lower()
    if v in {"m", "male", "1"}:
        return "male"
    if v in {"f", "female", "2"}:
        return "female"
    return None


def index_images(folder: Path) -> dict[str, Path]:
    """Map both file name and stem -> path for the image files directly inside ``folder`` (one listing)."""
    require_dir(folder)
    out: dict[str, Path] = {}
    for entry in sorted(folder.iterdir()):
        if entry.is_file() and entry.suffix.lower() in IMAGE_EXTS:
            out[entry.name] = entry
            out.setdefault(entry.stem, entry)
    return out


def index_images_recursive(folder: Path) -> dict[str, Path]:
    """Map file name and stem -> path for every image under ``folder`` (first found wins)."""
    require_dir(folder)
    out: dict[str, Path] = {}
    for p in sorted(folder.rglob("*")):
        if p.suffix.lower() in IMAGE_EXTS and p.is_file():
            out.setdefault(p.name, p)
            out.setdefault(p.stem, p)
    return out
