"""Targets (spec §9): each target's value over the current period and the previous one, and
whether it is met.

The current period is the `period_days` ending at as_of, the previous one the same length
before it; an incident belongs to the period its started_at falls in (the window rule of §3),
an action item of the completion target to the period its due date falls in.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Generic, TypeVar

from ..records.model import ActionItem, Postmortem
from ..records.modernization import Target
from .decisions import is_promoted, promotion_rate, time_to_epic
from .metrics import Figures, completion_rate, median
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

    # Each target asks for two periods, for the archive and every team: the records and items are
    # put in date order once, and a period is two bisections (at 10,000 postmortems, scanning them
    # for each of the 7 × 2 × (teams + 1) periods took seconds).

    @cached_property
    def _published(self) -> _ByDay[Postmortem]:
        return _ByDay([(r.started_at.date(), r) for r in self.published])

    @cached_property
    def _drafts(self) -> _ByDay[Postmortem]:
        return _ByDay([(r.started_at.date(), r) for r in self.drafts])

    @cached_property
    def _due(self) -> _ByDay[tuple[Postmortem, ActionItem]]:
        return _ByDay([(i.due, (r, i)) for r in self.published for i in r.action_items if i.due is not None])

    def started_in(self, end: dt.date, days: int, drafts: bool = False) -> list[Postmortem]:
        """The published (or draft) incidents that started in the period of `days` ending at `end`."""
        return (self._drafts if drafts else self._published).within(end, days)

    def due_in(self, end: dt.date, days: int) -> list[ActionItem]:
        return [item for _record, item in self._due.within(end, days)]


T = TypeVar("T")


class _ByDay(Generic[T]):
    """Things in the order of their day, for the window rule of §3 by bisection."""

    def __init__(self, dated: list[tuple[dt.date, T]], ordered: bool = False) -> None:
        if not ordered:
            dated.sort(key=lambda pair: pair[0])
        self.days = [day for day, _thing in dated]
        self.things = [thing for _day, thing in dated]

    def within(self, end: dt.date, days: int) -> list[T]:
        """as_of − days < day ≤ as_of, with `end` as as_of (see metrics.in_window)."""
        low = bisect.bisect_right(self.days, end - dt.timedelta(days=days))
        return self.things[low : bisect.bisect_right(self.days, end)]


def period_ends(as_of: dt.date, days: int) -> tuple[dt.date, dt.date]:
    """(end of the current period, end of the previous one): as_of, and as_of − days."""
    return as_of, as_of - dt.timedelta(days=days)


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
    due = [item for item in scope.due_in(end, days) if item.due is not None and item.due <= scope.as_of]
    return completion_rate(due, scope.as_of)


def _on_time(scope: Scope, incidents: list[Postmortem], end: dt.date, days: int) -> float | None:
    return on_time_share([*incidents, *scope.started_in(end, days, drafts=True)], scope.policy, scope.as_of)


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
    return MEASURES[name](scope, scope.started_in(end, days), end, days)


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


def team_scopes(scope: Scope, teams: Sequence[str]) -> dict[str, Scope]:
    """The scope narrowed to each team's incidents (those whose teams include it), in one pass
    over the scope's date orders, which the narrowed scopes keep."""
    parts: dict[str, tuple[list[Any], list[Any], list[Any]]] = {name: ([], [], []) for name in teams}
    sources: tuple[_ByDay[Any], ...] = (scope._published, scope._drafts, scope._due)
    for position, dated in enumerate(sources):
        for day, thing in zip(dated.days, dated.things, strict=True):
            record = thing[0] if position == 2 else thing
            for name in record.teams:
                if name in parts:
                    parts[name][position].append((day, thing))
    out = {}
    for name, (published, drafts, due) in parts.items():
        narrow = Scope(
            [r for _d, r in published],
            [r for _d, r in drafts],
            scope.figures,
            scope.epics,
            scope.first,
            scope.policy,
            scope.as_of,
        )
        # cached_property keeps its value in the instance's __dict__, frozen or not.
        narrow.__dict__["_published"] = _ByDay(published, ordered=True)
        narrow.__dict__["_drafts"] = _ByDay(drafts, ordered=True)
        narrow.__dict__["_due"] = _ByDay(due, ordered=True)
        out[name] = narrow
    return out
