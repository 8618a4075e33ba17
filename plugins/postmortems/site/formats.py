"""How the pages write values people read: one duration style for every table, card and report."""

from __future__ import annotations

import math

from ..insight.metrics import RunningMonth


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


# Words written in capitals in a name made of a slug's words.
ACRONYMS = frozenset(
    {"ai", "api", "aws", "cd", "ci", "cdn", "cpu", "css", "db", "dns", "gc", "gcp", "http", "https", "id",
     "io", "ip", "jvm", "mttr", "mtta", "mttd", "oom", "pci", "psp", "sla", "slo", "sql", "ssl", "sso",
     "tcp", "tls", "ttl", "ui", "url", "vpn"}
)  # fmt: skip


def month_label(key: str | None, running: RunningMonth | None) -> str:
    """A month's name, and for the month still running the day its figures go to:
    "November 2026 (to 20 November)"."""
    name = month_name(key)
    if running is None or key != running.month:
        return name
    return f"{name} (to {running.days} {name.split()[0]})"


def same_days(running: RunningMonth) -> str:
    """The days of the month before that the running month is compared with: "1–20 October 2026"."""
    first, last = running.previous_first, running.previous_last
    return f"{first.day}–{last.day} {month_name(running.previous)}"


def label(slug: str | None) -> str:
    """A slug as people read it, one helper for every page: `bundle_with_existing` → "Bundle
    with existing", `connection-pool-exhaustion` → "Connection pool exhaustion", `slo_burn` →
    "SLO burn". The slug itself stays where someone types it (front matter, scoring.yaml): the
    templates show it beside the name, in a `<code>` or a title attribute."""
    if not slug:
        return ""
    words = [w for w in slug.replace("_", " ").replace("-", " ").split(" ") if w]
    if not words:
        return slug
    out = [w.upper() if w.lower() in ACRONYMS else w for w in words]
    if out[0] == words[0]:
        out[0] = out[0][:1].upper() + out[0][1:]
    return " ".join(out)


def number(value: object) -> str:
    """A raw figure as people read it: 858000.0 → "858,000", 2.5 → "2.5", False → "no"."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return "–"
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)
