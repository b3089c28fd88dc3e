"""The after-upload work (heatmap file, ABCD features) in a bounded queue with one worker thread, and
recovery at start-up.

What is still to do is recorded in the database (``heatmap_pending`` / ``needs_lesion`` on the case),
not only in memory: a full queue drops the job (the next read of the case, or the next start, does it),
and a crash or restart loses nothing: at start-up the worker first finds the newest
:data:`RECOVER_LIMIT` cases with work left and finishes them (the heatmap recomputed by the model that
made the case). With several worker processes each runs its own queue; the work is idempotent.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from medlens.db import Case
from medlens.tasks import get_task, list_tasks
from medlens.web.services import enrich
from medlens.web.services.storage import ImageStore

log = logging.getLogger(__name__)

QUEUE_SIZE = 256
RECOVER_LIMIT = 2000
_STOP = object()


class EnrichQueue:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        store: ImageStore,
        predictors: dict[str, Any],
        maxsize: int = QUEUE_SIZE,
    ) -> None:
        self.session_factory = session_factory
        self.store = store
        self.predictors = predictors
        self.jobs: queue.Queue[Any] = queue.Queue(maxsize=maxsize)
        self.recovered = 0
        self.recovery_done = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="medlens-enrich", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the queued jobs (up to ``timeout``) and stop; what is left stays pending in the DB."""
        if self._thread is None:
            return
        try:
            self.jobs.put(_STOP, timeout=timeout)
        except queue.Full:
            log.warning("enrich queue still full at shutdown; the rest is done at the next start")
        self._thread.join(timeout)
        self._thread = None

    def submit(self, case_id: int, overlay: Any = None) -> bool:
        """Queue a case's work; False when the queue is full (the work stays pending in the database)."""
        try:
            self.jobs.put_nowait((case_id, overlay))
            return True
        except queue.Full:
            log.warning("enrich queue full: case %s left pending (done on its next read or restart)", case_id)
            return False

    def join(self) -> None:
        """Wait until start-up recovery and every queued job are done (tests, shutdown)."""
        self.recovery_done.wait()
        self.jobs.join()

    def finish(self, case_id: int, overlay: Any = None) -> None:
        with self.session_factory() as db:
            row = db.get(Case, case_id)
            if row is None:
                return
            enrich.ensure_heatmap(db, self.store, row, self.predictors.get(row.task), overlay)
            enrich.ensure_lesion(db, self.store, row)

    def pending_ids(self) -> list[int]:
        """The newest cases (at most RECOVER_LIMIT) whose heatmap or ABCD features are still to do."""
        lesion_tasks = [t for t in list_tasks() if get_task(t).modality_info.lesion_analysis]
        query = (
            select(Case)
            .where(or_(Case.heatmap_sha256.is_(None), Case.task.in_(lesion_tasks)))
            .order_by(Case.id.desc())
            .limit(RECOVER_LIMIT)
        )
        with self.session_factory() as db:
            return [row.id for row in db.scalars(query) if enrich.needs_enrichment(row)]

    def _run(self) -> None:
        try:
            for case_id in self.pending_ids():
                self._safely(case_id, None)
                self.recovered += 1
            if self.recovered:
                log.info("finished the pending work of %d case(s) left from before the start", self.recovered)
        except Exception:
            log.exception("start-up recovery of pending case work failed")
        finally:
            self.recovery_done.set()
        while True:
            job = self.jobs.get()
            try:
                if job is _STOP:
                    return
                self._safely(*job)
            finally:
                self.jobs.task_done()

    def _safely(self, case_id: int, overlay: Any) -> None:
        try:
            self.finish(case_id, overlay)
        except Exception:  # one bad case must not stop the worker; it stays pending
            log.exception("case %s: after-upload work failed", case_id)
