"""Page: nearby care (offline clinic directory, SAMPLE data unless the operator replaced it)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from medlens.web.deps import OptionalPageUser, StateDep
from medlens.web.errors import AppError
from medlens.web.rendering import render

router = APIRouter()


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
    state: StateDep,
    region: str = "",
    lat: str | None = None,
    lon: str | None = None,
    department: str = "",
) -> Response:
    la, lo = _coord(lat, -90, 90), _coord(lon, -180, 180)
    searched = bool(region or (la is not None and lo is not None))
    clinics = state.care.search(region[:100] or None, la, lo, department or None, 10) if searched else []
    return render(
        request,
        "care.html",
        user,
        clinics=clinics,
        region=region,
        lat=lat or "",
        lon=lon or "",
        department=department,
        searched=searched,
        sample_data=state.care.is_sample,
    )
