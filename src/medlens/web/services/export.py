"""Export clinician-confirmed cases as an ImageFolder dataset zip (``<class>/<sha>.jpg|png`` + labels.csv)."""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from typing import IO

from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from medlens.db import Case, User
from medlens.tasks import get_task
from medlens.web.errors import AppError
from medlens.web.services import audit
from medlens.web.services.storage import ImageStore
from medlens.web.services.users import require_role


def export_confirmed(db: Session, store: ImageStore, admin: User, task: str) -> tuple[IO[bytes], int]:
    """Zip (spooled temp file, rewound) of confirmed cases of ``task`` and the number of images in it.

    Readable by ``medlens train --dataset imagefolder`` after unzipping (one folder per class).
    """
    require_role(admin, "admin")
    try:
        spec = get_task(task)
    except ValueError as exc:
        raise AppError(404, "error.unknown_task", task=task) from exc
    rows = list(
        db.scalars(select(Case).where(Case.task == task, Case.feedback_label.is_not(None)).order_by(Case.id))
    )
    out: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=64 * 1024 * 1024)  # noqa: SIM115 (returned open)
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(["file", "label", "case_id", "predicted_label", "sex", "age_group", "body_site", "model"])
    written: set[str] = set()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as zf:
        for row in rows:
            label = row.feedback_label or ""
            if label not in spec.classes:
                continue
            name = f"{label}/{row.image_sha256}{store.suffix(row.image_sha256)}"
            if name not in written:
                zf.writestr(name, store.read(row.image_sha256))
                written.add(name)
            writer.writerow(
                [
                    name,
                    label,
                    row.id,
                    row.predicted_label,
                    row.sex,
                    row.age_group,
                    row.body_site,
                    f"{row.model_name}:{row.model_version}",
                ]
            )
        zf.writestr("labels.csv", table.getvalue())
    audit.record(db, admin, "export", detail=f"task={task} images={len(written)}")
    db.commit()
    out.seek(0)
    return out, len(written)


async def export_download(db: Session, store: ImageStore, admin: User, task: str) -> StreamingResponse:
    """:func:`export_confirmed` run in a worker thread, as a zip download (``X-Medlens-Images``: image count)."""
    fileobj, n = await run_in_threadpool(export_confirmed, db, store, admin, task)
    return StreamingResponse(
        fileobj,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="medlens-{task}-confirmed.zip"',
            "X-Medlens-Images": str(n),
        },
    )
