"""Deterministic synthetic postmortem archive for benchmarks (issue 7).

Why a generator and not copies of the sample: the plugin's cost depends on what real archives
contain (front matter with every spec §1 field, Timeline and Action Items tables, cross links,
a few legacy bold-header files, 60–120 line bodies of varied prose), and on how values spread
(~50 services, ~10 teams, ~30 shared contributing factors, three years of months). Copies of a
handful of files would make every page, pattern and chart degenerate. Everything comes from one
`random.Random(seed)`, so the same N and seed give byte-identical files on every machine, and
two benchmark runs measure the same input.

Usage as a script: `python scripts/synth.py --n 1000 --out bench-out/n1000` writes
`docs/index.md`, `docs/services.yml` and `docs/postmortems/<year>/*.md` under --out.
As a module: `synth.generate(root, n, seed)`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import shutil
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_SEED = 20261120
FIRST_DAY = dt.date(2023, 12, 1)
LAST_DAY = dt.date(2026, 11, 15)  # the archive ends in Nov 2026; the bench builds "as of" 2026-11-20
AS_OF = dt.date(2026, 11, 20)
LEGACY_SHARE = 0.02
MARKER = ".synth-archive"  # written into every generated root so `generate` only ever wipes its own output

# --------------------------------------------------------------------------- vocabulary

TEAMS: dict[str, tuple[str, ...]] = {
    "payments": ("payments-api", "ledger-service", "fraud-scoring", "payouts-worker", "billing-service"),
    "storefront": ("checkout-web", "cart-service", "catalog-api", "pricing-service", "promotions-service"),
    "identity": ("auth-service", "user-profile", "session-store", "permissions-api", "sso-gateway"),
    "platform": ("api-gateway", "service-mesh", "k8s-cluster", "ci-runners", "secrets-manager"),
    "data": ("data-pipeline", "event-bus", "warehouse-loader", "analytics-api", "feature-store"),
    "fulfillment": (
        "orders-service",
        "inventory-service",
        "shipping-api",
        "warehouse-sync",
        "returns-service",
    ),
    "search": ("search-service", "search-indexer", "recommendations", "typeahead-api", "ranking-service"),
    "growth": (
        "experiments-api",
        "email-campaigns",
        "referral-service",
        "loyalty-service",
        "ads-attribution",
    ),
    "mobile": ("mobile-bff", "push-gateway", "app-config", "deep-links", "mobile-releases"),
    "messaging": (
        "notification-service",
        "sms-gateway",
        "email-relay",
        "webhooks-dispatcher",
        "chat-support",
    ),
}
TICKET_PREFIX = {
    "payments": "PAY",
    "storefront": "STORE",
    "identity": "IAM",
    "platform": "PLAT",
    "data": "DATA",
    "fulfillment": "FUL",
    "search": "SRCH",
    "growth": "GRO",
    "mobile": "MOB",
    "messaging": "MSG",
}
SERVICE_TEAM = {service: team for team, services in TEAMS.items() for service in services}
SERVICES = tuple(SERVICE_TEAM)
SHARED_DEPENDENCIES = (
    "api-gateway",
    "auth-service",
    "event-bus",
    "service-mesh",
    "session-store",
    "secrets-manager",
    "k8s-cluster",
)
# (slug, label, what happened, a fix) — the contributing factor vocabulary shared by every team.
FACTORS: tuple[tuple[str, str, str, str], ...] = (
    (
        "missing-index",
        "Missing index",
        "a query on `{table}` filtered on a column with no index, so every call became a sequential "
        "scan once the table passed {rows} million rows",
        "Add an index on {table} and an EXPLAIN check in CI",
    ),
    (
        "no-load-test",
        "No load test",
        "the change was never run at production traffic; staging carries about a twentieth of the load "
        "and hid the problem",
        "Add a load test for {endpoint} to the release pipeline",
    ),
    (
        "missing-timeout",
        "Missing timeout",
        "the client for {dep} had no request timeout, so workers waited on responses that never came "
        "until the pool was exhausted",
        "Set explicit timeouts on every {dep} client call",
    ),
    (
        "retry-storm",
        "Retry storm",
        "clients retried immediately and without jitter, tripling the load on {service} just as it "
        "was trying to recover",
        "Add exponential backoff with jitter to {service} clients",
    ),
    (
        "connection-pool-exhaustion",
        "Connection pool exhaustion",
        "the database connection pool of {service} was sized for last year's traffic and ran dry "
        "under the {event}",
        "Resize the {service} connection pool and alert on saturation",
    ),
    (
        "cert-expiry",
        "Certificate expiry",
        "a TLS certificate used between {service} and {dep} expired; the renewal job had been "
        "failing silently for weeks",
        "Alert 30 days before any certificate in the inventory expires",
    ),
    (
        "config-drift",
        "Configuration drift",
        "the production configuration of {service} had drifted from the repository, so the "
        "reviewed change behaved differently once applied",
        "Reconcile {service} configuration from git and alert on drift",
    ),
    (
        "no-canary",
        "No canary",
        "the release went to every pod at once; there is no canary stage for {service}",
        "Add a canary stage with automatic rollback for {service}",
    ),
    (
        "alert-gap",
        "Alerting gap",
        "no alert covered the failing path, so the first signal came from customers",
        "Add an SLO burn-rate alert for {endpoint}",
    ),
    (
        "runbook-outdated",
        "Outdated runbook",
        "the runbook still described the old deployment layout and sent the on-call to the wrong dashboard",
        "Rewrite the {service} runbook and test it in a game day",
    ),
    (
        "manual-deploy-step",
        "Manual deploy step",
        "a manual step in the deploy checklist was skipped under time pressure",
        "Automate the {service} migration step in the pipeline",
    ),
    (
        "schema-migration-lock",
        "Schema migration lock",
        "a schema migration took an exclusive lock on `{table}` and blocked writes for its duration",
        "Run {service} migrations with lock timeouts and online DDL",
    ),
    (
        "capacity-planning-gap",
        "Capacity planning gap",
        "the {event} had been announced, but nobody translated the forecast into capacity for {service}",
        "Add {service} to the quarterly capacity review",
    ),
    (
        "single-point-of-failure",
        "Single point of failure",
        "{service} ran a single replica of its scheduler, and when that node was drained the whole "
        "queue stopped",
        "Run the {service} scheduler with leader election across zones",
    ),
    (
        "dependency-upgrade",
        "Dependency upgrade",
        "a minor upgrade of a shared library changed default behaviour that {service} relied on",
        "Pin and changelog-review shared library upgrades for {service}",
    ),
    (
        "feature-flag-misconfig",
        "Feature flag misconfiguration",
        "the flag `{flag}` was switched on for all tenants instead of the internal cohort",
        "Require a second approver for production-wide flag changes",
    ),
    (
        "cache-stampede",
        "Cache stampede",
        "a cache flush made every instance of {service} recompute the same keys at once",
        "Add request coalescing to the {service} cache",
    ),
    (
        "noisy-neighbour",
        "Noisy neighbour",
        "a batch job on the same nodes consumed the CPU that {service} needed to answer in time",
        "Move batch jobs to a dedicated node pool",
    ),
    (
        "missing-rate-limit",
        "Missing rate limit",
        "one client sent {rps} requests per second to {endpoint}, which has no per-client limit",
        "Add per-client rate limits to {endpoint}",
    ),
    (
        "stale-dashboard",
        "Stale dashboard",
        "the main dashboard for {service} still charted metrics that were renamed two releases ago",
        "Fix the {service} dashboards and add a panel test",
    ),
    (
        "unclear-ownership",
        "Unclear ownership",
        "nobody was sure which team owned {dep}, which cost the first half hour of the response",
        "Record an owner for {dep} in the service catalog",
    ),
    (
        "insufficient-test-coverage",
        "Insufficient test coverage",
        "the code path that failed had no test, and the existing tests mocked {dep} completely",
        "Add contract tests between {service} and {dep}",
    ),
    (
        "ai-generated-code-untested",
        "Untested AI-generated code",
        "the faulty function was generated with an AI assistant and merged without a test of the "
        "edge case that failed",
        "Require tests for AI-assisted changes to {service}",
    ),
    (
        "secret-rotation",
        "Secret rotation",
        "a credential was rotated in the secrets manager, but {service} caches secrets until restart",
        "Reload {service} secrets without a restart",
    ),
    (
        "dns-misconfiguration",
        "DNS misconfiguration",
        "a DNS record for {dep} was changed with a one-day TTL, so the fix took hours to reach "
        "every resolver",
        "Lower TTLs before DNS changes and add a DNS change checklist",
    ),
    (
        "clock-skew",
        "Clock skew",
        "a node's clock drifted by {skew} seconds, so signed tokens looked expired or not yet valid",
        "Alert on NTP offset above 100 ms on every node",
    ),
    (
        "queue-backlog",
        "Queue backlog",
        "consumers of `{queue}` fell behind and the backlog grew faster than they could drain it",
        "Autoscale {queue} consumers on lag",
    ),
    (
        "memory-leak",
        "Memory leak",
        "a leak in the request handler grew the heap of {service} until pods were OOM-killed in a loop",
        "Add heap profiling to the {service} soak test",
    ),
    (
        "unbounded-query",
        "Unbounded query",
        "an endpoint returned every row of `{table}` for large tenants, with no pagination",
        "Paginate {endpoint} and cap page size",
    ),
    (
        "rollback-not-tested",
        "Untested rollback",
        "the rollback path had never been exercised and failed on the new schema",
        "Test rollback of every {service} release in staging",
    ),
)
FACTOR_SLUGS = tuple(f[0] for f in FACTORS)
FACTOR_BY_SLUG = {f[0]: f for f in FACTORS}
TRIGGER_FACTORS: dict[str, tuple[str, ...]] = {
    "deploy": (
        "no-canary",
        "insufficient-test-coverage",
        "no-load-test",
        "rollback-not-tested",
        "missing-index",
    ),
    "config-change": ("config-drift", "feature-flag-misconfig", "dns-misconfiguration", "manual-deploy-step"),
    "traffic": ("capacity-planning-gap", "retry-storm", "missing-rate-limit", "connection-pool-exhaustion"),
    "dependency": ("missing-timeout", "retry-storm", "single-point-of-failure", "unclear-ownership"),
    "infrastructure": ("single-point-of-failure", "noisy-neighbour", "clock-skew", "memory-leak"),
    "data": ("unbounded-query", "queue-backlog", "schema-migration-lock", "insufficient-test-coverage"),
    "security": ("cert-expiry", "secret-rotation", "alert-gap", "runbook-outdated"),
    "unknown": ("alert-gap", "stale-dashboard", "memory-leak", "cache-stampede"),
}
TRIGGERS = tuple(TRIGGER_FACTORS)
TRIGGER_WEIGHTS = (34, 16, 12, 12, 10, 8, 5, 3)
TAGS = (
    "database", "postgres", "mysql", "redis", "kafka", "kubernetes", "networking", "dns", "tls", "cdn",
    "cache", "queue", "batch", "mobile", "email", "sms", "search", "payments", "checkout", "auth",
    "observability", "alerting", "deploy", "migration", "capacity", "third-party", "aws", "terraform",
    "feature-flags", "ai-code", "black-friday", "latency", "data-quality", "security", "b2b", "api",
    "frontend", "cron", "cost", "compliance",
)  # fmt: skip
SYMPTOMS = (
    ("5xx errors", "5xx errors", "error pages"),
    ("Elevated latency", "high latency", "slow pages and spinners"),
    ("Timeouts", "timeouts", "requests that hung and then failed"),
    ("Partial outage", "a partial outage", "intermittent failures"),
    ("Outage", "a full outage", "a maintenance page"),
    ("Stale data", "stale data", "out-of-date prices and stock levels"),
    ("Dropped events", "dropped events", "missing order confirmations"),
    ("Delayed notifications", "delayed notifications", "emails and pushes arriving hours late"),
    ("Failed logins", "failed logins", "being logged out and unable to log back in"),
    ("Duplicate writes", "duplicate writes", "duplicate orders in their history"),
    ("Degraded results", "degraded results", "empty or irrelevant results"),
    ("Checkout failures", "checkout failures", "a failed payment message at checkout"),
)
EVENTS = (
    "Black Friday peak", "spring sale", "TV campaign", "marketing email blast", "partner launch",
    "end-of-month billing run", "app store feature", "holiday traffic", "flash sale", "regional launch",
)  # fmt: skip
INFRA_EVENTS = (
    "a zone-wide network partition", "a failed node pool upgrade", "a storage volume running out of IOPS",
    "a load balancer health-check misfire", "an expired node image", "a kernel upgrade that rebooted nodes",
)  # fmt: skip
SECURITY_EVENTS = ("certificate renewal", "credential rotation", "key rotation", "token signing key rollover")
MITIGATIONS = (
    "rolling back to {prev_version}",
    "switching traffic to {region_b}",
    "disabling `{flag}`",
    "scaling {service} out to {pods} pods",
    "restarting the {service} pods",
    "failing over the primary database",
    "shedding non-critical traffic at api-gateway",
    "pausing the `{queue}` consumers and replaying the backlog",
)
REGIONS = ("eu-west-1", "us-east-1", "us-west-2", "eu-central-1", "ap-southeast-2")
FIRST_NAMES = (
    "maya", "tom", "priya", "sam", "omar", "carla", "felix", "kwame", "lena", "diego", "aiko", "noah",
    "fatima", "jonas", "ines", "ravi", "chloe", "mateo", "zara", "ben", "hana", "luca", "sofia", "ade",
)  # fmt: skip
LAST_NAMES = (
    "okafor", "reyes", "raman", "whitfield", "haddad", "mendes", "wagner", "mensah", "novak", "alvarez",
    "tanaka", "berg", "khan", "schulz", "costa", "patel", "martin", "silva", "ali", "cohen",
)  # fmt: skip
PEOPLE = tuple(
    f"@{FIRST_NAMES[i % len(FIRST_NAMES)]}.{LAST_NAMES[(i * 7 + i // len(FIRST_NAMES)) % len(LAST_NAMES)]}"
    for i in range(80)
)
TEAM_PEOPLE = {team: PEOPLE[i * 8 : i * 8 + 8] for i, team in enumerate(TEAMS)}

SUMMARY_OPENERS = {
    "deploy": "On {day} {date}, release {version} of {service} went out at {start} UTC and within "
    "minutes customers saw {customer}.",
    "config-change": "A configuration change to {service} at {start} UTC (`{flag}`) caused {symptom} "
    "for about {duration} minutes.",
    "traffic": "Traffic from the {event} pushed {service} past its capacity at {start} UTC, and "
    "{symptom} followed for {duration} minutes.",
    "dependency": "{dep} began failing at {start} UTC, and {service}, which calls it on every request, "
    "returned {code}s until we stopped waiting on it.",
    "infrastructure": "At {start} UTC {infra} in {region} took out part of the capacity behind {service}.",
    "data": "A bad batch of data from {dep} reached {service} at {start} UTC and was served to "
    "customers for {duration} minutes.",
    "security": "On {day} {date} a routine {security} broke calls from {service} to {dep} at {start} UTC.",
    "unknown": "{service} showed {symptom} from {start} UTC; we still have no single confirmed cause.",
}
SUMMARY_MORE = (
    "The change had passed review and the staging smoke tests, which do not exercise {endpoint}.",
    "Most failures were on {endpoint}, which calls {dep} for every request.",
    "Customers saw {customer}, and support received {tickets} tickets during the incident.",
    "The {team} on-call was paged by `{alert}` {detect} minutes after the start.",
    "Because {dep} shares a connection pool with {service}, the problem spread beyond the first endpoint.",
    "We mitigated by {mitigation} at {mitigated} UTC and confirmed full recovery at {resolved} UTC.",
    "No data was lost; the queued writes were replayed once {service} recovered.",
    "Error rates on {service} reached {err}% at the peak, against a normal 0.1%.",
    "The first twenty minutes went into ruling out {dep}, which turned out to be healthy.",
    "It was the first time this failure mode had been seen on {service}, though other teams knew it well.",
    "The incident started during a quiet period, which hid it from the usual traffic dashboards.",
    "Only tenants on the newest plan were affected, which made the first reports look unrelated.",
)
IMPACT_BULLETS = (
    "{duration} minutes of degraded service ({start} – {resolved} UTC), about {worst} of them with an "
    "error rate above {err}%.",
    "About {users} users affected ({pct}% of active users in the period).",
    "Estimated revenue impact: ${revenue}, before the usual partial recovery from reminder emails.",
    "p99 latency on {endpoint} peaked at {p99} ms against a normal {p99n} ms.",
    "{tickets} support tickets and a status page update at {detected} UTC.",
    "The `{slo}` SLO burned at {burn}× its sustainable rate and used {budget}% of the monthly budget.",
    "No customer data was exposed and no duplicate charges were made.",
    "Internal users of {dep} saw delays of up to {delay} minutes.",
    "Around {hours} engineer-hours went into the response across {nteams} teams.",
    "Partner integrations retried automatically; no partner reported lost messages.",
    "Mobile clients showed cached content, so app users saw stale data rather than errors.",
)
ROOT_MORE = (
    "The failure only appears above about {rps} requests per second, which staging never reaches.",
    "{service} has handled this path the same way since it was split out of the monolith, and the "
    "assumption behind it stopped being true when {dep} changed its retry policy.",
    "Once the first pods failed their health checks, the remaining ones took their share of the "
    "traffic and failed in turn: a textbook cascading failure.",
    "The metrics that would have shown the cause were there, but on a dashboard nobody opened during "
    "the incident.",
    "The same code path is used by the nightly reconciliation job, which is why the problem was first "
    "visible in `{queue}` lag rather than in request errors.",
    "A load test in March would have caught this, but it ran against a cache that was already warm.",
    "The default in the client library changed from 30 seconds to no limit between two minor versions.",
    "We reproduced the failure in staging by replaying one hour of production traffic at 4× speed.",
)
FACTOR_MORE = (
    "The on-call had been paged {pages} times that week for unrelated alerts, and the first page looked "
    "like another false positive.",
    "The change window overlapped with a release of {dep}, which made the first signals ambiguous.",
    "The runbook for {service} did not mention {dep} at all.",
    "The error budget policy was not applied: the service had been out of budget for two weeks.",
    "Nobody on the {team} rotation had been trained on the failover procedure.",
    "The alert threshold was set on the average, not on p99, and the average barely moved.",
)
WENT_WELL = (
    "The alert fired {detect} minutes after the start, well within our detection target.",
    "Rollback took under ten minutes and worked the first time.",
    "The incident channel stayed focused; one person ran comms and updated the status page every 15 minutes.",
    "{dep}'s team joined within minutes and confirmed their side was healthy.",
    "The feature flag let us turn the new path off without a deploy.",
    "Support had a macro ready for affected customers before the first tickets arrived.",
    "Dashboards for {service} showed the saturation clearly once we found them.",
    "The postmortem was drafted during the incident from the channel log.",
    "Autoscaling absorbed the first wave and bought us time.",
    "Customers were told about the impact within the hour.",
)
LESSONS = (
    "A check that only runs in one team protects only that team. When a postmortem produces tooling, "
    "we now ask in the weekly review which other teams need it.",
    "Every network call needs a timeout, and the timeout needs to be shorter than the caller's. We are "
    "adding a lint rule for clients without one.",
    "Canary analysis that looks only at the median misses the tail. We now compare p99 as well, and a "
    "canary fails on either.",
    "Capacity plans have to follow the marketing calendar. {team} now gets the campaign list a month ahead.",
    "We keep learning the same lesson about {factor} in different teams: this is a platform problem, "
    "not a team problem, and it belongs on the modernization backlog.",
    "Rollback is a feature and has to be tested like one. A release that cannot be rolled back is "
    "flagged in the release checklist.",
    "The first signal came from customers again. An SLO without a burn-rate alert is a dashboard, not "
    "a safety net.",
    "Small, frequent changes made this easy to bisect; the one large change of the quarter was the one "
    "that hurt.",
    "Ownership must be written down before the incident. The service catalog is now checked in CI for "
    "services without an owner.",
    "Defaults in shared libraries are part of our API surface. Upgrades of shared clients now go through "
    "the platform team's changelog review.",
)
TIMELINE_MIDDLE = (
    "Incident channel opened; {sev} declared",
    "{team} on-call checks the {service} dashboard; error rate at {err}%",
    "Suspect {dep}; its own dashboards look healthy",
    "Logs show `{code}` responses from {endpoint}",
    "Status page updated: investigating",
    "Second responder from {dep_team} joins",
    "Hypothesis: {factor_lower}",
    "Traffic to {endpoint} shifted to {region_b}",
    "Customer support reports a spike in tickets",
    "Database CPU at 98% on the primary",
    "Pods restarting in a loop (OOMKilled)",
    "Queue `{queue}` lag passes 200,000 messages",
    "Config diff between git and production found",
    "Incident commander hands over to the next shift",
)
CODE_BLOCKS = (
    "```sql\nSELECT o.id, o.total FROM {table} o\nWHERE o.tenant_id = $1 AND o.status = 'open'\n"
    "ORDER BY o.created_at DESC;\n```",
    "```yaml\n# {service} production values (before the fix)\nclient:\n  {dep}:\n    timeout: 0\n"
    "    retries: 5\n    backoff: none\n```",
    "```text\n{start}:12Z ERROR {service} upstream={dep} status={code} latency=30001ms\n"
    "{start}:12Z ERROR {service} upstream={dep} status={code} latency=30002ms\n"
    "{start}:13Z WARN  {service} pool exhausted (active=200 idle=0 waiting=1180)\n```",
)
ACTION_GENERIC = (
    "Add a synthetic check for {endpoint}",
    "Document the failover procedure for {service}",
    "Review alert thresholds for {service} with the on-call",
    "Add {service} to the game day schedule",
    "Publish a status page template for {service} incidents",
    "Add dashboards for {dep} latency to the {service} overview",
)
TABLES = ("orders", "order_lines", "payments", "sessions", "catalog_visibility", "shipments", "events")
ITEMS_HEADER = "| # | Action | Owner | Due | Priority | Status | Ticket | Done |"
ENDPOINTS = ("/checkout", "/api/v2/orders", "/login", "/search", "/cart/items", "/payments/authorize")
CODES = ("502", "503", "504", "500", "429")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December",
)  # fmt: skip
SEVERITIES = ("SEV-1", "SEV-2", "SEV-3", "SEV-4")
SEVERITY_WEIGHTS = (5, 20, 45, 30)
DURATIONS = {"SEV-1": (25, 240), "SEV-2": (20, 300), "SEV-3": (15, 480), "SEV-4": (10, 900)}
DETECTIONS = ("alert", "customer-report", "internal-report", "synthetic", "other")
DETECTION_WEIGHTS = (60, 15, 12, 9, 4)
SLO_KINDS = ("availability", "latency", "error_rate", "freshness", "throughput")
FIX_CLASSES = ("config-only", "code-refactor", "infra-modernization", "process-automation")


# --------------------------------------------------------------------------- helpers


def wrap(text: str, width: int = 96) -> list[str]:
    """Greedy word wrap; ~5x faster than textwrap.wrap, which matters at 10,000 files × 20 paragraphs."""
    lines: list[str] = []
    current: list[str] = []
    size = 0
    for word in text.split(" "):
        if current and size + 1 + len(word) > width:
            lines.append(" ".join(current))
            current, size = [word], len(word)
        else:
            size += len(word) + (1 if current else 0)
            current.append(word)
    if current:
        lines.append(" ".join(current))
    return lines


def iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML); titles may contain ':' or '#'."""
    return json.dumps(text, ensure_ascii=False)


