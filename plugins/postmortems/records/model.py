"""The postmortem record and the problems found while reading one.

Plain dataclasses with no behaviour beyond small derived views: every other module
(parse, validate, metrics, pages, export) passes these around, and tests build them
by hand without MkDocs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

Level = Literal["error", "warning", "info"]
KeyPath = tuple[str | int, ...]  # a key in the front matter: ("action_items", 0, "due")

STATUSES = ("draft", "review", "final")
ACTION_STATUSES = ("open", "in-progress", "done", "wontfix")
PRIORITIES = ("high", "medium", "low")
SLO_KINDS = ("availability", "latency", "error_rate", "freshness", "throughput")
DETECTIONS = ("alert", "customer-report", "internal-report", "synthetic", "other")
TRIGGERS = (
    "deploy",
    "config-change",
    "traffic",
    "dependency",
    "infrastructure",
    "data",
    "security",
    "unknown",
)
FIX_CLASSES = (
    "config-only",
    "code-refactor",
    "infra-modernization",
    "process-automation",
    "ai-code-cleanup",
)
CENTRALITIES = ("low", "medium", "high")
# Body sections (spec §1), recognised by heading, case-insensitively.
SECTION_ALIASES: dict[str, str] = {
    "summary": "summary",
    "impact": "impact",
    "customer impact": "impact",
    "timeline": "timeline",
    "root cause": "root_cause",
    "root causes": "root_cause",
    "contributing factors": "contributing_factors",
    "what went well": "what_went_well",
    "action items": "action_items",
    "lessons learned": "lessons_learned",
}
# The front-matter fields of a postmortem (spec §1), in the order the spec and our files list them.
FIELDS = (
    "id",
    "title",
    "status",
    "severity",
    "services",
    "teams",
    "started_at",
    "detected_at",
    "acknowledged_at",
    "mitigated_at",
    "resolved_at",
    "published_at",
    "authors",
    "reviewers",
    "slos",
    "impact",
    "paged_outside_hours",
    "detection",
    "trigger",
    "contributing_factors",
    "tags",
    "fix_class",
    "ai_risk",
    "effort_days",
    "related",
    "action_items",
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one file: where, what, and how to fix it."""

    level: Level
    path: str
    line: int | None
    message: str
    key: str | None = None

    def location(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.message}"


@dataclass
class ActionItem:
    title: str
    owner: str | None = None
    due: dt.date | None = None
    priority: str | None = None
    status: str = "open"
    ticket: str | None = None
    done_at: dt.date | None = None
    line: int | None = None
    epic: str | None = None  # the modernization epic the item was promoted to (spec §7)

    @property
    def is_open(self) -> bool:
        return self.status in ("open", "in-progress")

    def is_overdue(self, as_of: dt.date) -> bool:
        return self.is_open and self.due is not None and self.due < as_of


@dataclass
class TimelineEvent:
    time: str
    event: str
    line: int | None = None


@dataclass
class Slo:
    name: str
    kind: str | None = None
    burn_rate: float | None = None
    budget_consumed_pct: float | None = None


@dataclass
class Impact:
    users_affected: int | None = None
    user_pct: float | None = None
    revenue_usd: float | None = None
    regulatory: list[str] = field(default_factory=list)


@dataclass
class Postmortem:
    """A validated postmortem: canonical values only (UTC datetimes, canonical severity)."""

    id: str
    title: str
    status: str
    severity: str
    services: list[str]
    started_at: dt.datetime
    source: str
    teams: list[str] = field(default_factory=list)
    detected_at: dt.datetime | None = None
    acknowledged_at: dt.datetime | None = None
    mitigated_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    published_at: dt.date | None = None
    authors: list[str] = field(default_factory=list)
    reviewers: list[str] = field(default_factory=list)
    slos: list[Slo] = field(default_factory=list)
    impact: Impact = field(default_factory=Impact)
    paged_outside_hours: bool | None = None
    detection: str | None = None
    trigger: str | None = None
    contributing_factors: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    fix_class: list[str] = field(default_factory=list)
    ai_risk: bool = False
    effort_days: float | None = None
    related: list[str] = field(default_factory=list)
    action_items: list[ActionItem] = field(default_factory=list)
    timeline: list[TimelineEvent] = field(default_factory=list)
    sections: dict[str, str] = field(default_factory=dict)
    legacy: bool = False
    url: str = ""

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"


@dataclass
class Service:
    name: str
    team: str | None = None
    tier: int | None = None
    dependency_centrality: str | None = None
    description: str | None = None
    runbook: str | None = None
    dashboard: str | None = None
    repository: str | None = None
    lifecycle: str | None = None
    owner: str | None = None  # a person owning it (Backstage `user:` owners), when no team does
    pagerduty: tuple[str, ...] = ()  # PagerDuty service ids and integration keys (Backstage annotations)
    # The maturity rubric's criteria the service meets (spec §8), with where each was written:
    # the catalog file and its line (None for a Backstage annotation), for the unknown-id warning.
    maturity: tuple[str, ...] = ()
    maturity_lines: tuple[int | None, ...] = ()
    source: str | None = None

    @property
    def deprecated(self) -> bool:
        return (self.lifecycle or "").strip().lower() == "deprecated"
