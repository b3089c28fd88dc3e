"""Screening cases: create (decode → predict → store, all or nothing), visibility, submit, review, reply."""

from __future__ import annotations

import logging
import math
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from medlens.data.dicom import is_lateral
from medlens.db import Case, Reply, User
from medlens.db.tables import utcnow
from medlens.quality import assess_quality
from medlens.quality.model_gate import ModelGate
from medlens.tasks import Text, get_task
from medlens.web.errors import AppError, not_found
from medlens.web.services import audit, lesions, notices
from medlens.web.services.case_input import AGE_GROUPS as AGE_GROUPS
from medlens.web.services.case_input import BODY_SITES as BODY_SITES
from medlens.web.services.case_input import ONSETS as ONSETS
from medlens.web.services.case_input import SEXES as SEXES
from medlens.web.services.case_input import CaseInput
from medlens.web.services.decode_budget import DecodeBudget, estimated_cost
from medlens.web.services.enrich import HEATMAP_KEY, HEATMAP_PENDING, ensure_lesion, still_referenced
from medlens.web.services.images import decode_upload
from medlens.web.services.storage import ImageStore
from medlens.web.services.urgency import urgent_until
from medlens.web.services.users import require_role
from medlens.web.state import PredictorLike
from medlens.web.timing import Timings

log = logging.getLogger(__name__)

RISK_RANK = {"high": 3, "moderate": 2, "low": 1}
MAX_REPLY = 5000
MAX_NOTE = 1000  # the patient's note to the clinician
_INSERT_CASE = insert(Case).returning(Case.id)


def check_quality(
    rgb: Any,
    modality: str,
    model_input: int | None = None,
    study: dict[str, str] | None = None,
    card: Any = None,
) -> dict[str, Any] | None:
    """Capture-quality gate (``medlens.quality``): a bad photo is refused with retake advice (422).

    ``model_input`` (the model's input side) lowers the size limit for models trained on small images;
    ``study`` (a DICOM upload's study facts) refuses a film whose header names a lateral view; ``card``
    (the model's card) supplies the blur / contrast / brightness limits derived from its robustness curves.
    """
    report = assess_quality(
        rgb,
        modality,
        min_side=model_input,
        lateral=is_lateral(study or {}),
        model_gate=ModelGate.from_card(card),
    )
    if not report.ok:
        raise AppError(422, "error.bad_quality", issues=Text(en=report.advice("en"), ko=report.advice("ko")))
    return report.to_dict()


def _input_size(predictor: PredictorLike) -> int | None:
    size = getattr(getattr(predictor.card, "preprocessing", None), "input_size", None)
    return int(size) if isinstance(size, int) else None


def normalized_entropy(probs: dict[str, float]) -> float:
    """Model uncertainty in 0..1 (1 = uniform)."""
    p = [v for v in probs.values() if v > 0]
    if len(probs) < 2:
        return 0.0
    return float(-sum(v * math.log(v) for v in p) / math.log(len(probs)))


def stored_risk(pred: Any) -> str:
    """The risk level a case is stored (and queued) with: the model's band, but a result that abstains
    (a conformal set of several classes, or an out-of-distribution or far-from-every-source photo) is at
    least ``moderate``:
    "see a clinician" is never queued as low risk (see :mod:`medlens.web.services.message`)."""
    risk = pred.risk_level or ""
    abstains = bool(pred.ood) or bool(getattr(pred, "source_ood", None)) or len(pred.prediction_set or []) > 1
    if risk and abstains and RISK_RANK.get(risk, 0) < RISK_RANK["moderate"]:
        return "moderate"
    return risk


@dataclass(frozen=True)
class NewCase:
    """A committed case (a transient ``Case`` holding its stored values) and its heatmap overlay, which
    is stored after the response."""

    row: Case
    overlay: Any = None  # H x W x 3 uint8, or None when the model gives no heatmap


