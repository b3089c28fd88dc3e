"""How numbers and times are shown to people: a model probability is never "100 %" or "0 %"; a stored
time always says its zone (UTC).

A calibrated probability of 0.999 still leaves room for error, and the page says so beside a
disclaimer; printing "100 %" would contradict it. Probabilities are rounded to whole percents and
bounded: above 99 % reads "> 99 %", below 1 % reads "< 1 %".
"""

from __future__ import annotations

import math
from datetime import datetime

LOW, HIGH = 1, 99  # whole percents shown as they are; outside them the bound is shown
NO_TIME = "-"


def utc_time(value: datetime | None, seconds: bool = True) -> str:
    """A stored (naive UTC) time as ``YYYY-MM-DD HH:MM[:SS] UTC``."""
    if value is None:
        return NO_TIME
    return value.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M") + " UTC"


def format_probability(p: float | None) -> str:
    """``0.42`` -> ``"42 %"``; ``0.996`` -> ``"> 99 %"``; ``0.004`` -> ``"< 1 %"``; None/NaN -> ``"–"``."""
    if p is None or not math.isfinite(p):
        return "–"
    shown = math.floor(100 * float(p) + 0.5)  # half up (Python's round is half-even)
    if shown > HIGH:
        return f"> {HIGH} %"
    if shown < LOW:
        return f"< {LOW} %"
    return f"{shown} %"


def format_duration(hours: float | None, lang: str) -> str:
    """A waiting time people read at a glance: ``"< 1 min"``, ``"45 min"``, ``"3 h 20 min"``, ``"2 d 4 h"``
    (Korean: ``"3시간 20분"``)."""
    if hours is None or not math.isfinite(hours):
        return "–"
    minutes = max(0, int(hours * 60))
    d, rem = divmod(minutes, 24 * 60)
    h, m = divmod(rem, 60)
    unit = _UNITS["ko" if lang == "ko" else "en"]
    if minutes < 1:
        return unit["under_minute"]
    if d:
        return f"{d}{unit['d']} {h}{unit['h']}".strip()
    if h:
        return f"{h}{unit['h']} {m}{unit['m']}"
    return f"{m}{unit['m']}"


_UNITS = {
    "en": {"d": " d", "h": " h", "m": " min", "under_minute": "< 1 min"},
    "ko": {"d": "일", "h": "시간", "m": "분", "under_minute": "1분 미만"},
}
