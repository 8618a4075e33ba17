"""What the recorded decisions mean (spec §7): a service's latest decision and its state, which
action items were promoted to an epic, the promotion rate and the time to epic.

Pure functions of the decisions (records.modernization), the records and `as_of`. A decision
counts from its decided_on: one dated after as_of has not been taken yet on that day, so every
figure here, like every other, is the same for the same files and `as_of`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from ..records.model import ActionItem, Postmortem
from ..records.modernization import CLOSED, Decision

STATES = ("needs_decision", "review_due", "decided", "none")


def taken(decisions: Iterable[Decision], as_of: dt.date) -> list[Decision]:
    """The decisions taken by as_of (decided_on ≤ as_of), in file order."""
    return [d for d in decisions if d.decided_on <= as_of]


def latest_decision(decisions: Sequence[Decision], service: str, factors: Iterable[str]) -> Decision | None:
    """The decision with the greatest decided_on among those about the service, or about a factor
    it had an incident with in the window (`factors`); the last in the file wins a tie. The
    decisions given are the ones taken by as_of."""
    found = set(factors)
    best: Decision | None = None
    for decision in decisions:
        about = decision.service == service or (decision.factor is not None and decision.factor in found)
        if about and (best is None or decision.decided_on >= best.decided_on):
            best = decision
    return best


def decision_state(hygiene: bool, latest: Decision | None, as_of: dt.date) -> str:
    """needs_decision: not hygiene and no decision; review_due: the latest decision's review_on
    has passed and its work is not done or dropped; decided: any other decision; none: hygiene
    and no decision."""
    if latest is None:
        return "none" if hygiene else "needs_decision"
    if latest.review_on < as_of and latest.status not in CLOSED:
        return "review_due"
    return "decided"


def funded_epics(decisions: Iterable[Decision]) -> set[str]:
    """The epics of promote_to_epic and bundle_with_existing decisions."""
    return {d.epic for d in decisions if d.funded and d.epic is not None}


def first_decided(decisions: Iterable[Decision]) -> dict[str, dt.date]:
    """Per epic, the decided_on of the earliest decision naming it."""
    out: dict[str, dt.date] = {}
    for decision in decisions:
        if decision.epic is not None and (
            decision.epic not in out or decision.decided_on < out[decision.epic]
        ):
            out[decision.epic] = decision.decided_on
    return out


def counted(items: Iterable[ActionItem]) -> list[ActionItem]:
    """Action items as the promotion figures count them: wontfix excluded."""
    return [item for item in items if item.status != "wontfix"]


def is_promoted(item: ActionItem, epics: set[str]) -> bool:
    """An item (wontfix excluded) whose epic is the epic of a promote or bundle decision."""
    return item.status != "wontfix" and item.epic is not None and item.epic in epics


def promotion_rate(items: Iterable[ActionItem], epics: set[str]) -> float | None:
    """Promoted items / items, wontfix excluded; None without items."""
    found = counted(items)
    if not found:
        return None
    return round(sum(1 for item in found if is_promoted(item, epics)) / len(found), 4)


def time_to_epic(item: ActionItem, record: Postmortem, first: dict[str, dt.date]) -> int | None:
    """decided_on of the earliest decision naming the item's epic − its postmortem's published_at,
    in calendar days; 0 when the decision came first; None without published_at (or without a
    decision naming its epic)."""
    if item.epic is None or item.epic not in first or record.published_at is None:
        return None
    return max(0, (first[item.epic] - record.published_at).days)
