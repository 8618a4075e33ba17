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
