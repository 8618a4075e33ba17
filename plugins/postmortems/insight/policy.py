"""The postmortem policy of spec §10: which incidents must get a postmortem, by when, and which
are late.

The one place drafts count: a draft is an incident whose write-up is not done (a draft imported
from PagerDuty is one waiting for its postmortem), so every function here takes drafts too.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..records.model import Postmortem
from .metrics import add_business_days, business_days, month_key, time_to_postmortem

DEFAULT_REQUIRED = ("SEV-1", "SEV-2")
DEFAULT_DEADLINE = 5


@dataclass(frozen=True)
class Policy:
    required_severities: tuple[str, ...] = DEFAULT_REQUIRED
    deadline_business_days: int = DEFAULT_DEADLINE


def parse_policy(value: Any, severities: Sequence[str]) -> Policy:
    """The plugin option `policy` (a mapping), checked; a ValueError says what is wrong and how to
    fix it. Keys left out keep their defaults."""
    if value is None:
        return Policy()
    if not isinstance(value, Mapping):
        raise ValueError("'policy' must be a mapping, e.g. {required_severities: [SEV-1, SEV-2], "
                         "deadline_business_days: 5}")  # fmt: skip
    unknown = sorted(set(map(str, value)) - {"required_severities", "deadline_business_days"})
    if unknown:
        raise ValueError(f"'policy' has unknown key(s) {', '.join(unknown)}: the keys are "
                         "required_severities and deadline_business_days")  # fmt: skip
    required = value.get("required_severities", list(DEFAULT_REQUIRED))
    if isinstance(required, str):
        required = [required]
    if not isinstance(required, list) or not all(isinstance(s, str) for s in required):
        raise ValueError("'policy.required_severities' must be a list of severities, e.g. [SEV-1, SEV-2]")
    off_scale = [s for s in required if s not in severities]
    if off_scale:
        raise ValueError(
            f"'policy.required_severities': {', '.join(off_scale)} not on the severity scale "
            f"({', '.join(severities)})"
        )
    days = value.get("deadline_business_days", DEFAULT_DEADLINE)
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise ValueError(f"'policy.deadline_business_days' must be a whole number of days ≥ 0, not {days!r}")
    return Policy(tuple(required), days)


def is_required(record: Postmortem, policy: Policy) -> bool:
    """An incident, drafts included, whose severity is in required_severities."""
    return record.severity in policy.required_severities


def is_on_time(record: Postmortem, policy: Policy) -> bool:
    """Required, final, and time to postmortem (§3) ≤ the deadline."""
    if not is_required(record, policy) or record.status != "final":
        return False
    days = time_to_postmortem(record)
    return days is not None and days <= policy.deadline_business_days


def deadline(record: Postmortem, policy: Policy) -> dt.date | None:
    """The last day the postmortem is on time: resolved_at's date + the deadline in business days."""
    if record.resolved_at is None:
        return None
    return add_business_days(record.resolved_at.date(), policy.deadline_business_days)


def deadline_passed(record: Postmortem, policy: Policy, as_of: dt.date) -> bool:
    """resolved date + deadline ≤ as_of: the postmortem's time is up (it may be on time or not)."""
    due = deadline(record, policy)
    return due is not None and due <= as_of


def is_overdue(record: Postmortem, policy: Policy, as_of: dt.date) -> bool:
    """Required, not final, with resolved_at, and more than the deadline's business days from
    resolved_at's date to as_of."""
    if not is_required(record, policy) or record.status == "final" or record.resolved_at is None:
        return False
    return business_days(record.resolved_at.date(), as_of) > policy.deadline_business_days


def on_time_share(records: Iterable[Postmortem], policy: Policy, as_of: dt.date) -> float | None:
    """Of the required incidents given (a period's) whose deadline has passed, the share on time;
    None when there is none."""
    due = [r for r in records if is_required(r, policy) and deadline_passed(r, policy, as_of)]
    if not due:
        return None
    return round(sum(1 for r in due if is_on_time(r, policy)) / len(due), 4)


def overdue_postmortems(records: Iterable[Postmortem], policy: Policy, as_of: dt.date) -> list[Postmortem]:
    """The overdue postmortems, oldest started first."""
    late = [r for r in records if is_overdue(r, policy, as_of)]
    return sorted(late, key=lambda r: (r.started_at, r.id))


def on_time_by_month(
    records: Iterable[Postmortem], policy: Policy, as_of: dt.date
) -> dict[str, float | None]:
    """Postmortems on time per month the incidents started in (YYYY-MM), for the trends and the
    monthly report: each month is a period of §10, its incidents started by as_of."""
    months: dict[str, list[Postmortem]] = defaultdict(list)
    for record in records:
        if record.started_at.date() <= as_of:
            months[month_key(record.started_at.date())].append(record)
    return {month: on_time_share(found, policy, as_of) for month, found in sorted(months.items())}
