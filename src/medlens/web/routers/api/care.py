"""API: nearby clinics (offline SAMPLE directory) and care suggestions for a case."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from medlens.tasks import get_task
from medlens.web.deps import CaseId, CurrentUser, SessionDep, StateDep
from medlens.web.schemas import CareOut, ClinicOut, ClinicsOut
from medlens.web.services import cases

router = APIRouter(tags=["care"])


@router.get("/care/clinics", response_model=ClinicsOut)
def clinics(
    state: StateDep,
    region: Annotated[str | None, Query(max_length=100)] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    department: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> ClinicsOut:
    """Search by region text, or nearest first by coordinates (haversine)."""
    found = state.care.search(region, lat, lon, department, limit)
    return ClinicsOut(sample_data=state.care.is_sample, clinics=[ClinicOut(**c.to_dict()) for c in found])


@router.get("/cases/{case_id}/care", response_model=CareOut)
def case_care(
    case_id: CaseId,
    user: CurrentUser,
    db: SessionDep,
    state: StateDep,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    region: Annotated[str | None, Query(max_length=100)] = None,
) -> CareOut:
    """Care suggestions for the case's result and clinics of the right department."""
    row = cases.read_case(db, user, case_id, "care")
    dept = state.care.department_for(get_task(row.task).modality)
    found = state.care.search(region, lat, lon, dept, 5)
    return CareOut(
        sample_data=state.care.is_sample,
        suggestions=state.care.suggestions(row.task, row.risk or None),
        clinics=[ClinicOut(**c.to_dict()) for c in found],
    )
