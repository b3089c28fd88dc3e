"""The clinic directory an admin imports from CSV, kept in the database.

Why the database and not a managed file: an import replaces the whole list in one transaction (delete +
insert, one commit), so a bad file or a crash stores nothing half-written; every worker process sees the
new list at once without a reload; the list is in the database backups; the import is audited. With no
imported rows the app shows the file list (the bundled SAMPLE data, or ``MEDLENS_CLINICS_CSV``).

CSV columns: ``name, department, address, lat, lon, phone`` (``departments`` and an optional ``region``
are accepted too; several departments are ``;``-separated; ``#`` lines are comments). Every bad row is
reported with its line number and reason, and then nothing is stored.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from medlens.db import ClinicEntry, User
from medlens.web.errors import AppError
from medlens.web.services import audit
from medlens.web.services.care import CareDirectory, Clinic
from medlens.web.services.users import require_role

DEPARTMENTS = ("dermatology", "hair", "radiology", "pulmonology")
ALIASES = {  # names an operator's list may use (Korean department names)
    "피부과": "dermatology",
    "모발": "hair",
    "두피": "hair",
    "탈모": "hair",
    "모발·두피": "hair",
    "영상의학과": "radiology",
    "호흡기내과": "pulmonology",
}
REQUIRED = ("name", "address", "lat", "lon")
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MAX_LEN = {"name": 200, "region": 120, "address": 300, "phone": 40}
_PHONE = re.compile(r"^[0-9+()\-. ]{0,40}$")


@dataclass(frozen=True)
class RowError:
    """Why line ``line`` (1 = the header; 0 = the whole file) was refused: an i18n key and its params."""

    line: int
    key: str
    params: dict[str, Any] = field(default_factory=dict)


class ImportRejected(AppError):
    """400 with every row error; nothing was stored."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(400, "import.rejected", n=len(errors))
        self.errors = errors


@dataclass(frozen=True)
class ClinicList:
    clinics: list[Clinic]
    sample: bool  # the bundled SAMPLE list is shown
    imported: int  # rows imported by an admin (0: the file list is shown)
    imported_at: datetime | None = None


def _entry_to_clinic(e: ClinicEntry) -> Clinic:
    departments = tuple(d for d in e.departments.split(";") if d)
    return Clinic(e.name, e.region, e.address, e.phone, e.lat, e.lon, departments)


def current(db: Session, care: CareDirectory) -> ClinicList:
    """The imported list when there is one, else the file list (SAMPLE unless the operator set one)."""
    rows = list(db.scalars(select(ClinicEntry).order_by(ClinicEntry.id)))
    if rows:
        return ClinicList([_entry_to_clinic(r) for r in rows], False, len(rows), rows[0].imported_at)
    return ClinicList(list(care.clinics), care.is_sample, 0)


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp949"):  # UTF-8 (with or without BOM) or Excel's Korean encoding
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportRejected([RowError(0, "import.err_encoding")])


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """(physical line number, fields) of every non-blank, non-comment row."""
    reader = csv.reader(io.StringIO(text, newline=""))
    for fields in reader:
        if not any(f.strip() for f in fields) or fields[0].lstrip().startswith("#"):
            continue
        yield reader.line_num, fields


def _number(value: str, name: str, lo: float, hi: float, line: int, errors: list[RowError]) -> float:
    try:
        v = float(value.strip())
    except ValueError:
        errors.append(RowError(line, "import.err_number", {"field": name, "value": value[:40]}))
        return 0.0
    if not lo <= v <= hi:
        errors.append(RowError(line, "import.err_range", {"field": name, "lo": lo, "hi": hi}))
    return v


def _departments(value: str, line: int, errors: list[RowError]) -> tuple[str, ...]:
    parts = [p.strip() for p in value.split(";") if p.strip()]
    if not parts:
        errors.append(RowError(line, "import.err_required", {"field": "department"}))
    out: list[str] = []
    for part in parts:
        key = ALIASES.get(part, part.lower())
        if key not in DEPARTMENTS:
            valid = ", ".join(DEPARTMENTS)
            errors.append(RowError(line, "import.err_department", {"value": part[:40], "valid": valid}))
        elif key not in out:
            out.append(key)
    return tuple(out)


