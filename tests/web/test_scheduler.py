"""The web service's built-in schedule (``medlens.web.services.scheduler``): the periodic notices (and
the purge, with a retention) run without cron, each at most once per period across worker processes,
and a failing job neither stops the others nor the service."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from medlens.db import JobRun, Lesion, Notice
from medlens.db.tables import utcnow
from medlens.web.services import scheduler
from medlens.web.services.scheduler import JobScheduler, claim, default_jobs

from .conftest import _wipe
from .test_notices import _body, mail_client, smtp  # noqa: F401 (fixtures)

HOUR = timedelta(hours=1)


def _factory(client):  # type: ignore[no-untyped-def]
    return client.app.state.medlens.session_factory


def test_claim_is_granted_once_per_period(client) -> None:
    factory, now = _factory(client), utcnow()
    with factory() as a, factory() as b:  # two processes asking at the same moment
        assert claim(a, "job", HOUR, now) is True  # the first ever run inserts the row
        assert claim(b, "job", HOUR, now) is False
        assert claim(b, "job", HOUR, now + timedelta(minutes=59)) is False
        assert claim(b, "job", HOUR, now + HOUR) is True  # a period later: one of them again
        assert claim(a, "job", HOUR, now + HOUR) is False
        assert claim(a, "other", HOUR, now) is True  # each job has its own row
    with factory() as db:
        assert db.get(JobRun, "job").last_run == now + HOUR


def test_due_reminder_and_overdue_case_are_told_once_across_two_workers(
    mail_client,  # noqa: F811
    make_account,
    smtp,  # noqa: F811
) -> None:
    inbox, _ = smtp
    state = mail_client.app.state.medlens
    settings = state.settings.model_copy(update={"jobs_every_minutes": 60})
    pat = make_account("patient")
    with state.session_factory() as db:
        db.add(Lesion(owner_id=pat.id, body_site="back", label="", next_check=utcnow().date()))
        db.commit()
    one = JobScheduler(state.session_factory, settings, default_jobs(settings, state.store))
    two = JobScheduler(state.session_factory, settings, default_jobs(settings, state.store))
    assert set(one.jobs) == {"notify_overdue", "notify_reminders"}  # no purge without a retention
    ran = one.run_due()
    assert ran["notify_reminders"] == "1 lesion check(s) due; 1 of 1 e-mail(s) sent"
    assert ran["notify_overdue"].startswith("0 overdue case(s)")
    assert two.run_due() == {}  # the other worker finds both claimed
    later = two.run_due(utcnow() + HOUR)  # a period later the other worker may run them; nothing new is due
    assert later["notify_reminders"] == "0 lesion check(s) due"
    with state.session_factory() as db:
        kinds = db.scalars(select(Notice.kind).where(Notice.user_id == pat.id)).all()
        assert kinds == ["reminder"]
        assert db.get(JobRun, "notify_reminders").last_result == "0 lesion check(s) due"
    assert len(inbox.messages) == 1 and "check date" in inbox.messages[0]["Subject"]


def test_a_failing_job_is_recorded_and_the_others_still_run(client) -> None:
    state = client.app.state.medlens
    settings = state.settings.model_copy(update={"jobs_every_minutes": 5, "retention_days": 30})
    calls: list[str] = []

    def boom(db: Any) -> tuple[str, list]:
        raise RuntimeError("database on fire")

    def fine(db: Any) -> tuple[str, list]:
        calls.append("fine")
        return "did it", []

    jobs = JobScheduler(state.session_factory, settings, {"boom": boom, "fine": fine})
    assert jobs.run_due() == {"boom": "failed: RuntimeError", "fine": "did it"}
    assert calls == ["fine"]
    with state.session_factory() as db:
        assert db.get(JobRun, "boom").last_result == "failed: RuntimeError"
    assert "purge_expired" in default_jobs(settings, state.store)  # a retention is set: the purge runs too


def test_the_service_starts_the_schedule_unless_it_is_off(settings, monkeypatch) -> None:
    from fastapi.testclient import TestClient

    from medlens.web.app import create_app

    _wipe(settings.database_url)
    monkeypatch.setattr(scheduler, "FIRST_DELAY_S", 0.05)
    on = settings.model_copy(update={"jobs_every_minutes": 60})
    with TestClient(create_app(on)) as client:
        factory = _factory(client)
        deadline = time.monotonic() + 20
        names: list[str] = []
        while time.monotonic() < deadline and len(names) < 2:
            time.sleep(0.1)
            with factory() as db:
                names = sorted(db.scalars(select(JobRun.name)).all())
        assert names == ["notify_overdue", "notify_reminders"]
        with factory() as db:
            db.query(JobRun).delete()
            db.commit()
    with TestClient(create_app(settings)) as client:  # jobs_every_minutes=0: no schedule
        time.sleep(0.5)
        with _factory(client)() as db:
            assert db.scalar(select(func.count()).select_from(JobRun)) == 0
