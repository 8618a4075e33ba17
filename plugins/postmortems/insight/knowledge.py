"""Everything the pages, charts and JSON API show, computed once per build from the archive.

Pure: no MkDocs here. `build_knowledge()` walks the records a bounded number of times, so the
cost grows linearly with the archive; pages and export only read the result.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from ..records.model import ActionItem, Postmortem, Service
from .metrics import (
    Figures,
    RunningMonth,
    completion_rate,
    in_window,
    incident_figures,
    mean,
    median,
    month_key,
    monthly_report,
    period_figures,
    running_month,
)
from .policy import Policy, on_time_by_month, on_time_share
from .scoring import Model, Score, score_service

PATTERN_KINDS = {
    "factor": ("contributing_factors", "Contributing factors"),
    "tag": ("tags", "Tags"),
    "trigger": ("trigger", "Triggers"),
    "fix_class": ("fix_class", "Fix classes"),
}


def pattern_keys(record: Postmortem) -> list[tuple[str, str]]:
    """(kind, key) of every pattern a record belongs to, in PATTERN_KINDS order."""
    out: list[tuple[str, str]] = []
    for kind, (attribute, _label) in PATTERN_KINDS.items():
        value = getattr(record, attribute)
        out.extend((kind, key) for key in (value if isinstance(value, list) else [value] if value else []))
    return out


# A word that may be an incident id: letters and digits joined by dashes (INC-2025-011).
_ID_LIKE = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+")


def id_pattern(ids: Iterable[str]) -> re.Pattern[str] | None:
    """What finds these ids in a text as whole words: their first parts (INC, OPS) literally,
    then the rest of the word. A literal start lets the regex engine skip to it (0.04 s for
    10,000 bodies with one prefix; a pattern that tried every position of every text took 2.3 s),
    and only words starting like a known id can be one. None when no id has a dash."""
    prefixes = sorted({i.split("-", 1)[0] for i in ids if _ID_LIKE.fullmatch(i)})
    if not prefixes:
        return None
    starts = "|".join(f"{re.escape(p)}(?<![A-Za-z0-9-]{re.escape(p)})" for p in prefixes)
    return re.compile(rf"(?:{starts})-[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*(?![A-Za-z0-9-])")


def mentioned_ids(
    text: str, known: Collection[str], own: str = "", pattern: re.Pattern[str] | None = None
) -> list[str]:
    """The incident ids a postmortem's text names (a link, "as in INC-2025-011"), in the order
    first named, each once, its own left out. How a legacy postmortem, written before `related:`
    existed, meets the incidents it belongs with, and how a later one that cites it is found.
    `pattern`: `id_pattern(known)`, made once for a whole archive."""
    pattern = pattern or id_pattern(known)
    found: dict[str, None] = {}
    for word in pattern.findall(text) if pattern is not None else ():
        if word != own and word in known:
            found[word] = None
    return list(found)


def urgent_first(rows: Iterable[ItemRow]) -> list[ItemRow]:
    """Action items soonest due first, so the overdue ones lead (no due date last; then by
    incident id): the order of every capped table of items."""
    far = dt.date.max
    return sorted(rows, key=lambda r: (r.item.due or far, r.record.id))


def slugify(text: str) -> str:
    """A URL-safe path segment for a name that may not be one (teams from a catalog)."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "unnamed"


@dataclass
class ItemRow:
    """An action item with the incident it came from."""

    record: Postmortem
    item: ActionItem
    overdue: bool


LATEST = 5  # incidents a service or team page lists before its full table


class _Items:
    """What a service's and a team's pages say about their action items."""

    items: list[ItemRow]

    @property
    def open_items(self) -> list[ItemRow]:
        return urgent_first(row for row in self.items if row.item.is_open)

    @property
    def overdue_items(self) -> list[ItemRow]:
        return [row for row in self.items if row.overdue]


@dataclass(frozen=True)
class Recurring:
    """A contributing factor seen in more than one incident of a service or team."""

    factor: str
    count: int
    url: str  # its pattern page


@dataclass(frozen=True)
class Summary:
    """The answer a service or team page opens with (its fact card), before the detail."""

    incidents: int  # all time
    in_window: int
    mttr_median_window: float | None
    repeats_window: int
    open_items: int
    overdue_items: int
    recurring: list[Recurring]  # most frequent first
    latest: list[Postmortem]  # the newest LATEST incidents, newest first


def recurring_factors(records: Sequence[Postmortem]) -> list[tuple[str, int]]:
    """The contributing factors named by more than one of the records, with how many: the most
    frequent first, then by slug. A factor listed twice in one postmortem counts once."""
    counts: dict[str, int] = {}
    for record in records:
        for factor in set(record.contributing_factors):
            counts[factor] = counts.get(factor, 0) + 1
    return sorted(((f, n) for f, n in counts.items() if n > 1), key=lambda fn: (-fn[1], fn[0]))


