"""Page: COVID-19 risk calculator (public, stores nothing; CSRF on the form POST)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from medlens.web.deps import OptionalPageUser, StateDep
from medlens.web.errors import AppError, localize_params
from medlens.web.i18n import translate
from medlens.web.rendering import check_csrf, page_lang, render
from medlens.web.services import risk

router = APIRouter()


def _page(
    request: Request, user: Any, model: Any, values: dict[str, Any], status_code: int = 200, **ctx: Any
) -> Response:
    lang = page_lang(request)
    return render(
        request,
        "risk.html",
        user,
        status_code=status_code,
        available=model is not None,
        fields=risk.form_schema(model, lang) if model is not None else [],
        info=risk.model_info(model, lang) if model is not None else None,
        values=values,
        **ctx,
    )


@router.get("/risk")
def risk_form(request: Request, user: OptionalPageUser, state: StateDep) -> Response:
    return _page(request, user, state.risk_model, {})


@router.post("/risk")
async def risk_submit(request: Request, user: OptionalPageUser, state: StateDep) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf_token", "")))
    model = state.risk_model
    if model is None:
        raise AppError(503, "error.risk_unavailable")
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    lang = page_lang(request)
    try:
        result = risk.assess(model, values, lang)
    except AppError as exc:
        if exc.status != 422:
            raise
        message = translate(lang, exc.key, **localize_params(exc.params, lang))
        return _page(
            request, user, model, values, status_code=422, error=message, error_field=exc.params.get("field")
        )
    return _page(request, user, model, result["inputs"], result=result)
