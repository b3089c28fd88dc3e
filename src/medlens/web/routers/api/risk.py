"""API: COVID-19 risk calculator. Anonymous use is allowed (it stores nothing); a bearer token, when sent,
must be valid."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from medlens.web.deps import LangDep, OptionalApiUser, RiskModelDep
from medlens.web.schemas import RiskFieldOut, RiskOut, RiskSchemaOut
from medlens.web.services import risk

router = APIRouter(tags=["risk"])


@router.get("/risk/schema", response_model=RiskSchemaOut)
def risk_schema(model: RiskModelDep, lang: LangDep, user: OptionalApiUser) -> RiskSchemaOut:
    """The form: fields with allowed values and labels, the operating point, the data source and limits."""
    info = risk.model_info(model, lang)
    fields = [
        RiskFieldOut(**{k: v for k, v in f.items() if k != "group"}) for f in risk.form_schema(model, lang)
    ]
    return RiskSchemaOut(fields=fields, **info)


@router.post("/risk", response_model=RiskOut)
def assess(
    model: RiskModelDep,
    lang: LangDep,
    user: OptionalApiUser,
    values: Annotated[dict[str, Any], Body(examples=[{"AGE": 67, "SEX": "male", "PNEUMONIA": "yes"}])],
) -> RiskOut:
    """Risk of death of one COVID-19-positive patient, with the top contributing factors (422 names a bad field)."""
    return RiskOut(**risk.assess(model, values, lang))