@dataclass
class ServiceView(_Items):
    name: str
    service: Service | None
    team: str | None
    incidents: list[Postmortem] = field(default_factory=list)  # newest first, published only
    in_window: list[Postmortem] = field(default_factory=list)
    mttr_mean_window: float | None = None
    repeats_window: int = 0
    items: list[ItemRow] = field(default_factory=list)
    score: Score | None = None
    url: str = ""


@dataclass
class TeamView(_Items):
    name: str
    slug: str
    services: list[str] = field(default_factory=list)
    incidents: list[Postmortem] = field(default_factory=list)  # newest first, published only
    in_window: list[Postmortem] = field(default_factory=list)
    items: list[ItemRow] = field(default_factory=list)
    url: str = ""
    feed_url: str = ""


@dataclass
class PatternView:
    """Incidents sharing a factor, tag, trigger or fix class. What is derived from them is cached:
    every page and export that lists the pattern asks for it (built once the view is complete)."""

    kind: str
    key: str
    incidents: list[Postmortem] = field(default_factory=list)  # newest first
    url: str = ""

    @cached_property
    def services(self) -> list[str]:
        return sorted({s for r in self.incidents for s in r.services})

    @cached_property
    def teams(self) -> list[str]:
        return sorted({t for r in self.incidents for t in r.teams})

    @cached_property
    def first_seen(self) -> dt.date:
        return min(r.started_at.date() for r in self.incidents)

    @cached_property
    def last_seen(self) -> dt.date:
        return max(r.started_at.date() for r in self.incidents)


@dataclass
class Knowledge:
    as_of: dt.date
    severities: tuple[str, ...]
    window_days: int
    records: list[Postmortem]  # published (review + final), newest first
    drafts: list[Postmortem]
    figures: dict[str, Figures]
    by_id: dict[str, Postmortem]
    services: dict[str, ServiceView]
    teams: dict[str, TeamView]
    patterns: dict[str, dict[str, PatternView]]
    items: list[ItemRow]
    report: list[dict[str, object]]
    model: Model
    policy: Policy = field(default_factory=Policy)
    mentions: dict[str, list[str]] = field(default_factory=dict)  # id -> published ids its text names
    mentioned_by: dict[str, list[str]] = field(default_factory=dict)  # id -> ids naming it, newest first

    @property
    def backlog(self) -> list[ServiceView]:
        """Services ranked by score, highest first; ties by name (the order of api/backlog.json)."""
        scored = [view for view in self.services.values() if view.score is not None]
        return sorted(scored, key=lambda v: (-(v.score.score if v.score else 0), v.name))

    @property
    def overdue(self) -> list[ItemRow]:
        return sorted((row for row in self.items if row.overdue), key=lambda r: r.item.due or self.as_of)

    @property
    def open_rows(self) -> list[ItemRow]:
        """Open items, soonest due first (no due date last)."""
        return urgent_first(r for r in self.items if r.item.is_open)

    @property
    def open_by_owner(self) -> list[tuple[str, list[ItemRow]]]:
        groups: dict[str, list[ItemRow]] = {}
        for row in self.open_rows:
            groups.setdefault(row.item.owner or "(no owner)", []).append(row)
        return sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))

    @property
    def completion_rate(self) -> float | None:
        return completion_rate((row.item for row in self.items), self.as_of)

    def ranked_patterns(self, kind: str) -> list[PatternView]:
        """Patterns of a kind, those spanning the most teams first, then the most incidents."""
        return sorted(self.patterns[kind].values(), key=lambda p: (-len(p.teams), -len(p.incidents), p.key))

    @cached_property
    def by_month(self) -> dict[str, list[Postmortem]]:
        """Published records by month of their start (YYYY-MM), newest first."""
        months: dict[str, list[Postmortem]] = {}
        for record in self.records:
            months.setdefault(month_key(record.started_at.date()), []).append(record)
        return months

    def summary(self, view: ServiceView | TeamView) -> Summary:
        """A service's or team's fact card: the window's figures (§3, §4's window), the factors
        that keep coming back (all time) and the newest incidents."""
        window = view.in_window
        factors = self.patterns["factor"]
        return Summary(
            incidents=len(view.incidents),
            in_window=len(window),
            mttr_median_window=median(self.figures[r.id].mttr for r in window),
            repeats_window=sum(1 for r in window if self.figures[r.id].repeat_of),
            open_items=len(view.open_items),
            overdue_items=len(view.overdue_items),
            recurring=[Recurring(f, n, factors[f].url) for f, n in recurring_factors(view.incidents)],
            latest=view.incidents[:LATEST],
        )

    @cached_property
    def running(self) -> RunningMonth | None:
        """The month holding as_of while it still runs (the report's last month), or None."""
        return running_month(self.as_of)

    @cached_property
    def same_days_before(self) -> dict[str, object] | None:
        """The month before the running one over the same days elapsed: the figures of a report
        row, postmortems on time included (drafts count in that one, as in each month's). None
        without a running month, or when the report has no row for the month before."""
        running = self.running
        if running is None or not any(row["month"] == running.previous for row in self.report):
            return None
        first, last = running.previous_first, running.previous_last
        oldest_first = list(reversed(self.records))
        row = period_figures(oldest_first, self.figures, self.severities, first, last, self.as_of)
        started = [r for r in (*self.records, *self.drafts) if first <= r.started_at.date() <= last]
        row["postmortems_on_time"] = on_time_share(started, self.policy, self.as_of)
        return row

    def rows_of(self, record: Postmortem) -> list[ItemRow]:
        """A record's action items with their overdue flag, for templates."""
        return [ItemRow(record, item, item.is_overdue(self.as_of)) for item in record.action_items]