def create_case(
    db: Session,
    store: ImageStore,
    predictors: dict[str, PredictorLike],
    owner_id: int,
    inp: CaseInput,
    data: bytes,
    filename: str | None,
    content_type: str | None,
    max_pixels: int,
    timings: Timings | None = None,
    idempotency_key: str | None = None,
    budget: DecodeBudget | None = None,
) -> NewCase:
    """Decode, predict, store the image and commit the case. Nothing is left behind on failure.

    ``idempotency_key`` is stored with the case (unique per owner): a concurrent duplicate fails the
    insert with ``IntegrityError`` (see :mod:`medlens.web.services.uploads`).

    ``timings`` receives the wall time of each stage (decode, quality, model, store, db).

    CPU-bound: call it from a worker thread (``run_in_threadpool``), never on the event loop. The
    heatmap overlay is returned, not stored, and ABCD lesion features are not computed here: both
    follow after the response (:mod:`medlens.web.services.enrich`).

    The case and its audit row are written with two Core ``INSERT`` statements on the session's
    connection: with the account check, 1.1-1.2 ms around a Predictor call after an idle gap, against
    2.1-2.3 ms through the ORM (``benchmarks/upload_path.py``). The returned row is a transient ``Case``
    with the stored values, for presenting.
    """
    clock = timings if timings is not None else Timings()
    inp.validate(predictors)
    # the lesion is checked before any pixel work (someone else's lesion: 404) and written with the case
    lesion = lesions.resolve(db, owner_id, inp.lesion) if inp.lesion is not None else None
    predictor = predictors[inp.task]
    spec = get_task(inp.task)
    # the pixel work (decode, quality gate, model) holds its share of the decode memory budget
    with budget.hold(estimated_cost(data)) if budget is not None else nullcontext():
        upload = decode_upload(data, filename, content_type, spec.modality_info.accepts_dicom, max_pixels)
        rgb = upload.rgb
        clock.lap("decode")
        quality = check_quality(rgb, spec.modality, _input_size(predictor), upload.study, predictor.card)
        study = upload.study
        clock.lap("quality")
        try:
            pred = predictor.predict(rgb, cam=True)
        except ValueError as exc:
            raise AppError(400, "error.cannot_predict") from exc
        stored = upload.stored
        del rgb, upload  # the full-size pixels go before the budget is released
    clock.lap("model")
    record = {k: v for k, v in pred.to_dict("en").items() if k not in ("risk_label", "advice")}
    if quality is not None:
        record["quality"] = quality
    if study:
        record["study"] = study
    overlay = getattr(pred, "overlay", None)
    if overlay is not None:
        record[HEATMAP_KEY] = HEATMAP_PENDING
    created: list[str] = []
    try:
        sha, new = store.put(stored)
        if new:
            created.append(sha)
        clock.lap("store")
        card = predictor.card
        now = utcnow()
        values: dict[str, Any] = {
            "owner_id": owner_id,
            "task": inp.task,
            "sex": inp.sex,
            "age_group": inp.age_group,
            # a followed lesion's site (marked on the body map) says where the photo is
            "body_site": lesions.CASE_SITE[lesion.site] if lesion is not None else inp.body_site,
            "symptom_onset": inp.symptom_onset,
            "onset_hours": inp.onset_hours,
            "urgent_until": urgent_until(spec, pred.screen_positive, inp.onset_hours, now),
            "image_sha256": sha,
            "heatmap_sha256": None,
            "prediction": record,
            "predicted_label": pred.label,
            "model_name": card.name,
            "model_version": str(card.version),
            "risk": stored_risk(pred),
            "uncertainty": normalized_entropy(pred.probabilities),
            "status": "new",
            "submitted_at": None,
            "feedback_label": None,
            "created_at": now,
            "updated_at": now,
            "idempotency_key": idempotency_key,
            "lesion_id": None,
        }
        conn = db.connection()
        lesion_new = False
        if lesion is not None:
            values["lesion_id"], lesion_new = lesions.link(conn, owner_id, lesion, now)
        case_id = conn.execute(_INSERT_CASE, values).scalar_one()
        audit.insert_row(conn, owner_id, "create", case_id, f"task={inp.task} label={pred.label}")
        if lesion is not None:
            what = f"new site={lesion.site}" if lesion_new else "same"
            audit.insert_row(conn, owner_id, "lesion", case_id, f"lesion={values['lesion_id']} {what}")
        db.commit()
        clock.lap("db")
    except BaseException:
        db.rollback()
        for digest in created:
            if not still_referenced(db, digest):
                store.delete(digest)
        raise
    return NewCase(_committed_case(case_id, values), overlay)


def _committed_case(case_id: int, values: dict[str, Any]) -> Case:
    """A ``Case`` holding a just-written row's values as its committed state (what loading it would give;
    no change events, cheaper than the constructor)."""
    row = Case()
    for key, value in {**values, "id": case_id, "replies": []}.items():
        set_committed_value(row, key, value)
    return row


def case_for_key(db: Session, owner_id: int, key: str) -> Case | None:
    """The owner's case made with this idempotency key, replies loaded (usable after the session)."""
    query = (
        select(Case)
        .where(Case.owner_id == owner_id, Case.idempotency_key == key)
        .options(selectinload(Case.replies).selectinload(Reply.author))
    )
    return db.scalars(query).first()


def visible_case(db: Session, user: User, case_id: int) -> Case:
    """The case if ``user`` may see it: patients their own, clinicians submitted ones, admins all. Else 404."""
    row = db.get(Case, case_id)
    if row is None:
        raise not_found()
    if user.role == "admin":
        return row
    if user.role == "clinician" and row.submitted_at is not None:
        return row
    if user.role == "patient" and row.owner_id == user.id:
        return row
    raise not_found()


def view_case(db: Session, store: ImageStore, user: User, case_id: int) -> Case:
    """Visible case + audit row, lesion features filled in; a clinician opening a new submitted case moves it
    to in_review."""
    row = visible_case(db, user, case_id)
    if user.role == "clinician" and row.status == "new":
        row.status = "in_review"
        audit.record(db, user, "status", row.id, "new->in_review")
    audit.record(db, user, "view", row.id)
    db.commit()
    ensure_lesion(db, store, row)
    return row


