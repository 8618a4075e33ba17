"""How the pages write values people read: one duration style for every table, card and report."""

from __future__ import annotations

import math


def duration(minutes: float | None) -> str:
    """Minutes as people say them: "45 min", "1 h 35 min", "2 d 3 h" (the largest two units, the
    smaller one left out when it is zero). A column of durations then reads in one style instead of
    mixing "105 min" and "38.0 h"; "–" when there is no value."""
    if minutes is None or not math.isfinite(minutes) or minutes < 0:
        return "–"
    total = round(minutes)
    if total < 1:
        return "< 1 min" if minutes > 0 else "0 min"
    days, rest = divmod(total, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def month_name(key: str | None) -> str:
    """A month key as people write it: "2026-11" → "November 2026"; anything else as it is."""
    if not key:
        return ""
    year, _, month = key.partition("-")
    if year.isdigit() and month.isdigit() and 1 <= int(month) <= 12:
        return f"{MONTHS[int(month) - 1]} {year}"
    return key