def build_knowledge(
    records: Sequence[Postmortem],
    catalog: dict[str, Service] | None,
    *,
    as_of: dt.date,
    severities: Sequence[str],
    repeat_window_days: int,
    model: Model,
    policy: Policy | None = None,
    url_for: Callable[[str, str], str] = lambda kind, key: f"{kind}/{key}/",
    texts: Mapping[str, str] | None = None,
) -> Knowledge:
    """Aggregate the records; `url_for(kind, key)` gives the site-relative URL of a generated page.

    The policy's figure (postmortems on time per month, §10) joins each month of the report: the
    one figure drafts count in, so it is computed here, where the drafts still are. `texts`: each
    record's body by id, for the incidents one postmortem names in its text (`mentioned_ids`)."""
    published = sorted(
        (r for r in records if not r.is_draft), key=lambda r: (r.started_at, r.id), reverse=True
    )
    drafts = [r for r in records if r.is_draft]
    oldest_first = list(reversed(published))
    figures = incident_figures(oldest_first, repeat_window_days)
    window_days = model.window_days

    items: list[ItemRow] = []
    services: dict[str, ServiceView] = {}
    teams: dict[str, TeamView] = {}

    def team_view(name: str) -> TeamView:
        view = teams.get(name)
        if view is None:
            slug = slugify(name)
            view = teams[name] = TeamView(
                name, slug, url=url_for("team", slug), feed_url=url_for("feed", slug)
            )
        return view

    def service_view(name: str) -> ServiceView:
        view = services.get(name)
        if view is None:
            known = catalog.get(name) if catalog else None
            view = services[name] = ServiceView(
                name, known, known.team if known else None, url=url_for("service", name)
            )
        return view

    for entry in (catalog or {}).values():
        service_view(entry.name)
        if entry.team:
            team_view(entry.team).services.append(entry.name)

    patterns: dict[str, dict[str, PatternView]] = {kind: {} for kind in PATTERN_KINDS}
    for record in published:
        rows = [ItemRow(record, item, item.is_overdue(as_of)) for item in record.action_items]
        items.extend(rows)
        recent = in_window(record.started_at.date(), as_of, window_days)
        for name in record.services:
            view = service_view(name)
            view.incidents.append(record)
            view.items.extend(rows)
            if recent:
                view.in_window.append(record)
            if view.team is None and record.teams:
                view.team = record.teams[0]
        for name in record.teams:
            team = team_view(name)
            team.incidents.append(record)
            team.items.extend(rows)
            if recent:
                team.in_window.append(record)
            for service in record.services:
                if service not in team.services and (catalog is None or service not in catalog):
                    team.services.append(service)
        for kind, key in pattern_keys(record):
            bucket = patterns[kind]
            if key not in bucket:
                bucket[key] = PatternView(kind, key, url=url_for(kind, key))
            bucket[key].incidents.append(record)

    for view in services.values():
        view.mttr_mean_window = mean(figures[r.id].mttr for r in view.in_window)
        view.repeats_window = sum(1 for r in view.in_window if figures[r.id].repeat_of)
        view.score = score_service(view.name, view.service, view.incidents, model, as_of)
    for team in teams.values():
        team.services.sort()
    policy = policy or Policy()
    report = monthly_report(oldest_first, figures, severities, as_of)
    on_time = on_time_by_month(records, policy, as_of)
    for row in report:
        row["postmortems_on_time"] = on_time.get(str(row["month"]))

    ids = {r.id for r in published}
    finder = id_pattern(ids)
    mentions = {
        r.id: found
        for r in published
        if (found := mentioned_ids((texts or {}).get(r.id, ""), ids, r.id, finder))
    }
    mentioned_by: dict[str, list[str]] = {}
    for record in published:  # newest first
        for other in mentions.get(record.id, []):
            mentioned_by.setdefault(other, []).append(record.id)

    return Knowledge(
        as_of=as_of,
        severities=tuple(severities),
        window_days=window_days,
        records=published,
        drafts=drafts,
        figures=figures,
        by_id={r.id: r for r in records},
        services=dict(sorted(services.items())),
        teams=dict(sorted(teams.items())),
        patterns={kind: dict(sorted(bucket.items())) for kind, bucket in patterns.items()},
        items=items,
        report=report,
        model=model,
        policy=policy,
        mentions=mentions,
        mentioned_by=mentioned_by,
    )
