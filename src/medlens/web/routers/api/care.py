"""API: nearby clinics (an admin's imported list, else the offline file list, SAMPLE by default), care
suggestions and the care products matched to a case's derived type."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from medlens.tasks import get_task
from medlens.web.deps import CaseId, CurrentUser, LangDep, SessionDep, StateDep
from medlens.web.presenters import derived_results
from medlens.web.schemas import CareOut, ClinicOut, ClinicsOut, ProductOut
from medlens.web.services import cases, products
from medlens.web.services import clinics as clinic_list
from medlens.web.services.care import search_clinics

router = APIRouter(tags=["care"])


@router.get("/care/clinics", response_model=ClinicsOut)
def clinics(
    state: StateDep,
    db: SessionDep,
    region: Annotated[str | None, Query(max_length=100)] = None,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    department: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> ClinicsOut:
    """Search by region text, or nearest first by coordinates (haversine)."""
    directory = clinic_list.current(db, state.care)
    found = search_clinics(directory.clinics, region, lat, lon, department, limit)
    return ClinicsOut(sample_data=directory.sample, clinics=[ClinicOut(**c.to_dict()) for c in found])


@router.get("/cases/{case_id}/care", response_model=CareOut)
def case_care(
    case_id: CaseId,
    user: CurrentUser,
    db: SessionDep,
    state: StateDep,
    lang: LangDep,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    region: Annotated[str | None, Query(max_length=100)] = None,
) -> CareOut:
    """Care suggestions for the case's result, care products matched to its derived type (never
    treatment) and clinics of the right department."""
    row = cases.read_case(db, user, case_id, "care")
    dept = state.care.department_for(get_task(row.task).modality)
    directory = clinic_list.current(db, state.care)
    found = search_clinics(directory.clinics, region, lat, lon, dept, 5)
    derived = derived_results(row, lang)
    return CareOut(
        sample_data=directory.sample,
        suggestions=state.care.suggestions(row.task, row.risk or None),
        clinics=[ClinicOut(**c.to_dict()) for c in found],
        products=[ProductOut(**p) for p in products.matched(db, products.result_tags(derived), lang)],
    )
