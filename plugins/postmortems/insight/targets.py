"""Targets (spec §9): each target's value over the current period and the previous one, and
whether it is met.

The current period is the `period_days` ending at as_of, the previous one the same length
before it; an incident belongs to the period its started_at falls in (the window rule of §3),
an action item of the completion target to the period its due date falls in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..records.model import ActionItem, Postmortem
from ..records.modernization import Target
from .decisions import counted, is_promoted, promotion_rate, time_to_epic
from .metrics import Figures, completion_rate, in_window, median
from .policy import Policy, on_time_share


@dataclass(frozen=True)
class Scope:
    """What a target is measured over: the archive's (or a team's) incidents, drafts apart, with
    what the figures need."""

    published: Sequence[Postmortem]
    drafts: Sequence[Postmortem]
    figures: dict[str, Figures]
    epics: set[str]  # of the promote and bundle decisions taken by as_of
    first: dict[str, dt.date]  # per epic, the earliest decided_on
    policy: Policy
    as_of: dt.date


def period_ends(as_of: dt.date, days: int) -> tuple[dt.date, dt.date]:
    """(end of the current period, end of the previous one): as_of, and as_of − days."""
    return as_of, as_of - dt.timedelta(days=days)


def _started_in(records: Sequence[Postmortem], end: dt.date, days: int) -> list[Postmortem]:
    return [r for r in records if in_window(r.started_at.date(), end, days)]


def _items(records: Sequence[Postmortem]) -> list[tuple[Postmortem, ActionItem]]:
    return [(r, item) for r in records for item in r.action_items]


def _repeat_rate(scope: Scope, incidents: list[Postmortem], end: dt.date, days: int) -> float | None:
    if not incidents:
        return None
    return round(sum(1 for r in incidents if scope.figures[r.id].repeat_of) / len(incidents), 4)


def _mttr_median(scope: Scope, incidents: list[Postmortem], end: dt.date, days: int) -> float | None:
    return median(scope.figures[r.id].mttr for r in incidents)


def _paged(scope: Scope, incidents: list[Postmortem], end: dt.date, days: int) -> float | None:
    return float(sum(1 for r in incidents if r.paged_outside_hours))


def _promoted(scope: Scope, incidents: list[Postmortem], end: dt.date, days: int) -> float | None:
    return promotion_rate((item for _r, item in _items(incidents)), scope.epics)


def _completion(scope: Scope, incidents: list[Postmortem], end: dt.date, days: int) -> float | None:
    due = [
        item
        for _r, item in _items(scope.published)
        if item.due is not None and item.due <= scope.as_of and in_window(item.due, end, days)
    ]
    return completion_rate(due, scope.as_of)


def _on_time(scope: Scope, incidents: list[Postmortem], end: dt.date, days: int) -> float | None:
    return on_time_share([*incidents, *_started_in(scope.drafts, end, days)], scope.policy, scope.as_of)


def _time_to_epic(scope: Scope, incidents: list[Postmortem], end: dt.date, days: int) -> float | None:
    return median(
        float(days_) if (days_ := time_to_epic(item, r, scope.first)) is not None else None
        for r, item in _items(incidents)
        if is_promoted(item, scope.epics)
    )


Measure = Callable[[Scope, list[Postmortem], dt.date, int], float | None]
MEASURES: dict[str, Measure] = {
    "repeat_rate": _repeat_rate,
    "mttr_median": _mttr_median,
    "paged_outside_hours": _paged,
    "action_items_promoted": _promoted,
    "action_item_completion": _completion,
    "postmortems_on_time": _on_time,
    "time_to_epic_median": _time_to_epic,
}
"""How each target of §9 is measured over one period (its incidents, its end, its length)."""


def value(name: str, scope: Scope, end: dt.date, days: int) -> float | None:
    """A target's value over the period of `days` ending at `end`."""
    return MEASURES[name](scope, _started_in(scope.published, end, days), end, days)


def relative_change(previous: float | None, current: float | None) -> float | None:
    """(current − previous) / previous, rounded to 4 places; None when it cannot be told."""
    if previous is None or current is None or previous == 0:
        return None
    return round((current - previous) / previous, 4)


def is_met(target: Target, previous: float | None, current: float | None) -> bool | None:
    """A change target is met when the relative change ≤ change (None with a previous value of 0
    or null); at_least / at_most compare the current value (None without one)."""
    if target.kind == "change":
        change = relative_change(previous, current)
        return None if change is None else change <= target.value
    if current is None:
        return None
    return current >= target.value if target.kind == "at_least" else current <= target.value


@dataclass(frozen=True)
class Judged:
    previous: float | None
    current: float | None
    change: float | None
    met: bool | None


def judge(target: Target, scope: Scope, days: int) -> Judged:
    current_end, previous_end = period_ends(scope.as_of, days)
    previous = value(target.name, scope, previous_end, days)
    current = value(target.name, scope, current_end, days)
    return Judged(previous, current, relative_change(previous, current), is_met(target, previous, current))


def scoped(scope: Scope, keep: Callable[[Postmortem], bool]) -> Scope:
    """The same scope narrowed to some incidents (a team's)."""
    return Scope(
        [r for r in scope.published if keep(r)],
        [r for r in scope.drafts if keep(r)],
        scope.figures,
        scope.epics,
        scope.first,
        scope.policy,
        scope.as_of,
    )


def items_of(records: Sequence[Postmortem]) -> list[ActionItem]:
    """The items the promotion figures count (wontfix excluded), of the given records."""
    return counted(item for r in records for item in r.action_items)
