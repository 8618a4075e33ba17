"""The figures of spec §3, as pure functions of records and `as_of`.

Every function here ignores drafts only where the caller passes them in; callers pass
`Archive.published`. Times are UTC; windows compare calendar dates (see `in_window`).
"""

from __future__ import annotations

import bisect
import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..records.model import ActionItem, Postmortem


def minutes(start: dt.datetime | None, end: dt.datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / 60.0, 1)


def mttr(record: Postmortem) -> float | None:
    """resolved_at − started_at, minutes."""
    return minutes(record.started_at, record.resolved_at)


def mtta(record: Postmortem) -> float | None:
    """acknowledged_at − (detected_at, or started_at if absent), minutes."""
    return minutes(record.detected_at or record.started_at, record.acknowledged_at)


def mttd(record: Postmortem) -> float | None:
    """detected_at − started_at, minutes."""
    return minutes(record.started_at, record.detected_at)


def business_days(start: dt.date, end: dt.date) -> int:
    """Weekdays d with start < d ≤ end: Friday to Monday is 1, the same day is 0.

    Negative when end is before start (the validator rejects that case for postmortems).
    """
    if end < start:
        return -business_days(end, start)
    weeks, extra = divmod((end - start).days, 7)
    count = weeks * 5
    day = start.weekday()
    for offset in range(1, extra + 1):
        if (day + offset) % 7 < 5:
            count += 1
    return count


def add_business_days(start: dt.date, days: int) -> dt.date:
    """The day `days` weekdays after start (the inverse of `business_days`): Friday + 1 is Monday."""
    day = start
    left = days
    while left > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def time_to_postmortem(record: Postmortem) -> int | None:
    """Business days from resolved_at's date to published_at."""
    if record.resolved_at is None or record.published_at is None:
        return None
    return business_days(record.resolved_at.date(), record.published_at)


def in_window(day: dt.date, as_of: dt.date, days: int) -> bool:
    """as_of − days < day ≤ as_of, on calendar dates (both ends at end of day)."""
    return as_of - dt.timedelta(days=days) < day <= as_of


def find_repeats(records: Sequence[Postmortem], window_days: int) -> dict[str, list[str]]:
    """For each incident id, the earlier incidents it repeats (spec §3), oldest first.

    Y is repeated by X when Y started within `window_days` before X, shares a service, and
    shares a contributing factor or is listed in X.related. Linear in the archive for a bounded
    number of incidents per service and window.
    """
    by_service: dict[str, list[Postmortem]] = defaultdict(list)
    ordered = sorted(records, key=lambda r: (r.started_at, r.id))
    for record in ordered:
        for service in record.services:
            by_service[service].append(record)
    starts = {service: [r.started_at for r in items] for service, items in by_service.items()}
    window = dt.timedelta(days=window_days)
    out: dict[str, list[str]] = {}
    for record in ordered:
        factors = set(record.contributing_factors)
        related = set(record.related)
        found: dict[str, Postmortem] = {}
        for service in record.services:
            items = by_service[service]
            lo = bisect.bisect_right(starts[service], record.started_at - window)
            hi = bisect.bisect_left(starts[service], record.started_at)
            for earlier in items[lo:hi]:
                if earlier.id == record.id or earlier.id in found:
                    continue
                if earlier.id in related or factors.intersection(earlier.contributing_factors):
                    found[earlier.id] = earlier
        out[record.id] = [r.id for r in sorted(found.values(), key=lambda r: (r.started_at, r.id))]
    return out


def repeat_rate(records: Iterable[Postmortem], repeats: dict[str, list[str]]) -> float | None:
    """repeats / incidents; None for no incidents."""
    items = list(records)
    if not items:
        return None
    return round(sum(1 for r in items if repeats.get(r.id)) / len(items), 4)


def completion_rate(items: Iterable[ActionItem], as_of: dt.date) -> float | None:
    """Of the items (wontfix excluded) due on or before as_of, the share done on or before due.

    Done with no done_at counts as on time. None when no item is due yet.
    """
    due = [item for item in items if item.status != "wontfix" and item.due is not None and item.due <= as_of]
    if not due:
        return None
    on_time = sum(
        1
        for item in due
        if item.status == "done"
        and (item.done_at is None or (item.due is not None and item.done_at <= item.due))
    )
    return round(on_time / len(due), 4)


