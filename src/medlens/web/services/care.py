"""Nearby care: offline clinic directory (CSV, SAMPLE data by default) and care suggestions (JSON)."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from medlens.resources import CARE_CATALOG_JSON, SAMPLE_CLINICS_CSV

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Clinic:
    name: str
    region: str
    address: str
    phone: str
    lat: float
    lon: float
    departments: tuple[str, ...]
    distance_km: float | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["departments"] = list(self.departments)
        return d


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def load_clinics(path: Path) -> list[Clinic]:
    """Read ``name,region,address,phone,lat,lon,departments`` (``#`` lines are comments)."""
    text = Path(path).read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    clinics = []
    for i, row in enumerate(csv.DictReader(io.StringIO("\n".join(lines)))):
        try:
            clinics.append(
                Clinic(
                    name=row["name"].strip(),
                    region=row["region"].strip(),
                    address=row.get("address", "").strip(),
                    phone=row.get("phone", "").strip(),
                    lat=float(row["lat"]),
                    lon=float(row["lon"]),
                    departments=tuple(d.strip() for d in row.get("departments", "").split(";") if d.strip()),
                )
            )
        except (KeyError, ValueError) as exc:
            raise ValueError(f"{path}: row {i + 2}: bad clinic row ({exc})") from exc
    return clinics


def search_clinics(
    clinics: Sequence[Clinic],
    region: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    department: str | None = None,
    limit: int | None = 10,
) -> list[Clinic]:
    """Clinics of ``department`` whose region, address or name contains ``region`` (case-insensitive),
    nearest first when ``lat``/``lon`` are given; at most ``limit`` (1-50; None: all)."""
    found = list(clinics)
    if department:
        found = [c for c in found if department in c.departments]
    if region:
        q = region.strip().lower()
        found = [c for c in found if q in c.region.lower() or q in c.address.lower() or q in c.name.lower()]
    if lat is not None and lon is not None:
        found = sorted(
            (replace(c, distance_km=round(haversine_km(lat, lon, c.lat, c.lon), 1)) for c in found),
            key=lambda c: c.distance_km or 0.0,
        )
    return found if limit is None else found[: max(1, min(limit, 50))]


class CareDirectory:
    """The file clinic directory (bundled SAMPLE list or ``MEDLENS_CLINICS_CSV``) and care suggestions
    per task/risk. An admin's imported list, when there is one, replaces the file list
    (:mod:`medlens.web.services.clinics`)."""

    def __init__(self, clinics_csv: Path | None = None, catalog_json: Path | None = None) -> None:
        self.clinics_path = Path(clinics_csv) if clinics_csv else SAMPLE_CLINICS_CSV
        self.is_sample = self.clinics_path == SAMPLE_CLINICS_CSV
        self.clinics = load_clinics(self.clinics_path)
        path = Path(catalog_json) if catalog_json else CARE_CATALOG_JSON
        self.catalog: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))

    def search(
        self,
        region: str | None = None,
        lat: float | None = None,
        lon: float | None = None,
        department: str | None = None,
        limit: int = 10,
    ) -> list[Clinic]:
        return search_clinics(self.clinics, region, lat, lon, department, limit)

    def department_for(self, modality: str) -> str | None:
        return self.catalog.get("department", {}).get(modality)

    def suggestions(self, task: str, risk: str | None) -> list[dict[str, Any]]:
        """Catalog items for the task (``*`` = any risk) plus generic items for the risk level."""
        tasks = self.catalog.get("tasks", {})
        items: list[dict[str, Any]] = []
        for key in (task, "*"):
            entry = tasks.get(key, {})
            if risk:
                items.extend(entry.get(risk, []))
            if key != "*":
                items.extend(entry.get("*", []))
        return items
