"""Which pages the knowledge base generates, where they live, and what each one shows.

The plugin turns each `PageSpec` into a virtual `File`; templates get a `PageData` as `pm`: the
spec, the `Knowledge`, and helpers for links relative to the page. URLs are computed here once
so that pages, JSON and feeds agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
from markupsafe import Markup

from ..insight.knowledge import PATTERN_KINDS, Knowledge
from ..insight.loop import STATE_WORDS, Loop, change_words
from ..insight.metrics import days_in_month, months_between
from ..insight.report import MonthReport
from ..records.model import Postmortem, Problem
from .charts import Chart
from .formats import label, month_label, month_name

ASSETS = "assets/postmortems"

DEFAULT_FOLDERS = {
    "incidents": "incidents",
    "explorer": "explorer",
    "services": "services",
    "teams": "teams",
    "patterns": "patterns",
    "action_items": "action-items",
    "trends": "trends",
    "reports": "reports",
    "backlog": "backlog",
    "targets": "targets",
    "digest": "digest",
    "feeds": "feeds",
}
PATTERN_FOLDERS = {"factor": "factors", "tag": "tags", "trigger": "triggers", "fix_class": "fix-classes"}
WIDE_KINDS = frozenset({"incidents", "services", "teams", "action_items", "reports", "patterns", "backlog"})


@dataclass(frozen=True)
class PageSpec:
    src_uri: str
    kind: str
    title: str
    key: str = ""
    in_nav: bool = False
    charts: bool = False
    description: str = ""

    @property
    def template(self) -> str:
        return f"postmortems/{self.kind}.html"

    @property
    def wide(self) -> bool:
        """Table pages give the table of contents' column to their tables (Material's `hide: [toc]`):
        their few headings are also in the navigation or the page's first lines."""
        return self.kind in WIDE_KINDS


class Layout:
    """Folder of each page kind, and the URL of any generated page."""

    def __init__(self, folders: Mapping[str, str], use_directory_urls: bool) -> None:
        self.folders = {**DEFAULT_FOLDERS, **{k: v.strip("/") for k, v in folders.items()}}
        self.use_directory_urls = use_directory_urls

    def src_uri(self, kind: str, key: str = "") -> str:
        if kind in PATTERN_FOLDERS:
            base = f"{self.folders['patterns']}/{PATTERN_FOLDERS[kind]}"
        elif kind in ("service", "team", "report"):
            base = self.folders[kind + "s"]
        elif kind == "feed":
            return f"{self.folders['feeds']}/{key or 'all'}.xml"
        else:
            base = self.folders[kind]
        return f"{base}/{key or 'index'}.md"

    def url_of(self, src_uri: str) -> str:
        if not src_uri.endswith(".md"):
            return src_uri
        stem = src_uri[:-3]
        if stem.endswith("index") and (stem == "index" or stem.endswith("/index")):
            return stem[: -len("index")] if self.use_directory_urls else stem + ".html"
        return stem + "/" if self.use_directory_urls else stem + ".html"

    def url(self, kind: str, key: str = "") -> str:
        return self.url_of(self.src_uri(kind, key))


def reported_months(kb: Knowledge, months: int) -> list[dict[str, object]]:
    """The report's months that get a page: from the first month with an incident among the
    latest `months` (to as_of) onwards. One incident from 1628 would otherwise give every month
    since its own page; report.json keeps them all."""
    recent = set(months_between(_months_back(kb.as_of, max(months, 1) - 1), kb.as_of))
    for index, row in enumerate(kb.report):
        if row["month"] in recent and row.get("incidents"):
            return kb.report[index:]
    return []


