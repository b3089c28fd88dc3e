"""Time-critical results: a screen-positive whose symptoms began less than the task's
``urgent_window_hours`` ago (herpes zoster: antivirals work best within 72 h of rash onset) is urgent
until the window closes. Task data decide it (:class:`~medlens.tasks.TaskSpec`), never a task name."""

from __future__ import annotations

from datetime import datetime, timedelta

from medlens.tasks.spec import TaskSpec
from medlens.web.errors import AppError

MAX_ONSET_HOURS = 24 * 365 * 5  # five years: anything longer is a typo


def parse_onset_hours(value: str | float | None) -> float | None:
    """Hours since symptom onset from a form field: blank -> None; not a number, negative or absurd -> 400."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        hours = float(value)
    except (TypeError, ValueError):
        raise AppError(400, "error.bad_field", field="onset_hours") from None
    if not (0.0 <= hours <= MAX_ONSET_HOURS):  # also refuses NaN
        raise AppError(400, "error.bad_field", field="onset_hours")
    return hours


def urgent_until(
    spec: TaskSpec, screen_positive: bool | None, onset_hours: float | None, now: datetime
) -> datetime | None:
    """When the urgent window of this result closes, or None when the result is not urgent."""
    window = spec.urgent_window_hours
    if window is None or not screen_positive or onset_hours is None or onset_hours >= window:
        return None
    return now + timedelta(hours=window - onset_hours)


def hours_left(until: datetime | None, now: datetime) -> float | None:
    """Hours until ``until`` (None when there is no window or it has closed)."""
    if until is None:
        return None
    left = (until - now).total_seconds() / 3600
    return left if left > 0 else None
