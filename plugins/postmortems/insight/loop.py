"""The modernization loop, computed once per build from the knowledge and the loop's files: the
weekly review's agenda (each service's score, deltas, decision state, maturity), what each
decision funded, the funnel from incidents to done epics, the targets, the postmortem policy and
the weekly digest (spec §7 to §11).

The pages, the JSON files and the command line all read this one object, so they agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from ..records.model import Postmortem
from ..records.modernization import (
    DEFAULT_DECISIONS,
    DEFAULT_PERIOD_DAYS,
    DEFAULT_TARGETS,
    Decision,
    Rubric,
    Target,
    Targets,
)
from .decisions import (
    decision_state,
    first_decided,
    funded_epics,
    is_promoted,
    latest_decision,
    promotion_rate,
    taken,
    time_to_epic,
)
from .knowledge import ItemRow, Knowledge, ServiceView
from .maturity import Maturity, level_counts, maturity_of
from .metrics import in_window, median, p90
from .policy import Policy, deadline, overdue_postmortems
from .scoring import Score, score_service
from .targets import Judged, Scope, judge, period_ends, team_scopes, value

DIGEST_TOP = 5
DIGEST_DAYS = 7
STATE_WORDS = {
    "needs_decision": "needs a decision",
    "review_due": "review due",
    "decided": "decided",
    "none": "no decision needed",
}


def change_words(delta: int) -> tuple[str, str]:
    """A score change as an arrow and words (never colour alone): ('▲', 'up 3'), ('▼', 'down 2'),
    ('=', 'no change'). A higher score is more urgent."""
    if delta > 0:
        return "▲", f"up {delta}"
    if delta < 0:
        return "▼", f"down {-delta}"
    return "=", "no change"


@dataclass
class BacklogRow:
    """One service on the weekly review's agenda."""

    view: ServiceView
    score: Score
    delta_7d: int
    delta_30d: int
    decision: Decision | None  # its latest decision
    state: str  # needs_decision | review_due | decided | none
    maturity: Maturity
    rank: int = 0  # 1 for the highest score

    @property
    def name(self) -> str:
        return self.view.name


@dataclass
class DecisionRow:
    """A decision and the work it funded: the items naming its epic and their incidents."""

    decision: Decision
    promoted_action_items: int  # items (wontfix excluded) naming its epic; 0 without an epic
    incidents: list[str]  # ids of the incidents whose items name its epic, oldest first
    services: list[str]  # the services it is the latest decision of, today
    in_force: bool  # taken by as_of


@dataclass(frozen=True)
class Funnel:
    """Incidents → action items → promoted items → epics → done, over every incident to as_of."""

    incidents: int
    action_items: int  # wontfix excluded
    promoted_items: int
    epics: int  # distinct epics the promoted items name
    done: int  # of those epics, the ones whose latest decision is done
    promotion_rate: float | None
    time_to_epic_median: float | None
    time_to_epic_p90: float | None


@dataclass
class TargetRow:
    target: Target
    archive: Judged
    teams: dict[str, Judged] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.target.name


@dataclass(frozen=True)
class Overdue:
    record: Postmortem
    deadline: dt.date


@dataclass(frozen=True)
class DigestEntry:
    service: str
    score: int
    band: str
    delta_7d: int
    state: str
    epic: str | None
    newest_incident: str | None
    url: str


@dataclass
class Digest:
    as_of: dt.date
    top: list[DigestEntry]
    published: list[Postmortem]  # published_at in the last 7 days, oldest first
    due_open: list[ItemRow]  # open items due in the last 7 days, by due then incident