def flow(values: Sequence[str]) -> str:
    return "[" + ", ".join(values) + "]"


def slugify(text: str, words: int = 7) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", text.lower())[:words])


@dataclass
class Item:
    title: str
    owner: str
    due: dt.date
    priority: str
    status: str
    ticket: str
    done_at: dt.date | None


@dataclass(frozen=True)
class Doc:
    """One generated file: its path under docs/ and its text."""

    path: str
    text: str
    legacy: bool
    items_in_front_matter: bool


@dataclass(frozen=True)
class SynthSummary:
    root: Path
    docs_dir: Path
    postmortems: int
    legacy: int
    front_matter_items: int
    table_items: int
    bytes: int
    seconds: float


# --------------------------------------------------------------------------- catalog


def catalog_yaml(seed: int = DEFAULT_SEED) -> str:
    """services.yml in the spec §2 shape: 50 services of 10 teams."""
    rng = random.Random(seed ^ 0x5EED)
    out = ["# Synthetic service catalog (scripts/synth.py).", "services:"]
    for team, services in TEAMS.items():
        for index, name in enumerate(services):
            shared = name in SHARED_DEPENDENCIES
            centrality = "high" if shared else rng.choice(("low", "medium", "medium", "high"))
            tier = 1 if shared or index == 0 else rng.choice((1, 2, 2, 3))
            words = name.replace("-", " ")
            out += [
                f"  - name: {name}",
                f"    team: {team}",
                f"    tier: {tier}",
                f"    dependency_centrality: {centrality}",
                f"    description: {q(f'The {words} of the {team} team.')}",
                f"    runbook: https://runbooks.example.com/{name}",
                f"    dashboard: https://grafana.example.com/d/{name}",
                f"    repository: https://git.example.com/{team}/{name}",
                "",
            ]
    return "\n".join(out)


