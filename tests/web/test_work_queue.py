"""Issue 11, finding 9: the after-upload work (heatmap file, ABCD features) runs in a bounded queue, and
work left pending by a crash or restart is found and finished at the next start."""

from __future__ import annotations

from fastapi.testclient import TestClient

from medlens.db import Case
from medlens.web.app import create_app
from medlens.web.services import enrich
from medlens.web.services.work_queue import EnrichQueue

from .conftest import photo_bytes, upload


def _row(settings, case_id: int) -> Case:
    from medlens.db import make_engine, make_session_factory

    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as db:
            return db.get(Case, case_id)
    finally:
        engine.dispose()


def test_upload_work_is_done_by_the_queue(client, make_account):
    pat = make_account()
    case = upload(client, pat, photo_bytes()).json()
    queue = client.app.state.medlens.enrich_queue
    queue.join()
    row = _row(client.app.state.medlens.settings, case["id"])
    assert row.heatmap_sha256 is not None and "lesion" in row.prediction and not enrich.needs_enrichment(row)


def test_pending_work_survives_a_restart(settings, client, make_account, monkeypatch):
    """A 'crash' right after the upload (the queue drops the job), then a new start finishes it."""
    pat = make_account()
    monkeypatch.setattr(EnrichQueue, "submit", lambda self, case_id, overlay=None: False)  # lost job
    case = upload(client, pat, photo_bytes()).json()
    assert enrich.needs_enrichment(_row(settings, case["id"]))
    monkeypatch.undo()
    with TestClient(create_app(settings)) as restarted:
        queue = restarted.app.state.medlens.enrich_queue
        queue.join()
        assert queue.recovered >= 1
    row = _row(settings, case["id"])
    assert row.heatmap_sha256 is not None and "lesion" in row.prediction


def test_queue_is_bounded(settings, client):
    state = client.app.state.medlens
    small = EnrichQueue(state.session_factory, state.store, state.predictors, maxsize=2)  # not started
    assert [small.submit(i) for i in range(4)] == [True, True, False, False]
