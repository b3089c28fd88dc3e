"""A user's own data: export everything as a zip, and (patients) delete the account with every case and
image. Both are audited; the deletion's audit row and the account's earlier rows keep no personal data."""

from __future__ import annotations

import json
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, selectinload

from medlens.db import AuditLog, AuthSession, Case, Lesion, LoginThrottle, Notice, Reply, User
from medlens.web.errors import AppError, forbidden
from medlens.web.security import verify_password
from medlens.web.services import audit, throttle
from medlens.web.services.erasure import erase_cases, remove_files
from medlens.web.services.storage import ImageStore


def _utc(value: datetime | None) -> str | None:
    return None if value is None else value.replace(tzinfo=UTC).isoformat()


def _profile(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "language": user.language,
        "created_at": _utc(user.created_at),
        "consent_at": _utc(user.consent_at),
        "consent_version": user.consent_version,
    }


def _case_record(row: Case, files: dict[str, str]) -> dict[str, Any]:
    return {
        "id": row.id,
        "task": row.task,
        "created_at": _utc(row.created_at),
        "sex": row.sex,
        "age_group": row.age_group,
        "body_site": row.body_site,
        "symptom_onset": row.symptom_onset,
        "onset_hours": row.onset_hours,
        "predicted_label": row.predicted_label,
        "prediction": row.prediction,
        "risk": row.risk,
        "uncertainty": row.uncertainty,
        "model": f"{row.model_name} v{row.model_version}",
        "status": row.status,
        "submitted_at": _utc(row.submitted_at),
        "patient_note": row.patient_note,
        "lesion_id": row.lesion_id,
        "feedback_label": row.feedback_label,
        "image_file": files.get("image"),
        "heatmap_file": files.get("heatmap"),
        "replies": [
            {"author": r.author.name or r.author.role, "body": r.body, "at": _utc(r.created_at)}
            for r in row.replies
        ],
    }


def _lesion_record(lesion: Lesion, case_ids: list[int]) -> dict[str, Any]:
    return {
        "id": lesion.id,
        "label": lesion.label,
        "body_site": lesion.body_site,
        "created_at": _utc(lesion.created_at),
        "next_check": lesion.next_check.isoformat() if lesion.next_check else None,
        "case_ids": case_ids,
    }


def export_own_data(db: Session, store: ImageStore, user: User) -> tuple[IO[bytes], int]:
    """Zip (spooled temp file, rewound) of everything stored about ``user``: ``profile.json``,
    ``cases.json`` (results, answers), ``lesions.json`` (followed lesions: site, nickname, next check, their
    cases) and ``images/`` (uploads and heatmaps); and the number of cases."""
    rows = list(
        db.scalars(
            select(Case)
            .where(Case.owner_id == user.id)
            .order_by(Case.id)
            .options(selectinload(Case.replies).selectinload(Reply.author))
        )
    )
    out: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=64 * 1024 * 1024)  # noqa: SIM115 (returned open)
    records = []
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for row in rows:
            files: dict[str, str] = {}
            for kind, sha in (("image", row.image_sha256), ("heatmap", row.heatmap_sha256)):
                if not sha:
                    continue
                try:
                    name = f"images/case-{row.id}-{kind}{store.suffix(sha)}"
                    zf.writestr(name, store.read(sha))
                except FileNotFoundError:
                    continue
                files[kind] = name
            records.append(_case_record(row, files))
        zf.writestr("profile.json", json.dumps(_profile(user), ensure_ascii=False, indent=1))
        zf.writestr("cases.json", json.dumps(records, ensure_ascii=False, indent=1))
        own = db.scalars(select(Lesion).where(Lesion.owner_id == user.id).order_by(Lesion.id))
        followed = [_lesion_record(x, [r.id for r in rows if r.lesion_id == x.id]) for x in own]
        zf.writestr("lesions.json", json.dumps(followed, ensure_ascii=False, indent=1))
    audit.record(db, user, "data_export", detail=f"cases={len(rows)}")
    db.commit()
    out.seek(0)
    return out, len(rows)


async def export_download(db: Session, store: ImageStore, user: User) -> StreamingResponse:
    """:func:`export_own_data` in a worker thread, as a zip download (``X-Medlens-Cases``: case count)."""
    fileobj, n = await run_in_threadpool(export_own_data, db, store, user)
    return StreamingResponse(
        fileobj,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="medlens-my-data-{user.id}.zip"',
            "X-Medlens-Cases": str(n),
        },
    )


@dataclass(frozen=True)
class Deleted:
    cases: int
    files: int


def delete_account(db: Session, store: ImageStore, user: User, password: str, confirm: bool) -> Deleted:
    """Delete a patient's account for good: every case, reply, followed lesion, stored image and heatmap
    no other case uses, every session, the login-throttle entry. Staff get 403 (an admin deactivates them instead).
    The password must be entered again (400) and the deletion confirmed (400).

    The audit log keeps its rows (who viewed which case when) without personal data: the account's rows
    lose their user link and its e-mail address is replaced by ``user#<id>``; one ``account_delete`` row
    records the counts."""
    if user.role != "patient":
        raise forbidden()
    if not verify_password(user.password_hash, password):
        raise AppError(400, "error.bad_current_password", field="password")
    if not confirm:
        raise AppError(400, "error.confirm_required", field="confirm")
    uid, email, alias = user.id, user.email, f"user#{user.id}"
    case_ids = list(db.scalars(select(Case.id).where(Case.owner_id == uid)))
    orphans = erase_cases(db, case_ids)
    db.execute(delete(Reply).where(Reply.author_id == uid))
    db.execute(delete(Lesion).where(Lesion.owner_id == uid))
    db.execute(delete(AuthSession).where(AuthSession.user_id == uid))
    db.execute(delete(Notice).where(Notice.user_id == uid))
    db.execute(delete(LoginThrottle).where(LoginThrottle.key == throttle.keys(email, None)[0]))
    db.execute(
        update(AuditLog)
        .where(AuditLog.detail.contains(email, autoescape=True))
        .values(detail=func.replace(AuditLog.detail, email, alias))
    )
    db.execute(update(AuditLog).where(AuditLog.user_id == uid).values(user_id=None))
    db.expunge(user)
    db.execute(delete(User).where(User.id == uid))
    audit.record(db, None, "account_delete", detail=f"{alias} cases={len(case_ids)} files={len(orphans)}")
    db.commit()
    return Deleted(len(case_ids), remove_files(store, orphans))
