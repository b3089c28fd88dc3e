"""Page: nearby care: the clinic directory on a map (vendored Leaflet) and as a list.

The list is the page's content (works without JavaScript or map tiles); the map script plots its items,
filters them as the visitor types, and sorts them by distance from the browser's own location, which
stays in the browser (never sent to the server). The directory is an admin's imported list, else the
file list (SAMPLE data unless the operator replaced it).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from medlens.web.deps import OptionalPageUser, SessionDep, StateDep
from medlens.web.errors import AppError
from medlens.web.rendering import render
from medlens.web.services import clinics as clinic_list
from medlens.web.services.care import search_clinics

router = APIRouter()
MAP_LIMIT = 3000  # clinics on one map page


def _coord(value: str | None, lo: float, hi: float) -> float | None:
    if value in (None, ""):
        return None
    try:
        v = float(value)
    except ValueError as exc:
        raise AppError(400, "error.bad_coordinates") from exc
    if not lo <= v <= hi:
        raise AppError(400, "error.bad_coordinates")
    return v


@router.get("/care")
def care(
    request: Request,
    user: OptionalPageUser,
    db: SessionDep,
    state: StateDep,
    region: str = "",
    lat: str | None = None,
    lon: str | None = None,
    department: str = "",
) -> Response:
    la, lo = _coord(lat, -90, 90), _coord(lon, -180, 180)
    if la is None or lo is None:
        la = lo = None
    department = department if department in clinic_list.DEPARTMENTS else ""
    directory = clinic_list.current(db, state.care)
    found = search_clinics(directory.clinics, region[:100] or None, la, lo, department or None, None)
    settings = state.settings
    return render(
        request,
        "care.html",
        user,
        clinics=found[:MAP_LIMIT],
        more=max(0, len(found) - MAP_LIMIT),
        region=region[:100],
        lat=lat or "",
        lon=lon or "",
        department=department,
        departments=clinic_list.DEPARTMENTS,
        sample_data=directory.sample,
        tile_url=settings.map_tile_url,
        tile_attribution=settings.map_tile_attribution,
    )
