"""Upload → stored case: read the photo under a byte limit, then create the case off the event loop.

The one path both the API (``POST /api/v1/cases``) and the patient page (``POST /screen/{task}``) take.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import BackgroundTasks, UploadFile
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from medlens.db import Case, User
from medlens.web.errors import AppError
from medlens.web.services import cases, enrich, users
from medlens.web.state import AppState
from medlens.web.timing import Timings

CHUNK = 1 << 20
# who uploads photos: a staff account's case would be invisible to it (clinicians see only sent cases)
UPLOADER_ROLES = ("patient",)


def require_uploader(role: str) -> None:
    """403 with the reason for a role that does not upload (the screening pages and both upload routes)."""
    if role not in UPLOADER_ROLES:
        raise AppError(403, "error.patients_only")


async def read_limited(upload: UploadFile, max_bytes: int) -> bytes:
    """The upload's bytes; more than ``max_bytes`` -> 413 (the request size is also checked before parsing)."""
    chunks: list[bytes] = []
    total = 0
    while chunk := await upload.read(CHUNK):
        total += len(chunk)
        if total > max_bytes:
            raise AppError(413, "error.too_large", mb=max_bytes // (1024 * 1024))
        chunks.append(chunk)
    return b"".join(chunks)


MAX_KEY = 128


@dataclass(frozen=True)
class Upload:
    """The case an upload made, or (``replayed``) the one an earlier upload with the same key made."""

    row: Case
    replayed: bool = False


def check_key(key: str | None) -> str | None:
    """A client's idempotency key: 1-128 visible ASCII characters (400 otherwise); None without one."""
    if key is None or key == "":
        return None
    if len(key) > MAX_KEY or not all(33 <= ord(c) <= 126 for c in key):
        raise AppError(400, "error.bad_idempotency_key", n=MAX_KEY)
    return key


async def create_case_from_upload(
    db: Session,
    state: AppState,
    user: User,
    inp: cases.CaseInput,
    upload: UploadFile,
    background: BackgroundTasks | None = None,
    timings: Timings | None = None,
    idempotency_key: str | None = None,
) -> Upload:
    """Read ``upload`` (size-limited), run :func:`cases.create_case` in a worker thread, and queue the
    after-response work of :mod:`~medlens.web.services.enrich` on ``background``. With an
    ``idempotency_key`` the user already used, the earlier case comes back instead of a new one."""
    require_uploader(user.role)
    key = check_key(idempotency_key)
    data = await _read(state, upload, timings)
    return await run_in_threadpool(
        _create_once, db, state, user.id, inp, data, upload, timings, key, background
    )


async def create_case_for_token(
    state: AppState,
    token: str,
    inp: cases.CaseInput,
    upload: UploadFile,
    background: BackgroundTasks | None = None,
    timings: Timings | None = None,
    idempotency_key: str | None = None,
) -> Upload:
    """The API upload: like :func:`create_case_from_upload`, but the bearer token is checked in the same
    worker-thread call, with its own session (saves the thread-pool hops of the session and user
    dependencies on the busiest route). 401 for a bad token, as everywhere else."""
    key = check_key(idempotency_key)
    data = await _read(state, upload, timings)

    def work() -> Upload:
        with state.session_factory() as db:
            owner_id, role = users.user_id_for_token(db, state.settings.secret_key, token)
            require_uploader(role)
            if timings is not None:
                timings.lap("auth")
            return _create_once(db, state, owner_id, inp, data, upload, timings, key, background)

    return await run_in_threadpool(work)


async def _read(state: AppState, upload: UploadFile, timings: Timings | None) -> bytes:
    data = await read_limited(upload, state.settings.max_upload_bytes)
    if timings is not None:
        timings.lap("read")
    return data


def _create_once(
    db: Session,
    state: AppState,
    owner_id: int,
    inp: cases.CaseInput,
    data: bytes,
    upload: UploadFile,
    timings: Timings | None,
    key: str | None,
    background: BackgroundTasks | None,
) -> Upload:
    """The earlier case for ``key`` if there is one, else a new case (a concurrent twin that commits
    first wins the unique index; this one then returns the twin's case)."""
    if key is not None and (earlier := cases.case_for_key(db, owner_id, key)) is not None:
        return Upload(earlier, replayed=True)
    try:
        new = cases.create_case(
            db,
            state.store,
            state.predictors,
            owner_id,
            inp,
            data,
            upload.filename,
            upload.content_type,
            state.settings.max_image_pixels,
            timings,
            idempotency_key=key,
            budget=state.decode_budget,
        )
    except IntegrityError:
        earlier = cases.case_for_key(db, owner_id, key) if key is not None else None
        if earlier is None:
            raise
        return Upload(earlier, replayed=True)
    _after_response(state, new, background)
    return Upload(new.row)


def _after_response(state: AppState, new: cases.NewCase, background: BackgroundTasks | None) -> None:
    """Hand the heatmap file and ABCD features to the bounded work queue once the response is sent
    (:mod:`~medlens.web.services.work_queue`); without a queue, a background task does them."""
    if not enrich.needs_enrichment(new.row):
        return
    queue = state.enrich_queue
    if queue is not None:
        if background is not None:
            background.add_task(queue.submit, new.row.id, new.overlay)
        else:
            queue.submit(new.row.id, new.overlay)
    elif background is not None:
        background.add_task(enrich.enrich_case, state.session_factory, state.store, new.row.id, new.overlay)
