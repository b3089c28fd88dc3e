"""Pages for patients: pick a screening, upload (optionally of a followed lesion), result (with the lesion's
earlier photos side by side), send to clinician, next-check date, history, images, PDF."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from medlens.tasks import TaskSpec, get_task
from medlens.web.body_map import VIEWS as BODY_MAP
from medlens.web.case_form import CaseFields
from medlens.web.deps import CaseId, PageUser, PredictorsDep, SessionDep, StateDep
from medlens.web.errors import AppError
from medlens.web.followup_view import followup_context, lesion_options, site_title
from medlens.web.i18n import translate
from medlens.web.presenters import case_summary
from medlens.web.rendering import check_csrf, page_lang, render
from medlens.web.services import (
    cases,
    clinics,
    group_stats,
    lesions,
    media,
    notices,
    products,
    uploads,
)
from medlens.web.services.care import search_clinics

router = APIRouter()


def _capture(spec: TaskSpec, lang: str) -> str:
    capture = spec.modality_info.capture
    return capture.get(lang) if capture else ""


@router.get("/screen")
def choose(request: Request, user: PageUser, predictors: PredictorsDep) -> Response:
    uploads.require_uploader(user.role)  # staff get the reason, not a form they cannot send
    lang = page_lang(request)
    tasks = [(n, get_task(n)) for n in predictors]
    return render(
        request,
        "screen_list.html",
        user,
        tasks=[(n, s.title.get(lang), s.modality_info.title.get(lang), _capture(s, lang)) for n, s in tasks],
    )


def _chosen(request: Request) -> dict[str, str]:
    """Choices given back in the query (the error page's link back after a refused upload), if valid."""
    allowed = {
        "sex": cases.SEXES,
        "age_group": cases.AGE_GROUPS,
        "body_site": cases.BODY_SITES,
        "symptom_onset": cases.ONSETS,
    }
    q = request.query_params
    out = {k: q[k] for k, values in allowed.items() if q.get(k) in values}
    hours = q.get("onset_hours", "")
    if hours.isdigit() and len(hours) <= 5:
        out["onset_hours"] = hours
    if q.get("lesion") in ("new", "same"):
        out["lesion"] = q["lesion"]
    if q.get("lesion_site") in lesions.LESION_SITES:
        out["lesion_site"] = q["lesion_site"]
    if lesions.lesion_id_of(q.get("lesion_id", "")) is not None:
        out["lesion_id"] = q["lesion_id"]
    return out


@router.get("/screen/{task}")
def screen_form(
    task: str, request: Request, user: PageUser, db: SessionDep, predictors: PredictorsDep
) -> Response:
    uploads.require_uploader(user.role)  # staff get the reason, not a form they cannot send
    if task not in predictors:
        raise AppError(404, "error.unknown_task", task=task)
    spec = get_task(task)
    lang = page_lang(request)
    follow_up = spec.modality_info.follow_up
    return render(
        request,
        "screen_form.html",
        user,
        task=task,
        title=spec.title.get(lang),
        guide=spec.photo_guide.get(lang) if spec.photo_guide else "",
        modality=spec.modality_info,
        capture=_capture(spec, lang),
        sexes=cases.SEXES,
        age_groups=cases.AGE_GROUPS,
        sites=cases.BODY_SITES,
        onsets=cases.ONSETS,
        urgent_window=spec.urgent_window_hours,
        upload_token=secrets.token_urlsafe(24),
        chosen=_chosen(request),
        follow_up=follow_up,
        body_map=BODY_MAP,
        lesion_sites=[(c, site_title(c, lang), lesions.CASE_SITE[c]) for c in lesions.LESION_SITES],
        own_lesions=lesion_options(lesions.own_lesions(db, user), lang) if follow_up else [],
    )


@router.post("/screen/{task}")
async def screen_submit(
    task: str,
    request: Request,
    user: PageUser,
    db: SessionDep,
    state: StateDep,
    background: BackgroundTasks,
    file: Annotated[UploadFile, File()],
    fields: CaseFields,
    csrf_token: Annotated[str, Form()] = "",
    upload_token: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    inp = fields.case_input(task)
    # the form's own token: a double submit or a re-sent form shows the first case, not a duplicate
    key = f"form:{upload_token}" if upload_token else None
    done = await uploads.create_case_from_upload(db, state, user, inp, file, background, idempotency_key=key)
    return RedirectResponse(f"/cases/{done.row.id}", status_code=303)


@router.get("/cases")
def history(request: Request, user: PageUser, db: SessionDep) -> Response:
    lang = page_lang(request)
    rows = [case_summary(r, lang) for r in cases.list_cases(db, user)]
    return render(request, "history.html", user, cases=rows)


@router.get("/cases/{case_id}")
def case_page(case_id: CaseId, request: Request, user: PageUser, db: SessionDep, state: StateDep) -> Response:
    lang = page_lang(request)
    row = cases.view_case(db, state.store, user, case_id)
    if row.owner_id == user.id:
        notices.mark_all_read(db, user, case_id)  # the reply the notice announced is on this page
    summary = case_summary(row, lang, cases.same_photo_cases(db, user, row))
    follow = followup_context(db, state.store, user, row, lang, "/cases")
    dept = state.care.department_for(get_task(row.task).modality)
    directory = clinics.current(db, state.care)
    own = group_stats.present(
        group_stats.group_statistics(db, row.task, row.sex, row.age_group),
        lang,
        translate(lang, f"sex.{row.sex}"),
        translate(lang, f"age.{row.age_group}"),
    )
    return render(
        request,
        "case.html",
        user,
        case=summary,
        own_group=own,
        owner=row.owner_id == user.id,
        suggestions=state.care.suggestions(row.task, row.risk or None),
        products=products.matched(db, products.result_tags(summary["derived"]), lang),
        clinics=search_clinics(directory.clinics, department=dept, limit=3),
        department=dept or "",
        sample_data=directory.sample,
        **follow,
    )


@router.post("/cases/{case_id}/next-check")
def next_check(
    case_id: CaseId,
    request: Request,
    user: PageUser,
    db: SessionDep,
    csrf_token: Annotated[str, Form()] = "",
    next_check: Annotated[str, Form(description="YYYY-MM-DD; blank clears it", max_length=32)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    lesions.set_next_check(db, user, case_id, next_check)
    return RedirectResponse(f"/cases/{case_id}?checked=1#followup", status_code=303)


@router.post("/cases/{case_id}/submit")
def submit(
    case_id: CaseId,
    request: Request,
    user: PageUser,
    db: SessionDep,
    csrf_token: Annotated[str, Form()] = "",
    note: Annotated[str, Form(description="An optional note for the clinician")] = "",
) -> Response:
    check_csrf(request, csrf_token)
    cases.submit_case(db, user, case_id, note)
    return RedirectResponse(f"/cases/{case_id}?sent=1", status_code=303)


@router.get("/cases/{case_id}/image")
def image(case_id: CaseId, user: PageUser, db: SessionDep, state: StateDep, thumb: bool = False) -> Response:
    row = cases.image_case(db, user, case_id, thumb)
    return media.image_response(state.store, row, "image", thumb)  # no-store (middleware): patient data


@router.get("/cases/{case_id}/heatmap")
def heatmap(case_id: CaseId, user: PageUser, db: SessionDep, state: StateDep) -> Response:
    row = cases.read_case(db, user, case_id, "heatmap")
    return media.heatmap_response(db, state.store, row, state.predictors.get(row.task))


@router.get("/cases/{case_id}/report.pdf")
async def report(
    case_id: CaseId, request: Request, user: PageUser, db: SessionDep, state: StateDep
) -> Response:
    row = cases.read_case(db, user, case_id, "pdf")
    predictor = state.predictors.get(row.task)
    pdf = await run_in_threadpool(media.case_pdf, db, state.store, user, row, page_lang(request), predictor)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="medlens-case-{case_id}.pdf"'},
    )
