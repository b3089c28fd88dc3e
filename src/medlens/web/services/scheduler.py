"""The web service's built-in schedule: the periodic jobs that would otherwise need cron.

Every ``MEDLENS_JOBS_EVERY_MINUTES`` (default 60; 0 turns the schedule off) the service runs

- ``notify_overdue``: clinicians are told about cases waiting longer than the review-wait setting
  (``medlens notify overdue``);
- ``notify_reminders``: patients are told that a followed lesion's next-check date has come
  (``medlens notify reminders``);
- ``purge_expired``: cases older than ``MEDLENS_RETENTION_DAYS`` are deleted (``medlens db
  purge-expired``), only when a retention is set.

Each job is idempotent on its own (one notice per case or date), and runs at most once per period
across every server process: a process claims a run with one conditional UPDATE of the job's
``job_runs`` row (``last_run`` moves forward only when it is at least a period old), so four workers
still run each job once. A failing job is logged, its row says so, and it is tried again a period
later; requests are never affected. The CLI commands stay for cron users and for running a job now.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from medlens.config import Settings
from medlens.db import JobRun
from medlens.db.tables import utcnow
from medlens.web.services.mailer import Mail, Mailer
from medlens.web.services.periodic import PeriodicThread

log = logging.getLogger(__name__)

#: a job: runs on a session, commits its own work, returns a one-line summary and e-mails to send after
Job = Callable[[Session], tuple[str, list[Mail]]]
FIRST_DELAY_S = 30.0  # after start-up, before the first look (the models load first)
MAX_TICK_S = 60.0  # how often a process looks whether a period has passed


def send_mails(settings: Settings, mails: list[Mail]) -> str:
    """Send ``mails`` when SMTP is set; a line saying what happened to them."""
    mailer = Mailer.from_settings(settings)
    if not mailer.enabled:
        return "e-mail off (no MEDLENS_SMTP_HOST)"
    return f"{mailer.send_all(mails)} of {len(mails)} e-mail(s) sent"


def claim(db: Session, name: str, period: timedelta, now: datetime | None = None) -> bool:
    """Whether this process may run job ``name`` now: True for exactly one caller per period, however
    many processes ask at once (a conditional UPDATE; the first run inserts the row). Commits."""
    now = now or utcnow()
    moved = db.execute(
        update(JobRun)
        .where(JobRun.name == name, or_(JobRun.last_run.is_(None), JobRun.last_run <= now - period))
        .values(last_run=now)
    )
    if getattr(moved, "rowcount", 0) == 1:
        db.commit()
        return True
    exists = db.get(JobRun, name) is not None
    db.rollback()
    if exists:
        return False
    try:
        db.add(JobRun(name=name, last_run=now, last_result=""))
        db.commit()
    except IntegrityError:  # another process inserted it first: that one runs the job
        db.rollback()
        return False
    return True


def _overdue(settings: Settings) -> Job:
    def run(db: Session) -> tuple[str, list[Mail]]:
        from medlens.web.services.notices import notify_overdue

        done = notify_overdue(db, settings)
        return f"{done.cases} overdue case(s), {done.notices} notice(s)", done.mails

    return run


def _reminders(settings: Settings) -> Job:
    def run(db: Session) -> tuple[str, list[Mail]]:
        from medlens.web.services.reminders import notify_reminders

        done = notify_reminders(db, settings)
        return f"{done.notices} lesion check(s) due", done.mails

    return run


def _purge(settings: Settings, store: Any) -> Job:
    def run(db: Session) -> tuple[str, list[Mail]]:
        from medlens.web.services.retention import purge_expired

        done = purge_expired(db, store, settings.retention_days)
        return f"deleted {done.cases} case(s) and {done.files} file(s)", []

    return run


def default_jobs(settings: Settings, store: Any) -> dict[str, Job]:
    """The jobs the service runs: both notices, and the purge when a retention is set."""
    jobs = {"notify_overdue": _overdue(settings), "notify_reminders": _reminders(settings)}
    if settings.retention_days > 0:
        jobs["purge_expired"] = _purge(settings, store)
    return jobs


class JobScheduler(PeriodicThread):
    """Runs ``jobs`` in a background thread, each at most once per ``period`` across processes."""

    thread_name = "medlens-jobs"

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        settings: Settings,
        jobs: dict[str, Job],
        first_delay_s: float | None = None,
    ) -> None:
        if settings.jobs_every_minutes <= 0:
            raise ValueError("the schedule is off (jobs_every_minutes is 0)")
        self.session_factory, self.settings, self.jobs = session_factory, settings, jobs
        self.period = timedelta(minutes=settings.jobs_every_minutes)
        super().__init__(
            min(MAX_TICK_S, self.period.total_seconds()),
            FIRST_DELAY_S if first_delay_s is None else first_delay_s,
        )

    def run_due(self, now: datetime | None = None) -> dict[str, str]:
        """Run every job whose period has passed and that this process claimed; name -> summary."""
        ran: dict[str, str] = {}
        for name, job in self.jobs.items():
            with self.session_factory() as db:
                if not claim(db, name, self.period, now):
                    continue
                try:
                    summary, mails = job(db)
                    summary = f"{summary}; {send_mails(self.settings, mails)}" if mails else summary
                except Exception as exc:  # a job's failure must not stop the schedule or the service
                    db.rollback()
                    log.exception("scheduled job %s failed", name)
                    summary = f"failed: {type(exc).__name__}"
                db.execute(update(JobRun).where(JobRun.name == name).values(last_result=summary[:300]))
                db.commit()
            log.info("scheduled job %s: %s", name, summary)
            ran[name] = summary
        return ran

    def tick(self) -> None:
        self.run_due()
