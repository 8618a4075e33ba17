"""The machine-readable output of spec §5: plain, sorted, stable JSON (the loop's, §11, is in
`loop_export`).

Each builder returns a JSON-ready value; `dumps()` fixes the formatting so that the same
input and `as_of` always give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable
from typing import Any

from ..insight.knowledge import Knowledge, ServiceView
from ..insight.scoring import Score
from ..records.model import ActionItem, Postmortem


def iso(value: dt.datetime | dt.date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


def dumps(value: Any) -> str:
    """Stable JSON: sorted keys; a list has one compact element per line (small and diff-friendly:
    indenting every nested key made incidents.json 40% larger and slower to write)."""
    if isinstance(value, list):
        if not value:
            return "[]\n"
        compact = {"sort_keys": True, "ensure_ascii": False, "separators": (",", ":")}
        lines = (json.dumps(item, **compact) for item in value)  # type: ignore[arg-type]
        return "[\n" + ",\n".join(lines) + "\n]\n"
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def item_json(item: ActionItem, as_of: dt.date) -> dict[str, Any]:
    return {
        "title": item.title,
        "owner": item.owner,
        "due": iso(item.due),
        "priority": item.priority,
        "status": item.status,
        "ticket": item.ticket,
        "epic": item.epic,
        "done_at": iso(item.done_at),
        "overdue": item.is_overdue(as_of),
    }


def incident_json(record: Postmortem, kb: Knowledge) -> dict[str, Any]:
    fig = kb.figures[record.id]
    return {
        "id": record.id,
        "title": record.title,
        "status": record.status,
        "severity": record.severity,
        "services": record.services,
        "teams": record.teams,
        "started_at": iso(record.started_at),
        "detected_at": iso(record.detected_at),
        "acknowledged_at": iso(record.acknowledged_at),
        "mitigated_at": iso(record.mitigated_at),
        "resolved_at": iso(record.resolved_at),
        "published_at": iso(record.published_at),
        "authors": record.authors,
        "reviewers": record.reviewers,
        "slos": [
            {
                "name": s.name,
                "kind": s.kind,
                "burn_rate": s.burn_rate,
                "budget_consumed_pct": s.budget_consumed_pct,
            }
            for s in record.slos
        ],
        "impact": {
            "users_affected": record.impact.users_affected,
            "user_pct": record.impact.user_pct,
            "revenue_usd": record.impact.revenue_usd,
            "regulatory": record.impact.regulatory,
        },
        "paged_outside_hours": record.paged_outside_hours,
        "detection": record.detection,
        "trigger": record.trigger,
        "contributing_factors": record.contributing_factors,
        "tags": record.tags,
        "fix_class": record.fix_class,
        "ai_risk": record.ai_risk,
        "effort_days": record.effort_days,
        "related": record.related,
        "action_items": [item_json(item, kb.as_of) for item in record.action_items],
        "url": record.url,
        "source": record.source,
        "mttr_minutes": fig.mttr,
        "mtta_minutes": fig.mtta,
        "mttd_minutes": fig.mttd,
        "time_to_postmortem_days": fig.time_to_postmortem,
        "is_repeat": bool(fig.repeat_of),
        "repeat_of": fig.repeat_of,
    }


def incidents(kb: Knowledge) -> list[dict[str, Any]]:
    ordered = sorted(kb.records, key=lambda r: (r.started_at, r.id))
    return [incident_json(r, kb) for r in ordered]


def score_json(score: Score | None) -> dict[str, Any]:
    if score is None:
        return {"score": None, "band": None, "score_breakdown": {}}
    return {"score": score.score, "band": score.band, "score_breakdown": score.breakdown}


def service_json(view: ServiceView) -> dict[str, Any]:
    return {
        "name": view.name,
        "team": view.team,
        "url": view.url,
        "tier": view.service.tier if view.service else None,
        "dependency_centrality": view.service.dependency_centrality if view.service else None,
        "incidents": len(view.incidents),
        "incidents_in_window": len(view.in_window),
        "mttr_minutes_mean": view.mttr_mean_window,
        "repeat_incidents": view.repeats_window,
        "open_action_items": len(view.open_items),
        "overdue_action_items": len(view.overdue_items),
        **score_json(view.score),
    }


def services(kb: Knowledge) -> list[dict[str, Any]]:
    return [service_json(view) for view in kb.services.values()]


def action_items(kb: Knowledge) -> list[dict[str, Any]]:
    rows = []
    for row in kb.items:
        data = item_json(row.item, kb.as_of)
        data.update(
            incident=row.record.id, services=row.record.services, teams=row.record.teams, url=row.record.url
        )
        rows.append(data)
    return sorted(rows, key=lambda d: (d["incident"], d["title"]))


PATTERN_FILES = {
    "factor": "patterns.json",
    "tag": "tags.json",
    "trigger": "triggers.json",
    "fix_class": "fix-classes.json",
}


def patterns(kb: Knowledge, kind: str = "factor") -> dict[str, Any]:
    """patterns.json (spec §5): per contributing factor, its incidents, services, teams and first
    and last seen; the same shape per tag, trigger and fix class in their own files."""
    return {
        key: {
            "incidents": sorted(r.id for r in view.incidents),
            "services": view.services,
            "teams": view.teams,
            "first_seen": iso(view.first_seen),
            "last_seen": iso(view.last_seen),
            "url": view.url,
        }
        for key, view in kb.patterns[kind].items()
    }


def running_month(kb: Knowledge) -> dict[str, Any] | None:
    """The month holding as_of while it runs, and the figures of the same days of the month
    before, which the report compares it with; None on a month's last day or without a month
    before in the report."""
    running, before = kb.running, kb.same_days_before
    if running is None or before is None:
        return None
    return {
        "month": running.month,
        "days_elapsed": running.days,
        "days_in_month": running.month_days,
        "previous_month": running.previous,
        "previous_from": iso(running.previous_first),
        "previous_to": iso(running.previous_last),
        "previous_same_days": before,
    }


def report(kb: Knowledge) -> dict[str, Any]:
    return {
        "as_of": iso(kb.as_of),
        "severities": list(kb.severities),
        "window_days": kb.window_days,
        "months": kb.report,
        "running_month": running_month(kb),
        "totals": {
            "incidents": len(kb.records),
            "open_action_items": sum(1 for row in kb.items if row.item.is_open),
            "overdue_action_items": sum(1 for row in kb.items if row.overdue),
            "action_item_completion_rate": kb.completion_rate,
        },
    }


def api_makers(kb: Knowledge) -> dict[str, Callable[[], str]]:
    """File name → function writing it, for the files of §5 in the API folder: the plugin names its
    files before it spends the time to write them (see plugin.on_files). The loop's files (§11)
    are `loop_export.loop_makers`."""
    return {
        "incidents.json": lambda: dumps(incidents(kb)),
        "services.json": lambda: dumps(services(kb)),
        "action-items.json": lambda: dumps(action_items(kb)),
        **{name: functools.partial(_patterns_file, kb, kind) for kind, name in PATTERN_FILES.items()},
        "report.json": lambda: dumps(report(kb)),
    }


def _patterns_file(kb: Knowledge, kind: str) -> str:
    return dumps(patterns(kb, kind))