def read_case(db: Session, user: User, case_id: int, action: str, detail: str = "") -> Case:
    """:func:`visible_case`, audited as ``action`` (``pdf``, ``image``, ``heatmap``, ``care``); committed."""
    row = visible_case(db, user, case_id)
    audit.record(db, user, action, row.id, detail)
    db.commit()
    return row


def image_case(db: Session, user: User, case_id: int, thumb: bool) -> Case:
    """:func:`visible_case` for its photo: audited as ``image``, and a thumbnail as ``thumb`` when anyone but
    the owner reads it (a clinician could otherwise fetch any sent photo by id without a trace); committed."""
    row = visible_case(db, user, case_id)
    if not thumb or row.owner_id != user.id:
        audit.record(db, user, "thumb" if thumb else "image", row.id)
        db.commit()
    return row


def _audit_list(db: Session, user: User, action: str, rows: list[Case]) -> None:
    """One audit row for a list of cases read at once (their ids in the detail); committed."""
    audit.record_ids(db, user, action, [r.id for r in rows])
    db.commit()


def same_photo_cases(db: Session, user: User, row: Case, limit: int = 10) -> list[Case]:
    """The owner's cases of *other* tests on the same stored photo (for the one-message rule). Anyone but
    the owner (clinicians, admins) sees only those the patient sent, as for the earlier cases beside a
    review: a test the patient kept to themselves must not show through another case's message."""
    q = (
        select(Case)
        .where(
            Case.image_sha256 == row.image_sha256,
            Case.owner_id == row.owner_id,
            Case.task != row.task,
            Case.id != row.id,
        )
        .order_by(Case.id.desc())
        .limit(limit)
    )
    if user.id != row.owner_id:
        q = q.where(Case.submitted_at.is_not(None))
    return list(db.scalars(q))


def list_cases(db: Session, user: User, limit: int = 200) -> list[Case]:
    """Patients: their own cases; clinicians: submitted ones; admins: all (newest first). Audited."""
    q = select(Case).order_by(Case.created_at.desc(), Case.id.desc()).limit(limit)
    if user.role == "patient":
        q = q.where(Case.owner_id == user.id)
    elif user.role == "clinician":
        q = q.where(Case.submitted_at.is_not(None))
    rows = list(db.scalars(q))
    _audit_list(db, user, "list", rows)
    return rows


def clean_note(note: str | None) -> str | None:
    """The patient's note: trimmed, control characters (but line breaks) dropped, None when empty; longer
    than :data:`MAX_NOTE` -> 400."""
    text = "".join(ch for ch in (note or "") if ch in "\n\t" or ch.isprintable()).strip()
    if len(text) > MAX_NOTE:
        raise AppError(400, "error.long_note", n=MAX_NOTE, field="note")
    return text or None


def submit_case(db: Session, user: User, case_id: int, note: str | None = None) -> Case:
    """Owner sends the case to clinicians, with an optional note for them (idempotent: a second send
    changes nothing, the first note stays)."""
    row = visible_case(db, user, case_id)
    if row.owner_id != user.id:
        raise not_found()
    text = clean_note(note)
    if row.submitted_at is None:
        row.submitted_at = utcnow()
        row.status = "new"
        row.patient_note = text
        audit.record(db, user, "submit", row.id)
        db.commit()
    return row


VERDICTS = ("agree", "cannot_assess")  # besides correcting to another class


def check_verdict(row: Case, feedback_label: str | None) -> str:
    """The label a clinician's verdict records: ``agree`` -> the model's label, another class as given,
    ``cannot_assess`` as is. A verdict is required (422), and "correct to" the model's own label is not
    a correction (400)."""
    verdict = (feedback_label or "").strip()
    if not verdict:
        raise AppError(422, "error.verdict_required")
    if verdict == "agree":
        return row.predicted_label
    if verdict == "cannot_assess":
        return verdict
    spec = get_task(row.task)
    if verdict not in spec.classes:
        raise AppError(400, "error.bad_label", label=verdict)
    if verdict == row.predicted_label:
        raise AppError(400, "error.correct_to_own", label=spec.class_title(verdict, "en"))
    return verdict


def reply_case(db: Session, user: User, case_id: int, body: str, feedback_label: str | None) -> Case:
    """Clinician answer: reply text + a required verdict (agree / correct to another class / cannot
    assess); status becomes answered."""
    require_role(user, "clinician", "admin")
    row = visible_case(db, user, case_id)
    if row.submitted_at is None:  # an admin sees every case, but only a sent one is anyone's to answer
        raise AppError(409, "error.not_submitted")
    body = body.strip()
    if not body:
        raise AppError(400, "error.empty_reply")
    if len(body) > MAX_REPLY:
        raise AppError(400, "error.long_reply", n=MAX_REPLY)
    row.feedback_label = check_verdict(row, feedback_label)
    db.add(Reply(case_id=row.id, author_id=user.id, body=body))
    old = row.status
    row.status = "answered"
    row.updated_at = utcnow()
    notices.add_reply_notice(db, row)  # committed with the reply: never one without the other
    audit.record(db, user, "reply", row.id, f"{old}->answered label={row.feedback_label}")
    db.commit()
    db.refresh(row)
    return row
