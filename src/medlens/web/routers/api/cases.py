"""API: tasks, screening cases (create, list, read, submit), images and the PDF report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, File, Form, Header, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from medlens.tasks import get_task
from medlens.web.case_form import CaseFields
from medlens.web.deps import BearerToken, CaseId, CurrentUser, LangDep, PredictorsDep, SessionDep, StateDep
from medlens.web.presenters import case_summary
from medlens.web.schemas import CaseOut, SubmitIn, TaskOut
from medlens.web.services import cases, media, uploads
from medlens.web.timing import Timings

router = APIRouter(tags=["cases"])


def case_out(row, lang: str) -> CaseOut:  # type: ignore[no-untyped-def]
    s = case_summary(row, lang)
    base = f"/api/v1/cases/{row.id}"
    # the API gives full UTC timestamps (the summary's are the pages' minute-precision strings)
    s["created_at"] = row.created_at
    s["replies"] = [{**r, "at": reply.created_at} for r, reply in zip(s["replies"], row.replies, strict=True)]
    return CaseOut(
        **s,
        image_url=f"{base}/image",
        heatmap_url=f"{base}/heatmap" if s["has_heatmap"] else None,
        report_url=f"{base}/report.pdf",
    )


@router.get("/tasks", response_model=list[TaskOut])
def tasks(predictors: PredictorsDep, lang: LangDep) -> list[TaskOut]:
    """Screenings offered: every task that has a loaded model."""
    out = []
    for name, predictor in predictors.items():
        spec = get_task(name)
        out.append(
            TaskOut(
                name=name,
                title=spec.title.get(lang),
                classes=list(spec.classes),
                modality=spec.modality,
                photo_guide=spec.photo_guide.get(lang) if spec.photo_guide else None,
                model_name=predictor.card.name,
                model_version=str(predictor.card.version),
                accepts_dicom=spec.modality_info.accepts_dicom,
            )
        )
    return out


@router.post(
    "/cases",
    response_model=CaseOut,
    status_code=201,
    responses={
        200: {"model": CaseOut, "description": "The case an earlier request with this Idempotency-Key made"}
    },
)
async def create_case(
    token: BearerToken,
    state: StateDep,
    lang: LangDep,
    background: BackgroundTasks,
    request: Request,
    response: Response,
    task: Annotated[str, Form()],
    file: Annotated[UploadFile, File(description="JPEG/PNG photo, or DICOM for chest X-ray")],
    fields: CaseFields,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key", max_length=128, description="Retry-safe: a repeat returns the first case"
        ),
    ] = None,
) -> CaseOut:
    """Upload an image and get the screening result (stored as a new case).

    With an ``Idempotency-Key`` header (1-128 visible ASCII characters, unique per account) a repeated
    request (a retry after a lost response) returns the first case with 200 and
    ``Idempotent-Replayed: true`` instead of storing a duplicate.

    The heatmap file and ABCD lesion features (dermoscopy tasks) are made after the response:
    ``heatmap_url`` already works (it makes the file if it is not there yet), ``lesion_pending`` is true
    here and ``GET /cases/{id}`` returns the features.

    Follow-up of one lesion over time: ``lesion=new`` with ``lesion_site`` (and an optional
    ``lesion_label``) starts a followed lesion; ``lesion=same`` with ``lesion_id`` (one of the caller's
    own, ``GET /lesions``) adds this photo to it; anyone else's lesion is 404 and nothing is stored.
    """
    inp = fields.case_input(task)
    timings = Timings(getattr(request.state, "started", None))
    timings.lap("receive")  # body and form parsing: everything before this line
    done = await uploads.create_case_for_token(state, token, inp, file, background, timings, idempotency_key)
    out = case_out(done.row, lang)
    if done.replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    timings.lap("render")
    response.headers["Server-Timing"] = timings.header()
    return out


@router.get("/cases", response_model=list[CaseOut])
def list_cases(user: CurrentUser, db: SessionDep, lang: LangDep) -> list[CaseOut]:
    """Patients: their own cases; clinicians: submitted cases; admins: all."""
    return [case_out(r, lang) for r in cases.list_cases(db, user)]


@router.get("/cases/{case_id}", response_model=CaseOut)
def get_case(case_id: CaseId, user: CurrentUser, db: SessionDep, state: StateDep, lang: LangDep) -> CaseOut:
    return case_out(cases.view_case(db, state.store, user, case_id), lang)


@router.post("/cases/{case_id}/submit", response_model=CaseOut)
def submit_case(
    case_id: CaseId, user: CurrentUser, db: SessionDep, lang: LangDep, body: SubmitIn | None = None
) -> CaseOut:
    """Send the case to a clinician, optionally with a note for them (JSON ``{"note": "..."}``)."""
    return case_out(cases.submit_case(db, user, case_id, body.note if body else None), lang)


@router.get("/cases/{case_id}/image", response_class=Response)
def case_image(
    case_id: CaseId,
    user: CurrentUser,
    db: SessionDep,
    state: StateDep,
    thumb: Annotated[bool, Query()] = False,
) -> Response:
    """The uploaded image, or with ``thumb`` a small thumbnail (audited unless the owner reads a thumbnail)."""
    row = cases.image_case(db, user, case_id, thumb)
    return media.image_response(state.store, row, "image", thumb)


@router.get("/cases/{case_id}/heatmap", response_class=Response)
def case_heatmap(case_id: CaseId, user: CurrentUser, db: SessionDep, state: StateDep) -> Response:
    row = cases.read_case(db, user, case_id, "heatmap")
    return media.heatmap_response(db, state.store, row, state.predictors.get(row.task))


@router.get("/cases/{case_id}/report.pdf", response_class=Response)
async def case_report(
    case_id: CaseId, user: CurrentUser, db: SessionDep, state: StateDep, lang: LangDep
) -> Response:
    row = cases.read_case(db, user, case_id, "pdf")
    pdf = await run_in_threadpool(
        media.case_pdf, db, state.store, user, row, lang, state.predictors.get(row.task)
    )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="medlens-case-{case_id}.pdf"'},
    )