def _clinic(row: dict[str, str], line: int, errors: list[RowError]) -> Clinic:
    values = {k: (row.get(k) or "").strip() for k in ("name", "region", "address", "phone")}
    for name in ("name", "address"):
        if not values[name]:
            errors.append(RowError(line, "import.err_required", {"field": name}))
    for name, limit in MAX_LEN.items():
        if len(values[name]) > limit:
            errors.append(RowError(line, "import.err_too_long", {"field": name, "max": limit}))
    if not _PHONE.match(values["phone"]):
        errors.append(RowError(line, "import.err_phone", {"value": values["phone"][:40]}))
    lat = _number(row.get("lat") or "", "lat", -90.0, 90.0, line, errors)
    lon = _number(row.get("lon") or "", "lon", -180.0, 180.0, line, errors)
    departments = _departments(row.get("department") or row.get("departments") or "", line, errors)
    return Clinic(values["name"], values["region"], values["address"], values["phone"], lat, lon, departments)


def parse_clinic_csv(data: bytes) -> tuple[list[Clinic], list[RowError]]:
    """Every clinic of the file and every error (line number + reason); the clinics count only when
    there is no error."""
    if len(data) > MAX_BYTES:
        return [], [RowError(0, "import.err_too_big", {"mb": MAX_BYTES // (1024 * 1024)})]
    try:
        text = _decode(data)
    except ImportRejected as exc:
        return [], exc.errors
    rows = _rows(text)
    first = next(rows, None)
    if first is None:
        return [], [RowError(0, "import.err_empty")]
    header_line, header = first
    columns = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED if c not in columns]
    if "department" not in columns and "departments" not in columns:
        missing.append("department")
    if missing:
        return [], [RowError(header_line, "import.err_columns", {"missing": ", ".join(missing)})]
    clinics: list[Clinic] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, str], int] = {}
    for line, fields in rows:
        if len(clinics) >= MAX_ROWS:
            return [], [RowError(line, "import.err_too_many", {"max": MAX_ROWS})]
        if len(fields) != len(columns):
            errors.append(RowError(line, "import.err_fields", {"n": len(fields), "expected": len(columns)}))
            continue
        clinic = _clinic(dict(zip(columns, fields, strict=True)), line, errors)
        key = (clinic.name.lower(), clinic.address.lower())
        if key in seen:
            errors.append(RowError(line, "import.err_duplicate", {"first": seen[key]}))
        seen.setdefault(key, line)
        clinics.append(clinic)
    if not clinics and not errors:
        errors.append(RowError(0, "import.err_empty"))
    return clinics, errors


def import_clinics(db: Session, admin: User, data: bytes, filename: str = "") -> int:
    """Replace the imported directory with the file's clinics, in one transaction; raises
    :class:`ImportRejected` (400, every row error) and stores nothing when any row is bad."""
    require_role(admin, "admin")
    clinics, errors = parse_clinic_csv(data)
    if errors:
        raise ImportRejected(errors)
    try:
        db.execute(delete(ClinicEntry))
        db.add_all(
            ClinicEntry(
                name=c.name,
                region=c.region,
                address=c.address,
                phone=c.phone,
                lat=c.lat,
                lon=c.lon,
                departments=";".join(c.departments),
            )
            for c in clinics
        )
        audit.record(db, admin, "import_clinics", detail=f"{len(clinics)} clinics from {filename[:200]}")
        db.commit()
    except Exception:
        db.rollback()
        raise
    return len(clinics)


def clear_imported(db: Session, admin: User) -> int:
    """Remove the imported directory (the file list is shown again); the number of rows removed."""
    require_role(admin, "admin")
    n = db.scalar(select(func.count()).select_from(ClinicEntry)) or 0
    db.execute(delete(ClinicEntry))
    audit.record(db, admin, "clear_clinics", detail=f"{n} clinics")
    db.commit()
    return int(n)