# --------------------------------------------------------------------------- one incident


class _Writer:
    """Builds incidents in start order, so `related` can only name earlier incidents."""

    def __init__(self, n: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.n = n
        self.per_year: dict[int, int] = {}
        self.by_service: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {s: [] for s in SERVICES}
        # Each service calls two ordinary services and up to two shared ones (gateway, auth, bus…).
        self.dependencies: dict[str, tuple[str, ...]] = {}
        for name in SERVICES:
            own = [d for d in SERVICES if d != name and d not in SHARED_DEPENDENCIES]
            shared = random.Random(f"{seed}:{name}:shared").sample(SHARED_DEPENDENCIES, 2)
            self.dependencies[name] = (
                *random.Random(f"{seed}:{name}").sample(own, 2),
                *(d for d in shared if d != name),
            )

    def starts(self) -> list[dt.datetime]:
        """N start times, sorted, spread over the three years with more incidents lately."""
        rng = self.rng
        span = (LAST_DAY - FIRST_DAY).days * 86400
        base = dt.datetime(FIRST_DAY.year, FIRST_DAY.month, FIRST_DAY.day, tzinfo=dt.timezone.utc)
        # sqrt of a uniform skews towards the end: archives grow as more teams adopt the process.
        seconds = sorted(int(span * (0.35 + 0.65 * rng.random() ** 0.8)) if rng.random() < 0.6
                         else int(span * rng.random()) for _ in range(self.n))  # fmt: skip
        return [base + dt.timedelta(seconds=s - s % 60) for s in seconds]

    def doc(self, started: dt.datetime, legacy: bool, items_in_front: bool) -> Doc:
        rng = self.rng
        year = started.year
        self.per_year[year] = self.per_year.get(year, 0) + 1
        ident = f"INC-{year}-{self.per_year[year]:04d}"

        trigger = rng.choices(TRIGGERS, TRIGGER_WEIGHTS)[0]
        severity = rng.choices(SEVERITIES, SEVERITY_WEIGHTS)[0]
        service = rng.choice(SERVICES)
        deps = self.dependencies[service]
        dep = rng.choice(deps)
        services = [service] + ([dep] if rng.random() < 0.35 else [])
        if rng.random() < 0.08:
            services.append(rng.choice([s for s in SERVICES if s not in services]))
        teams = list(dict.fromkeys(SERVICE_TEAM[s] for s in services))
        team = teams[0]
        factors = [rng.choice(TRIGGER_FACTORS[trigger])]
        for _ in range(rng.choice((0, 1, 1, 2))):
            extra = rng.choice(FACTOR_SLUGS)
            if extra not in factors:
                factors.append(extra)
        ai_risk = rng.random() < 0.06
        if ai_risk and "ai-generated-code-untested" not in factors:
            factors.append("ai-generated-code-untested")
        symptom = rng.choice(SYMPTOMS)

        low, high = DURATIONS[severity]
        duration = int(low + (high - low) * rng.random() ** 2.2)
        detect = max(1, int(duration * rng.uniform(0.02, 0.25)))
        ack = detect + rng.randint(1, 12)
        mitig = max(ack + 2, int(duration * rng.uniform(0.4, 0.85)))
        duration = max(duration, mitig + 3)
        t_detect = started + dt.timedelta(minutes=detect)
        t_ack = started + dt.timedelta(minutes=ack)
        t_mitig = started + dt.timedelta(minutes=mitig)
        t_resolved = started + dt.timedelta(minutes=duration)
        lag = rng.choice((1, 2, 3, 4, 5, 7, 9, 14, 21))
        published: dt.date | None = t_resolved.date() + dt.timedelta(days=lag)
        status = "final"
        if (published is not None and published > AS_OF) or rng.random() < 0.04:
            status, published = "review", None  # in review: not final yet, so no published_at

        version_major = rng.randint(1, 9)
        version_minor = rng.randint(0, 30)
        pct = round(rng.uniform(0.5, 60 if severity in ("SEV-1", "SEV-2") else 15), 1)
        users = int(pct * rng.randint(800, 4000))
        revenue = int(users * rng.uniform(0.0, 3.5)) if rng.random() < 0.7 else 0
        slo_kind = rng.choice(SLO_KINDS)
        burn = round(rng.uniform(1.0, 36.0 if severity == "SEV-1" else 14.0), 1)
        budget = round(burn * duration / 43200 * 100, 1)
        region = rng.choice(REGIONS)
        s: dict[str, Any] = {
            "service": service,
            "dep": dep,
            "team": team,
            "dep_team": SERVICE_TEAM[dep],
            "version": f"{version_major}.{version_minor}.{rng.randint(0, 9)}",
            "prev_version": f"{version_major}.{max(0, version_minor - 1)}.{rng.randint(0, 9)}",
            "day": WEEKDAYS[started.weekday()],
            "date": f"{started.day} {MONTHS[started.month - 1]}",
            "start": started.strftime("%H:%M"),
            "detected": t_detect.strftime("%H:%M"),
            "mitigated": t_mitig.strftime("%H:%M"),
            "resolved": t_resolved.strftime("%H:%M"),
            "duration": duration,
            "worst": max(1, duration // 2),
            "detect": detect,
            "symptom": symptom[1],
            "customer": symptom[2],
            "event": rng.choice(EVENTS),
            "infra": rng.choice(INFRA_EVENTS),
            "security": rng.choice(SECURITY_EVENTS),
            "region": region,
            "region_b": rng.choice([r for r in REGIONS if r != region]),
            "code": rng.choice(CODES),
            "endpoint": rng.choice(ENDPOINTS),
            "table": rng.choice(TABLES),
            "queue": f"{service}.{rng.choice(('events', 'jobs', 'outbox', 'retries'))}",
            "flag": service.split("-")[0] + rng.choice(("_new_flow", "_v2_path", "_fast_cache", "_bulk")),
            "alert": "".join(w.title() for w in service.split("-"))
            + rng.choice(("ErrorRate", "P99High", "Saturation", "BurnRate")),
            "tickets": rng.randint(0, 400),
            "err": rng.randint(3, 95),
            "users": f"{users:,}",
            "pct": pct,
            "revenue": f"{revenue:,}",
            "p99": rng.randint(900, 30000),
            "p99n": rng.randint(60, 400),
            "slo": f"{service}-{slo_kind.replace('_', '-')}",
            "burn": burn,
            "budget": budget,
            "delay": rng.randint(5, 180),
            "hours": rng.randint(4, 60),
            "nteams": len(teams) + rng.randint(0, 2),
            "rows": rng.randint(2, 400),
            "rps": rng.choice((800, 1500, 4000, 12000)),
            "skew": rng.randint(3, 400),
            "pages": rng.randint(4, 30),
            "pods": rng.choice((12, 24, 48, 96)),
            "sev": severity,
            "factor": FACTOR_BY_SLUG[factors[0]][1].lower(),
            "factor_lower": FACTOR_BY_SLUG[factors[0]][1].lower(),
        }
        s["mitigation"] = rng.choice(MITIGATIONS).format_map(s)
        slos = [(s["slo"], slo_kind, burn, budget)]
        if len(services) > 1 and rng.random() < 0.5:
            slos.append((f"{dep}-availability", "availability", round(burn / 2, 1), round(budget / 3, 1)))
        fix_class = rng.sample(FIX_CLASSES, rng.choice((1, 1, 2))) + (["ai-code-cleanup"] if ai_risk else [])
        title = self.title(trigger, symptom[0], s)

        related: list[str] = []
        history = self.by_service[service]
        if history and rng.random() < 0.35:
            recent = history[-30:]
            same = [h for h in recent if set(h[2]) & set(factors)]
            pool = same or recent
            for pick in rng.sample(pool, min(len(pool), rng.choice((1, 1, 2)))):
                related.append(pick[0])
        related_paths = {h[0]: h[1] for h in history[-30:] if h[0] in related}

        items = self.items(rng, factors, s, team, started.date(), published or t_resolved.date())
        path = f"postmortems/{year}/{ident.lower()}-{slugify(title)}.md"
        body = self.body(rng, trigger, factors, s, items, not items_in_front or legacy, related_paths, path)
        if legacy:
            text = self.legacy(ident, title, severity, services, started, duration, status, published, teams,
                               rng.sample(TEAM_PEOPLE[team], 2), body)  # fmt: skip
        else:
            front = self.front(
                ident=ident,
                title=title,
                status=status,
                severity=severity,
                services=services,
                teams=teams,
                times=(started, t_detect, t_ack, t_mitig, t_resolved),
                published=published,
                authors=rng.sample(TEAM_PEOPLE[team], rng.choice((1, 1, 2))),
                reviewers=rng.sample(PEOPLE, rng.choice((1, 2))),
                slos=slos,
                impact=(users, pct, revenue, self.regulatory(rng, team)),
                outside=started.weekday() >= 5 or not 8 <= started.hour < 18,
                detection=rng.choices(DETECTIONS, DETECTION_WEIGHTS)[0],
                trigger=trigger,
                factors=factors,
                tags=self.tags(rng, team, factors),
                fix_class=fix_class,
                ai_risk=ai_risk,
                effort=rng.choice((1, 2, 3, 5, 8, 13, 20)),
                related=related,
                items=items if items_in_front else [],
            )
            text = front + body
        self.by_service[service].append((ident, path, tuple(factors)))
        for other in services[1:]:
            self.by_service[other].append((ident, path, tuple(factors)))
        return Doc(path, text, legacy, items_in_front and not legacy)

    @staticmethod
    def title(trigger: str, symptom: str, s: dict[str, Any]) -> str:
        forms = {
            "deploy": "{sym} in {service} after {version} deploy",
            "config-change": "{sym} in {service} after a config change to {flag}",
            "traffic": "{sym} on {service} during the {event}",
            "dependency": "{service} {lsym}: {dep} unavailable",
            "infrastructure": "{sym} on {service} from {infra}",
            "data": "{sym} in {service} from a bad {dep} batch",
            "security": "{service} {lsym} after {dep} {security}",
            "unknown": "Intermittent {lsym} on {service}",
        }
        return forms[trigger].format_map({**s, "sym": symptom, "lsym": symptom.lower()})

    @staticmethod
    def regulatory(rng: random.Random, team: str) -> list[str]:
        if team == "payments" and rng.random() < 0.4:
            return ["PCI"] + (["SOX"] if rng.random() < 0.3 else [])
        if team == "identity" and rng.random() < 0.3:
            return ["GDPR"]
        return []

    @staticmethod
    def tags(rng: random.Random, team: str, factors: list[str]) -> list[str]:
        tags = rng.sample(TAGS, rng.choice((1, 2, 2, 3, 4)))
        if "ai-generated-code-untested" in factors and "ai-code" not in tags:
            tags.append("ai-code")
        if team == "payments" and "payments" not in tags:
            tags.append("payments")
        return tags

    @staticmethod
    def items(
        rng: random.Random, factors: list[str], s: dict[str, Any], team: str, start: dt.date, base: dt.date
    ) -> list[Item]:
        titles = [FACTOR_BY_SLUG[f][3].format_map(s) for f in factors]
        titles += [rng.choice(ACTION_GENERIC).format_map(s) for _ in range(rng.choice((0, 1, 1, 2, 3)))]
        titles = list(dict.fromkeys(titles))
        out = []
        for index, title in enumerate(titles):
            due = base + dt.timedelta(days=rng.choice((3, 7, 14, 21, 30, 45, 60, 90, 120)))
            if due <= AS_OF:
                status = rng.choices(("done", "in-progress", "open", "wontfix"), (75, 10, 10, 5))[0]
            else:
                status = rng.choices(("done", "in-progress", "open"), (25, 30, 45))[0]
            done_at = None
            if status == "done":
                done_at = min(AS_OF, max(start, due + dt.timedelta(days=rng.randint(-20, 15))))
            out.append(
                Item(
                    title,
                    rng.choice(TEAM_PEOPLE[team]),
                    due,
                    ("high", "medium", "low")[min(2, index)],
                    status,
                    f"{TICKET_PREFIX[team]}-{rng.randint(100, 9999)}",
                    done_at,
                )
            )
        return out

    @staticmethod
    def front(
        *,
        ident: str,
        title: str,
        status: str,
        severity: str,
        services: list[str],
        teams: list[str],
        times: tuple[dt.datetime, ...],
        published: dt.date | None,
        authors: list[str],
        reviewers: list[str],
        slos: list[tuple[str, str, float, float]],
        impact: tuple[int, float, int, list[str]],
        outside: bool,
        detection: str,
        trigger: str,
        factors: list[str],
        tags: list[str],
        fix_class: list[str],
        ai_risk: bool,
        effort: int,
        related: list[str],
        items: list[Item],
    ) -> str:
        started, detected, acked, mitigated, resolved = times
        users, pct, revenue, regulatory = impact
        out = [
            "---",
            f"id: {ident}",
            f"title: {q(title)}",
            f"status: {status}",
            f"severity: {severity}",
            f"services: {flow(services)}",
            f"teams: {flow(teams)}",
            f"started_at: {iso(started)}",
            f"detected_at: {iso(detected)}",
            f"acknowledged_at: {iso(acked)}",
            f"mitigated_at: {iso(mitigated)}",
            f"resolved_at: {iso(resolved)}",
        ]
        if published is not None:
            out.append(f"published_at: {published.isoformat()}")
        out += [
            f"authors: {flow([q(a) for a in authors])}",
            f"reviewers: {flow([q(r) for r in reviewers])}",
            "slos:",
        ]
        for name, kind, burn, budget in slos:
            out += [f"  - name: {name}", f"    kind: {kind}", f"    burn_rate: {burn}",
                    f"    budget_consumed_pct: {budget}"]  # fmt: skip
        out += ["impact:", f"  users_affected: {users}", f"  user_pct: {pct}", f"  revenue_usd: {revenue}"]
        if regulatory:
            out.append(f"  regulatory: {flow(regulatory)}")
        out += [
            f"paged_outside_hours: {'true' if outside else 'false'}",
            f"detection: {detection}",
            f"trigger: {trigger}",
            f"contributing_factors: {flow(factors)}",
            f"tags: {flow(tags)}",
            f"fix_class: {flow(fix_class)}",
            f"ai_risk: {'true' if ai_risk else 'false'}",
            f"effort_days: {effort}",
            f"related: {flow(related)}",
        ]
        if items:
            out.append("action_items:")
            for item in items:
                out += [
                    f"  - title: {q(item.title)}",
                    f"    owner: {q(item.owner)}",
                    f"    due: {item.due.isoformat()}",
                    f"    priority: {item.priority}",
                    f"    status: {item.status}",
                    f"    ticket: {item.ticket}",
                ]
                if item.done_at is not None:
                    out.append(f"    done_at: {item.done_at.isoformat()}")
        out += ["---", "", ""]
        return "\n".join(out)

    @staticmethod
    def legacy(
        ident: str,
        title: str,
        severity: str,
        services: list[str],
        started: dt.datetime,
        duration: int,
        status: str,
        published: dt.date | None,
        teams: list[str],
        authors: list[str],
        body: str,
    ) -> str:
        """Spec §1 legacy form: a bold-field header block instead of front matter."""
        end = started + dt.timedelta(minutes=duration)
        shown = {"final": "FINAL", "review": "Review"}[status]
        lines = [
            f"# Postmortem: {title}",
            "",
            f"**Incident ID:** {ident}",
            f"**Date:** {started.date().isoformat()}",
            f"**Severity:** {severity}",
            f"**Duration:** {duration} minutes ({started:%H:%M} – {end:%H:%M} UTC)",
            f"**Services:** {', '.join(services)}",
            f"**Status:** {shown}",
        ]
        if published is not None:
            lines.append(f"**Published:** {published.isoformat()}")
        lines += [f"**Authors:** {', '.join(authors)}", f"**Teams:** {', '.join(teams)}", "", ""]
        return "\n".join(lines) + body

    def body(
        self,
        rng: random.Random,
        trigger: str,
        factors: list[str],
        s: dict[str, Any],
        items: list[Item],
        table: bool,
        related: dict[str, str],
        path: str,
    ) -> str:
        """Summary … Lessons Learned, then more of the unused sentences until a target of 60–120 lines.

        Padding draws from the sentences the file does not use yet, without repeats, so long files
        are not one paragraph copied: Markdown and search costs depend on the text being varied.
        """
        target = rng.randint(60, 112)
        links = []
        folder = path.rsplit("/", 1)[0]
        for other_id, other_path in related.items():
            other_folder, name = other_path.rsplit("/", 1)
            href = name if other_folder == folder else f"../{other_folder.rsplit('/', 1)[1]}/{name}"
            links.append(f"[{other_id}]({href})")

        more = rng.sample(SUMMARY_MORE, rng.randint(2, 4))
        summary = [[SUMMARY_OPENERS[trigger].format_map(s), *(x.format_map(s) for x in more[:2])]]
        if len(more) > 2 or links:
            summary.append([x.format_map(s) for x in more[2:]])
            if links:
                summary[-1].append(f"It repeats the pattern of {' and '.join(links)}.")

        impact_bank = list(IMPACT_BULLETS)
        rng.shuffle(impact_bank)
        used = rng.randint(3, 5)
        impact = [x.format_map(s) for x in impact_bank[:used]]

        timeline = self.timeline(rng, s)
        clock = dt.datetime.strptime(s["start"], "%H:%M")

        opening = FACTOR_BY_SLUG[factors[0]][2].format_map(s)
        root_bank = list(ROOT_MORE)
        rng.shuffle(root_bank)
        root_used = rng.randint(1, 3)
        root = [[opening[0].upper() + opening[1:] + "."], [x.format_map(s) for x in root_bank[:root_used]]]
        code = rng.choice(CODE_BLOCKS).format_map(s) if rng.random() < 0.3 else None

        contributing = []
        for slug in factors:
            _slug, label, what, _fix = FACTOR_BY_SLUG[slug]
            contributing.append(f"**{label}**: {what.format_map(s)}.")
        factor_bank = list(FACTOR_MORE)
        rng.shuffle(factor_bank)
        contributing += [x.format_map(s) for x in factor_bank[:1]]

        well_bank = list(WENT_WELL)
        rng.shuffle(well_bank)
        well_used = rng.randint(2, 4)
        well = [x.format_map(s) for x in well_bank[:well_used]]
        lesson_bank = list(LESSONS)
        rng.shuffle(lesson_bank)
        lessons = [x.format_map(s) for x in lesson_bank[:1]]

        def bullets(values: list[str]) -> list[str]:
            out: list[str] = []
            for value in values:
                wrapped = wrap(f"- {value}", 94)
                out += [wrapped[0], *("  " + w for w in wrapped[1:])]
            return out

        def render() -> list[str]:
            out: list[str] = ["## Summary", ""]
            for para in summary:
                out += [*wrap(" ".join(para)), ""]
            out += ["## Impact", "", *bullets(impact), ""]
            out += ["## Timeline", "", "| Time (UTC) | Event |", "|---|---|"]
            for offset, text in sorted(timeline, key=lambda e: e[0]):
                out.append(f"| {(clock + dt.timedelta(minutes=offset)).strftime('%H:%M')} | {text} |")
            out += ["", "## Root Cause", ""]
            for index, para in enumerate(root):
                if para:
                    out += [*wrap(" ".join(para)), ""]
                if index == 0 and code:
                    out += [*code.split("\n"), ""]
            out += ["## Contributing Factors", "", *bullets(contributing), ""]
            out += ["## What Went Well", "", *bullets(well), ""]
            if table:
                out += ["## Action Items", "", ITEMS_HEADER, "|---|---|---|---|---|---|---|---|"]
                for index, item in enumerate(items, start=1):
                    done = item.done_at.isoformat() if item.done_at else ""
                    out.append(
                        f"| {index} | {item.title} | {item.owner} | {item.due.isoformat()} | "
                        f"{item.priority} | {item.status} | {item.ticket} | {done} |"
                    )
                out.append("")
            out += ["## Lessons Learned", ""]
            for lesson in lessons:
                out += [*wrap(lesson), ""]
            return out

        # Everything not used yet, in random order: (section, sentence).
        pool: list[tuple[str, str]] = [
            *(("impact", x) for x in impact_bank[used:]),
            *(("root", x) for x in root_bank[root_used:]),
            *(("factors", x) for x in factor_bank[1:]),
            *(("well", x) for x in well_bank[well_used:]),
            *(("lessons", x) for x in lesson_bank[1:]),
            *(("timeline", x) for x in TIMELINE_MIDDLE if x.format_map(s) not in {e for _o, e in timeline}),
        ]
        rng.shuffle(pool)
        # Render once, then add sentences by their estimated line count (re-rendering after each
        # one made generation quadratic in the padding and twice as slow), then render again.
        missing = target - len(render())
        while missing > 0 and pool:
            section, text = pool.pop()
            text = text.format_map(s)
            if section == "impact":
                impact.append(text)
                missing -= len(wrap(text, 94))
            elif section == "root":
                if len(root[-1]) >= 3:
                    root.append([])
                    missing -= 1
                root[-1].append(text)
                missing -= len(text) // 96 + 1
            elif section == "factors":
                contributing.append(text)
                missing -= len(wrap(text, 94))
            elif section == "well":
                well.append(text)
                missing -= len(wrap(text, 94))
            elif section == "lessons":
                lessons.append(text)
                missing -= len(wrap(text)) + 1
            else:
                last = max(int(s["detect"]) + 2, int(s["duration"]) - 1)
                timeline.append((rng.randint(int(s["detect"]) + 1, last), text))
                missing -= 1
        lines = render()
        while len(lines) > 120 and (len(well) > 2 or len(impact) > 3 or len(timeline) > 5):
            # Rarely the base text alone runs long (many action items and a code block): trim it.
            for part, keep in ((well, 2), (impact, 3), (timeline, 5)):
                if len(part) > keep:
                    part.pop(-2 if part is timeline else -1)  # the last timeline row is "resolved"
            lines = render()
        return "\n".join(lines).rstrip("\n") + "\n"

    @staticmethod
    def timeline(rng: random.Random, s: dict[str, Any]) -> list[tuple[int, str]]:
        """(minutes after the start, event) rows; the caller sorts them and prints HH:MM."""
        duration = int(s["duration"])
        first_event = (
            f"{s['service']} {s['version']} rollout reaches 100%"
            if rng.random() < 0.5
            else f"First errors from {s['endpoint']}"
        )
        events = [(0, first_event), (int(s["detect"]), f"Alert `{s['alert']}` fires")]
        middle = rng.sample(TIMELINE_MIDDLE, rng.randint(3, 8))
        first, last = int(s["detect"]) + 1, max(int(s["detect"]) + 2, duration - 1)
        events += [(rng.randint(first, last), m.format_map(s)) for m in middle]
        events.append((duration, "Error rates back to normal for 15 minutes; resolved"))
        return events


# --------------------------------------------------------------------------- archive


def iter_postmortems(n: int, seed: int = DEFAULT_SEED) -> Iterator[Doc]:
    """The N files in start order; ~2% legacy, action items in front matter for half of the rest."""
    writer = _Writer(n, seed)
    starts = writer.starts()
    choose = random.Random(seed + 1)
    for started in starts:
        legacy = choose.random() < LEGACY_SHARE
        yield writer.doc(started, legacy, items_in_front=choose.random() < 0.5)


def index_md(n: int, seed: int) -> str:
    return (
        "# Synthetic postmortems\n\n"
        f"{n:,} postmortems generated by `scripts/synth.py` (seed {seed}) for the build benchmark "
        "(`scripts/bench.py`). They are spread from December 2023 to November 2026 over 50 services of "
        "10 teams.\n"
    )


def generate(root: Path, n: int, seed: int = DEFAULT_SEED) -> SynthSummary:
    """Write docs/ under root (replacing a docs/ this function wrote before) and return counts."""
    began = time.perf_counter()
    root = Path(root)
    docs = root / "docs"
    if docs.exists():
        if not (root / MARKER).exists():
            raise SystemExit(f"{docs} exists and was not written by synth.py: refusing to replace it")
        shutil.rmtree(docs)
    docs.mkdir(parents=True)
    (root / MARKER).write_text(f"n={n} seed={seed}\n", encoding="utf-8")
    (docs / "index.md").write_text(index_md(n, seed), encoding="utf-8")
    (docs / "services.yml").write_text(catalog_yaml(seed), encoding="utf-8")
    made: set[Path] = set()
    count = legacy = front_items = size = 0
    for doc in iter_postmortems(n, seed):
        target = docs / doc.path
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        data = doc.text.encode("utf-8")
        target.write_bytes(data)
        count += 1
        size += len(data)
        legacy += doc.legacy
        front_items += doc.items_in_front_matter
    seconds = time.perf_counter() - began
    return SynthSummary(root, docs, count, legacy, front_items, count - legacy - front_items, size, seconds)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="number of postmortems")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=Path("bench-out/synth"))
    args = parser.parse_args(argv)
    summary = generate(args.out, args.n, args.seed)
    print(
        f"{summary.postmortems} postmortems ({summary.legacy} legacy, {summary.front_matter_items} with "
        f"front-matter action items, {summary.table_items} with a table) in {summary.docs_dir}: "
        f"{summary.bytes / 1e6:.1f} MB in {summary.seconds:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