@dataclass
class Loop:
    as_of: dt.date
    rows: list[BacklogRow]  # highest score first, ties by name
    decisions: list[DecisionRow]  # file order
    funnel: Funnel
    rubric: Rubric
    maturity: dict[str, Maturity]  # per catalog service, by name
    levels: dict[str, int]  # services (of the catalog) per level, none first
    policy: Policy
    overdue: list[Overdue]  # overdue postmortems, oldest started first
    on_time: float | None  # postmortems on time, current period
    period_days: int
    targets: list[TargetRow]
    targets_source: str | None  # the targets file, or None without one
    digest: Digest
    epics_done: set[str] = field(default_factory=set)
    # Where the review records its decisions and targets (the options `decisions`, `targets`, as
    # written): what the pages tell people to edit, whether the file exists yet or not.
    decisions_file: str = DEFAULT_DECISIONS
    targets_file: str = DEFAULT_TARGETS

    @cached_property
    def by_service(self) -> dict[str, BacklogRow]:
        """Rows by service name (asked for by every service page)."""
        return {row.name: row for row in self.rows}

    def in_state(self, state: str) -> list[BacklogRow]:
        return [row for row in self.rows if row.state == state]

    @property
    def factor_decisions(self) -> list[DecisionRow]:
        return [row for row in self.decisions if row.decision.factor is not None]

    def levels_of(self, services: Sequence[str]) -> list[tuple[str, int]]:
        """How many of these (catalog) services are at each maturity level, the highest level
        first and none last, levels no service is at left out: a team's maturity in one line."""
        counts = level_counts(self.rubric, [self.maturity[s] for s in services if s in self.maturity])
        return [(level, n) for level, n in reversed(counts.items()) if n]

    def states_of(self, services: Sequence[str]) -> list[tuple[str, list[BacklogRow]]]:
        """These services' backlog rows by decision state, in STATE_WORDS order (the most urgent
        first), states none of them is in left out: a team's decisions in one line."""
        rows = [self.by_service[s] for s in services if s in self.by_service]
        return [(state, found) for state in STATE_WORDS if (found := [r for r in rows if r.state == state])]

    def overdue_of_team(self, team: str) -> list[Overdue]:
        return [o for o in self.overdue if team in o.record.teams]

    @property
    def current_period(self) -> tuple[dt.date, dt.date]:
        """The first and last day of the current period (as_of − period_days, as_of]."""
        return self.as_of - dt.timedelta(days=self.period_days - 1), self.as_of

    @property
    def previous_period(self) -> tuple[dt.date, dt.date]:
        first, _last = self.current_period
        return first - dt.timedelta(days=self.period_days), first - dt.timedelta(days=1)


def factors_in_window(view: ServiceView) -> set[str]:
    """The contributing factors of the service's incidents in the scoring window."""
    return {f for r in view.in_window for f in r.contributing_factors}


def build_loop(
    kb: Knowledge,
    decisions: Sequence[Decision],
    rubric: Rubric,
    targets: Targets | None,
    *,
    decisions_file: str = DEFAULT_DECISIONS,
    targets_file: str = DEFAULT_TARGETS,
) -> Loop:
    """Everything the loop shows, from the knowledge (computed for kb.as_of) and the files
    (`decisions_file`, `targets_file`: their paths as the site names them)."""
    as_of = kb.as_of
    policy = kb.policy
    in_force = taken(decisions, as_of)
    hygiene = kb.model.bands[-1].name  # the default band: hygiene in the contract's model
    maturity = {
        name: maturity_of(rubric, view.service.maturity) for name, view in kb.services.items() if view.service
    }
    rows = [_row(kb, view, in_force, hygiene, rubric, maturity) for view in kb.services.values()]
    rows.sort(key=lambda row: (-row.score.score, row.name))
    for rank, row in enumerate(rows, start=1):
        row.rank = rank
    epics = funded_epics(in_force)
    first = first_decided(in_force)
    done = _done_epics(in_force)
    period = targets.period_days if targets is not None else DEFAULT_PERIOD_DAYS
    scope = Scope(list(reversed(kb.records)), kb.drafts, kb.figures, epics, first, policy, as_of)
    return Loop(
        as_of=as_of,
        rows=rows,
        decisions=_decision_rows(kb, decisions, rows, as_of),
        funnel=_funnel(kb, epics, first, done),
        rubric=rubric,
        maturity=maturity,
        levels=level_counts(rubric, list(maturity.values())),
        policy=policy,
        overdue=[
            Overdue(r, d)
            for r in overdue_postmortems([*kb.records, *kb.drafts], policy, as_of)
            if (d := deadline(r, policy)) is not None
        ],
        on_time=value("postmortems_on_time", scope, period_ends(as_of, period)[0], period),
        period_days=period,
        targets=_targets(kb, scope, targets),
        targets_source=targets.source if targets is not None else None,
        digest=_digest(kb, rows),
        epics_done=done,
        decisions_file=decisions_file,
        targets_file=targets_file,
    )