def _months_back(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + day.month - 1 - months
    return dt.date(total // 12, total % 12 + 1, 1)


def page_specs(kb: Knowledge, layout: Layout, report_months: int = 36) -> list[PageSpec]:
    """Every generated page: index pages in the nav, detail pages reachable from them."""
    specs = [
        PageSpec(
            layout.src_uri("incidents"),
            "incidents",
            "Incidents",
            in_nav=True,
            description="Every published postmortem in one sortable table.",
        ),
        PageSpec(
            layout.src_uri("explorer"),
            "explorer",
            "Explorer",
            in_nav=True,
            description="Search postmortems by words and filter by service, team, severity, factor and date.",
        ),
        PageSpec(
            layout.src_uri("services"),
            "services",
            "Services",
            in_nav=True,
            description="Every service with its incidents, MTTR, repeats and open action items.",
        ),
        PageSpec(
            layout.src_uri("teams"),
            "teams",
            "Teams",
            in_nav=True,
            description="Every team with its services, incidents and action items.",
        ),
        PageSpec(
            layout.src_uri("patterns"),
            "patterns",
            "Patterns",
            in_nav=True,
            description="Contributing factors, tags, triggers and fix classes across teams.",
        ),
        PageSpec(
            layout.src_uri("action_items"),
            "action_items",
            "Action items",
            in_nav=True,
            description="Open, overdue and recently done follow-up work, by owner and team.",
        ),
        PageSpec(
            layout.src_uri("trends"),
            "trends",
            "Trends",
            in_nav=True,
            charts=True,
            description="Incidents by severity, MTTR, repeat rate, completion and time to postmortem.",
        ),
        PageSpec(
            layout.src_uri("reports"),
            "reports",
            "Monthly reports",
            in_nav=True,
            description="One report per month: this month against the last.",
        ),
        PageSpec(
            layout.src_uri("backlog"),
            "backlog",
            "Modernization backlog",
            in_nav=True,
            description="The weekly review's agenda: first the services that need a decision, then the "
            "reviews that are due, then the work decided, each ranked by the modernization score.",
        ),
        PageSpec(
            layout.src_uri("targets"),
            "targets",
            "Targets",
            in_nav=True,
            charts=True,
            description="Each target over the current period against the previous one, for the whole "
            "archive and per team.",
        ),
        PageSpec(
            layout.src_uri("digest"),
            "digest",
            "Weekly digest",
            in_nav=True,
            description="The top five candidates with their score change, the postmortems published and "
            "the action items that fell due this week.",
        ),
    ]
    for name, view in kb.services.items():
        text = view.service.description if view.service and view.service.description else ""
        specs.append(
            PageSpec(
                layout.src_uri("service", name),
                "service",
                name,
                name,
                charts=True,
                description=f"Service {name} ({view.team or 'no owner'}). {text}",
            )
        )
    for name, team in kb.teams.items():
        specs.append(
            PageSpec(
                layout.src_uri("team", team.slug),
                "team",
                f"Team {name}",
                name,
                charts=True,
                description=f"Team {name}: services {', '.join(team.services)}.",
            )
        )
    for kind, bucket in kb.patterns.items():
        what = PATTERN_KINDS[kind][1].rstrip("s").capitalize()
        for key in bucket:
            specs.append(
                PageSpec(
                    layout.src_uri(kind, key),
                    "pattern",
                    label(key),
                    f"{kind}:{key}",
                    description=f"{what}: {label(key)}.",
                )
            )
    for row in reported_months(kb, report_months):
        month = str(row["month"])
        specs.append(
            PageSpec(
                layout.src_uri("report", month),
                "report",
                f"Report {month_label(month, kb.running)}",
                month,
                charts=False,
                description=f"Monthly incident report for {month_name(month)}.",
            )
        )
    return specs


@dataclass
class PageData:
    """What a template gets as `pm`."""

    kb: Knowledge
    layout: Layout
    spec: PageSpec | None = None
    record: Any = None
    problems: list[Problem] | None = None
    assets: str = ASSETS
    api_dir: str = "api"
    charts: list[Chart] = field(default_factory=list)
    report: MonthReport | None = None
    base: str = ""  # the site root relative to the page, e.g. "../../"
    rows: RowCache | None = None
    table_limit: int = 100
    report_months: int = 36
    ticket_url: str = ""  # e.g. https://jira.example.com/browse/{ticket}; empty: ids as text
    loop: Loop | None = None
    drafts_published: bool = False  # whether a draft has a page to link to

    why_limit: int = 10  # incidents named in each service's "why it ranks" on the backlog

    def window_from(self) -> str:
        """The first day of the scoring window (as_of − window_days < started_at), ISO 8601."""
        return (self.kb.as_of - dt.timedelta(days=self.kb.window_days - 1)).isoformat()

    def explore_month(self, month: str) -> str:
        """The explorer on the incidents started in a month (YYYY-MM)."""
        year, number = (int(part) for part in month.split("-"))
        last = days_in_month(year, number)
        return self.explore(**{"from": f"{month}-01", "to": f"{month}-{last:02d}"})

    def ticket_href(self, ticket: str) -> str | None:
        """The ticket's address from the site's `ticket_url`, the id URL-quoted; None without one."""
        if not self.ticket_url or not ticket:
            return None
        return self.ticket_url.replace("{ticket}", quote(ticket, safe=""))

    def reports(self) -> list[dict[str, object]]:
        """The months with a report page, oldest first."""
        return reported_months(self.kb, self.report_months)

    def neighbours(self, month: str) -> tuple[str | None, str | None]:
        """The months with a report page before and after this one."""
        keys = [str(row["month"]) for row in self.reports()]
        at = keys.index(month) if month in keys else -1
        if at < 0:
            return None, None
        return (keys[at - 1] if at > 0 else None), (keys[at + 1] if at + 1 < len(keys) else None)

    def change(self, delta: int) -> tuple[str, str]:
        """A score change as (arrow, words), e.g. ('▲', 'up 3')."""
        return change_words(delta)

    def state(self, state: str) -> str:
        """A decision state in words, e.g. 'needs a decision'."""
        return STATE_WORDS.get(state, state)

    def pattern_names(self, *kinds: str) -> dict[str, str]:
        """Each pattern of these kinds by slug → its name as pages show it (the explorer's facets)."""
        return {key: label(key) for kind in kinds for key in self.kb.patterns[kind]}

    def pattern_field(self, kind: str) -> str:
        """The front-matter field a pattern of this kind is written in, e.g. contributing_factors."""
        return PATTERN_KINDS[kind][0]

    def link_record(self, record: Postmortem) -> bool:
        """Whether the record has a page in this build (drafts only with show_drafts)."""
        return bool(record.url) and (not record.is_draft or self.drafts_published)

    def href(self, url: str) -> str:
        """A site-relative URL made relative to the page (what MkDocs' `url` filter does)."""
        return self.base + url

    def explore(self, **filters: str) -> str:
        """The explorer, relative to the page, opened on the given filters (its URL state)."""
        query = urlencode(filters)
        return self.href(self.layout.url("explorer")) + (f"?{query}" if query else "")

    def incident_row(self, record: Postmortem) -> Markup:
        assert self.rows is not None
        return self.rows.incident(record, self)


class RowCache:
    """Incident table rows, each rendered once and reused by every table that lists it.

    Each incident is listed on several pages (incidents, its services, teams and patterns,
    reports), at several depths. Its row is rendered once with a mark where the path to the site
    root goes (`pm.base`, which `pm.href` starts every link with) and the mark is replaced by
    each page's own. The mark holds NUL characters: escaping leaves them as they are, and a
    postmortem's text only holds one if its YAML spells it out (and then gets a "../" there).
    """

    MARK = "\x00pm-base\x00"

    def __init__(self, env: jinja2.Environment) -> None:
        self.template = env.get_template("postmortems/partials/incident-row.html")
        self.cache: dict[str, str] = {}
        self.marked: PageData | None = None  # the first page's PageData, its base the mark

    def incident(self, record: Postmortem, pm: PageData) -> Markup:
        row = self.cache.get(record.id)
        if row is None:
            if self.marked is None:  # a RowCache lives one build: every page has the same kb
                self.marked = replace(pm, base=self.MARK, spec=None, record=None, charts=[], report=None)
            row = self.cache[record.id] = self.template.render(r=record, pm=self.marked)
        return Markup(row.replace(self.MARK, pm.base))