def mean(values: Iterable[float | None]) -> float | None:
    found = [v for v in values if v is not None]
    return round(statistics.fmean(found), 1) if found else None


def median(values: Iterable[float | None]) -> float | None:
    found = [v for v in values if v is not None]
    return round(float(statistics.median(found)), 1) if found else None


def percentile(values: Iterable[float | None], percent: int) -> float | None:
    """Nearest rank: the smallest value v with at least `percent`% of the values ≤ v (§3's p90 for
    90). The rank is ceil(percent × n / 100), computed in integers: 0.9 × 10 is 9.000000000000002 in
    floats."""
    found = sorted(v for v in values if v is not None)
    return _nearest_rank(found, percent) if found else None


def _nearest_rank(ordered: Sequence[float], percent: int) -> float:
    rank = max(1, (percent * len(ordered) + 99) // 100)
    return round(float(ordered[rank - 1]), 1)


def p90(values: Iterable[float | None]) -> float | None:
    """Nearest rank: the smallest value v with at least 90% of the values ≤ v (§3)."""
    return percentile(values, 90)


@dataclass(frozen=True)
class Spread:
    """How a set of durations spreads: what a box plot draws, and its table lists.

    The median is §3's (the mean of the two middle values for an even count); the other
    percentiles are nearest rank, as §3's p90."""

    count: int
    low: float  # the smallest
    p10: float
    p25: float
    median: float
    p75: float
    p90: float
    high: float  # the largest


def spread(values: Iterable[float | None]) -> Spread | None:
    """The spread of the values that are there; None when there are none."""
    found = sorted(v for v in values if v is not None)
    middle = median(found)
    if middle is None:
        return None
    p10, p25, p75, p90_ = (_nearest_rank(found, p) for p in (10, 25, 75, 90))
    return Spread(len(found), round(found[0], 1), p10, p25, middle, p75, p90_, round(found[-1], 1))


def mttr_spread_by_severity(
    records: Iterable[Postmortem],
    figures: dict[str, Figures],
    severities: Sequence[str],
    first: dt.date,
    last: dt.date,
) -> dict[str, Spread | None]:
    """Per severity, in the contract's order, the spread of MTTR over the incidents started from
    first to last (both included); None for a severity without a resolved incident then."""
    durations: dict[str, list[float | None]] = {sev: [] for sev in severities}
    for record in records:
        if record.severity in durations and first <= record.started_at.date() <= last:
            durations[record.severity].append(figures[record.id].mttr)
    return {sev: spread(values) for sev, values in durations.items()}


@dataclass(frozen=True)
class Figures:
    """The per-incident figures, computed once per build and shared by pages and export."""

    mttr: float | None
    mtta: float | None
    mttd: float | None
    time_to_postmortem: int | None
    repeat_of: list[str]
    repeated_by: list[str]


def incident_figures(records: Sequence[Postmortem], window_days: int) -> dict[str, Figures]:
    repeats = find_repeats(records, window_days)
    repeated_by: dict[str, list[str]] = defaultdict(list)
    for later, earlier_ids in repeats.items():
        for earlier in earlier_ids:
            repeated_by[earlier].append(later)
    return {
        r.id: Figures(
            mttr(r), mtta(r), mttd(r), time_to_postmortem(r), repeats.get(r.id, []), repeated_by.get(r.id, [])
        )
        for r in records
    }


def month_key(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def months_between(first: dt.date, last: dt.date) -> list[str]:
    """Every month from first to last inclusive, as YYYY-MM."""
    out = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        out.append(f"{year:04d}-{month:02d}")
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return out


@dataclass(frozen=True)
class RunningMonth:
    """The month holding as_of while it still runs, and the days of the month before it is compared
    on: the same first days, as many as have elapsed (as_of counts: windows end at its end of day).

    A month whose last day is as_of is complete. The month before is compared whole when it is
    shorter than the days elapsed (31 March against all of February)."""

    month: str  # YYYY-MM
    days: int  # days elapsed: 1 to as_of
    month_days: int
    previous: str
    previous_first: dt.date
    previous_last: dt.date


def days_in_month(year: int, month: int) -> int:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return (following - dt.timedelta(days=1)).day


def running_month(as_of: dt.date) -> RunningMonth | None:
    """The running month of as_of and its comparison days; None on a month's last day."""
    length = days_in_month(as_of.year, as_of.month)
    if as_of.day == length:
        return None
    before = as_of.replace(day=1) - dt.timedelta(days=1)
    last = before.replace(day=min(as_of.day, before.day))
    return RunningMonth(month_key(as_of), as_of.day, length, month_key(before), before.replace(day=1), last)


def monthly_report(
    records: Sequence[Postmortem],
    figures: dict[str, Figures],
    severities: Sequence[str],
    as_of: dt.date,
) -> list[dict[str, object]]:
    """Per month, from the first incident to as_of: the figures behind the trend charts.

    Incidents count in the month they started; action items in the month they fall due (only
    items due by as_of, as the completion rate defines); time to postmortem in the month the
    incident started.
    """
    counted = [r for r in records if r.started_at.date() <= as_of]
    if not counted:
        return []
    by_month: dict[str, list[Postmortem]] = defaultdict(list)
    items_by_month: dict[str, list[ActionItem]] = defaultdict(list)
    created: dict[str, int] = defaultdict(int)
    completed: dict[str, int] = defaultdict(int)
    for record in counted:
        key = month_key(record.started_at.date())
        by_month[key].append(record)
        created[key] += len(record.action_items)
        for item in record.action_items:
            if item.due is not None and item.due <= as_of:
                items_by_month[month_key(item.due)].append(item)
            if item.status == "done" and item.done_at is not None and item.done_at <= as_of:
                completed[month_key(item.done_at)] += 1
    first = min(r.started_at.date() for r in counted)
    return [
        {
            "month": key,
            **_figures_of(
                by_month.get(key, []),
                items_by_month.get(key, []),
                created.get(key, 0),
                completed.get(key, 0),
                figures,
                severities,
                as_of,
            ),
        }
        for key in months_between(first, as_of)
    ]


def period_figures(
    records: Sequence[Postmortem],
    figures: dict[str, Figures],
    severities: Sequence[str],
    first: dt.date,
    last: dt.date,
    as_of: dt.date,
) -> dict[str, object]:
    """The figures of a `monthly_report` row (its "month" aside) for the days first to last
    (inclusive, to as_of at most), counted as a month's are: incidents by the day they started,
    action items created with their incident, completed by done_at, judged by due. For a month
    still running against the same days of the month before (`insight.report.elapsed`)."""
    last = min(last, as_of)

    def inside(day: dt.date | None) -> bool:
        return day is not None and first <= day <= last

    counted = [r for r in records if r.started_at.date() <= as_of]
    started = [r for r in counted if inside(r.started_at.date())]
    items = [item for r in counted for item in r.action_items]
    due = [item for item in items if inside(item.due)]
    completed = sum(1 for item in items if item.status == "done" and inside(item.done_at))
    created = sum(len(r.action_items) for r in started)
    return _figures_of(started, due, created, completed, figures, severities, as_of)


def _figures_of(
    month: Sequence[Postmortem],
    due: Sequence[ActionItem],
    created: int,
    completed: int,
    figures: dict[str, Figures],
    severities: Sequence[str],
    as_of: dt.date,
) -> dict[str, object]:
    """One period's figures, from its incidents and the action items due in it."""
    repeats = sum(1 for r in month if figures[r.id].repeat_of)

    def days(record: Postmortem) -> float | None:
        found = figures[record.id].time_to_postmortem
        return None if found is None else float(found)

    return {
        "incidents": len(month),
        "incidents_by_severity": {sev: sum(1 for r in month if r.severity == sev) for sev in severities},
        "mttr_minutes_mean": mean(figures[r.id].mttr for r in month),
        "mttr_minutes_median": median(figures[r.id].mttr for r in month),
        "mttr_minutes_p90": p90(figures[r.id].mttr for r in month),
        "mtta_minutes_mean": mean(figures[r.id].mtta for r in month),
        "repeat_incidents": repeats,
        "repeat_rate": round(repeats / len(month), 4) if month else None,
        "action_items_created": created,
        "action_items_completed": completed,
        "action_items_due": len(due),
        "action_item_completion_rate": completion_rate(due, as_of),
        "time_to_postmortem_days_mean": mean(days(r) for r in month),
        "time_to_postmortem_days_median": median(days(r) for r in month),
    }


def severity_counts(row: dict[str, object]) -> dict[str, int]:
    """The incidents_by_severity of a monthly_report row, typed."""
    counts = row["incidents_by_severity"]
    assert isinstance(counts, dict)
    return counts