def _row(
    kb: Knowledge,
    view: ServiceView,
    decisions: Sequence[Decision],
    hygiene: str,
    rubric: Rubric,
    maturity: dict[str, Maturity],
) -> BacklogRow:
    score = view.score or score_service(view.name, view.service, view.incidents, kb.model, kb.as_of)

    def earlier(days: int) -> int:
        day = kb.as_of - dt.timedelta(days=days)
        return score_service(view.name, view.service, view.incidents, kb.model, day).score

    latest = latest_decision(decisions, view.name, factors_in_window(view))
    return BacklogRow(
        view=view,
        score=score,
        delta_7d=score.score - earlier(7),
        delta_30d=score.score - earlier(30),
        decision=latest,
        state=decision_state(score.band == hygiene, latest, kb.as_of),
        maturity=maturity.get(view.name) or maturity_of(rubric, ()),
    )


def _done_epics(decisions: Sequence[Decision]) -> set[str]:
    """Epics whose latest decision naming them (last in the file wins a tie) is done."""
    latest: dict[str, Decision] = {}
    for decision in decisions:
        epic = decision.epic
        if epic is not None and (epic not in latest or decision.decided_on >= latest[epic].decided_on):
            latest[epic] = decision
    return {epic for epic, decision in latest.items() if decision.status == "done"}


def _decision_rows(
    kb: Knowledge, decisions: Sequence[Decision], rows: Sequence[BacklogRow], as_of: dt.date
) -> list[DecisionRow]:
    out = []
    oldest_first = list(reversed(kb.records))
    for decision in decisions:
        epic = decision.epic
        naming = [
            (r, item)
            for r in oldest_first
            for item in r.action_items
            if epic is not None and item.epic == epic
        ]
        out.append(
            DecisionRow(
                decision=decision,
                promoted_action_items=sum(1 for _r, item in naming if item.status != "wontfix"),
                incidents=list(dict.fromkeys(r.id for r, _item in naming)),
                services=[row.name for row in rows if row.decision is decision],
                in_force=decision.decided_on <= as_of,
            )
        )
    return out


def _funnel(kb: Knowledge, epics: set[str], first: dict[str, dt.date], done: set[str]) -> Funnel:
    incidents = [r for r in kb.records if r.started_at.date() <= kb.as_of]
    items = [(r, item) for r in incidents for item in r.action_items if item.status != "wontfix"]
    promoted = [(r, item) for r, item in items if is_promoted(item, epics)]
    named = {item.epic for _r, item in promoted if item.epic is not None}
    days = [float(t) if (t := time_to_epic(item, r, first)) is not None else None for r, item in promoted]
    return Funnel(
        incidents=len(incidents),
        action_items=len(items),
        promoted_items=len(promoted),
        epics=len(named),
        done=len(named & done),
        promotion_rate=promotion_rate((item for _r, item in items), epics),
        time_to_epic_median=median(days),
        time_to_epic_p90=p90(days),
    )


def _targets(kb: Knowledge, scope: Scope, targets: Targets | None) -> list[TargetRow]:
    if targets is None:
        return []
    teams = team_scopes(scope, list(kb.teams))
    out = []
    for target in targets.targets:
        row = TargetRow(target, judge(target, scope, targets.period_days))
        for name, team in teams.items():
            row.teams[name] = judge(target, team, targets.period_days)
        out.append(row)
    return out


def _digest(kb: Knowledge, rows: Sequence[BacklogRow]) -> Digest:
    """The top five by score (ties: greater delta_7d, then name), the postmortems published in the
    last 7 days and the open action items due in them."""
    as_of = kb.as_of
    top = sorted(rows, key=lambda row: (-row.score.score, -row.delta_7d, row.name))[:DIGEST_TOP]
    entries = []
    for row in top:
        newest = next((r for r in row.view.incidents if r.started_at.date() <= as_of), None)
        entries.append(
            DigestEntry(
                service=row.name,
                score=row.score.score,
                band=row.score.band,
                delta_7d=row.delta_7d,
                state=row.state,
                epic=row.decision.epic if row.decision is not None else None,
                newest_incident=newest.id if newest is not None else None,
                url=row.view.url,
            )
        )
    published = sorted(
        (
            r
            for r in kb.records
            if r.published_at is not None and in_window(r.published_at, as_of, DIGEST_DAYS)
        ),
        key=lambda r: (r.published_at or as_of, r.id),
    )
    due_open = sorted(
        (
            row
            for row in kb.items
            if row.item.is_open and row.item.due is not None and in_window(row.item.due, as_of, DIGEST_DAYS)
        ),
        key=lambda row: (row.item.due or as_of, row.record.id),
    )
    return Digest(as_of, entries, published, due_open)
