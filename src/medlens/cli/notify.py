"""medlens CLI: ``notify overdue`` (tell clinicians about cases waiting longer than the setting) and
``notify reminders`` (tell patients that a lesion's next-check date has come)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer

notify_app = typer.Typer(help="Notices to users (in the app and by e-mail).", no_args_is_help=True)


def _run_and_mail(settings: Any, job: Callable[[Any], Any]) -> tuple[Any, str]:
    """Run ``job(db)`` on the migrated database, send the e-mails it returns (``.mails``) when SMTP is
    set; returns the job's result and a line saying what happened to the mail."""
    from medlens.db import make_engine, make_session_factory, upgrade_to_head
    from medlens.web.services.scheduler import send_mails

    upgrade_to_head(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as db:
            done = job(db)
    finally:
        engine.dispose()
    return done, send_mails(settings, done.mails)


@notify_app.command("overdue")
def notify_overdue(
    hours: float | None = typer.Option(
        None, min=0.01, help="Wait after which a case is overdue (default: MEDLENS_REVIEW_WAIT_HOURS)."
    ),
) -> None:
    """Give every active clinician a notice for each case sent to clinicians and unanswered for longer
    than the review-wait setting (once per case), and an e-mail when MEDLENS_SMTP_HOST is set. The web
    service runs it every MEDLENS_JOBS_EVERY_MINUTES; without the service, run it hourly from cron."""
    from medlens.config import get_settings
    from medlens.web.services.notices import notify_overdue as run

    settings = get_settings()
    if hours is not None:
        settings = settings.model_copy(update={"review_wait_hours": hours})
    done, mail = _run_and_mail(settings, lambda db: run(db, settings))
    typer.echo(
        f"{done.cases} case(s) waited over {settings.review_wait_hours:g} h: {done.notices} notice(s), {mail}"
    )


@notify_app.command("reminders")
def notify_reminders(
    today: str | None = typer.Option(
        None, help="The day to remind for, YYYY-MM-DD (default: today in UTC); dates up to it are due."
    ),
) -> None:
    """Give each patient a notice for every followed lesion whose next-check date has come (once per
    date), and an e-mail when MEDLENS_SMTP_HOST is set. The web service runs it every
    MEDLENS_JOBS_EVERY_MINUTES; without the service, run it daily from cron."""
    from datetime import date

    from medlens.config import get_settings
    from medlens.web.services.reminders import notify_reminders as run

    try:
        day = date.fromisoformat(today) if today else None
    except ValueError as exc:
        raise typer.BadParameter(f"not a date (YYYY-MM-DD): {today}", param_hint="--today") from exc
    settings = get_settings()
    done, mail = _run_and_mail(settings, lambda db: run(db, settings, day))
    typer.echo(f"{done.notices} lesion check(s) due: {mail}")


def register(app: typer.Typer) -> None:
    app.add_typer(notify_app, name="notify")
