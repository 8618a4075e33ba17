"""Small builders for hand-made postmortems used across the tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml
from postmortems.insight.knowledge import Knowledge
from postmortems.records.model import ActionItem, Impact, Postmortem, Slo

UTC = dt.timezone.utc
# The sections of the template `postmortems new` writes that hold guidance text, in its order.
GUIDED_SECTIONS = [
    "Summary",
    "Impact",
    "Root Cause",
    "Contributing Factors",
    "What Went Well",
    "Lessons Learned",
]


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def record(ident: str, started: str, **fields: Any) -> Postmortem:
    """A valid record with sensible defaults; times given as ISO strings."""
    for name in ("detected_at", "acknowledged_at", "mitigated_at", "resolved_at"):
        if isinstance(fields.get(name), str):
            fields[name] = at(fields[name])
    if isinstance(fields.get("published_at"), str):
        fields["published_at"] = dt.date.fromisoformat(fields["published_at"])
    fields.setdefault("title", f"Incident {ident}")
    fields.setdefault("status", "final")
    fields.setdefault("severity", "SEV-2")
    fields.setdefault("services", ["payments-api"])
    fields.setdefault("source", f"postmortems/{ident.lower()}.md")
    fields.setdefault("url", f"postmortems/{ident.lower()}/")
    return Postmortem(id=ident, started_at=at(started), **fields)


def item(
    title: str, due: str | None, status: str = "open", done_at: str | None = None, epic: str | None = None
) -> ActionItem:
    return ActionItem(
        title=title,
        owner="@someone",
        due=dt.date.fromisoformat(due) if due else None,
        status=status,
        done_at=dt.date.fromisoformat(done_at) if done_at else None,
        epic=epic,
    )


def front_matter_file(body: str = "## Summary\n\nIt broke.\n", **fields: Any) -> str:
    """The text of a postmortem file with the given front matter over valid defaults."""
    data: dict[str, Any] = {
        "id": "INC-2025-001",
        "title": "Checkout 5xx after deploy",
        "status": "final",
        "severity": "SEV-2",
        "services": ["payments-api"],
        "started_at": "2025-03-15T14:23:00Z",
        "detected_at": "2025-03-15T14:25:00Z",
        "acknowledged_at": "2025-03-15T14:27:00Z",
        "mitigated_at": "2025-03-15T14:45:00Z",
        "resolved_at": "2025-03-15T15:10:00Z",
        "published_at": "2025-03-19",
    }
    for key, value in fields.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return "---\n" + yaml.safe_dump(data, sort_keys=False) + "---\n" + body


def knowledge(records: list[Postmortem], as_of: str = "2026-11-20") -> Knowledge:
    """The knowledge of hand-made records, with the default scoring model and URLs."""
    from postmortems.insight.knowledge import build_knowledge
    from postmortems.insight.scoring import load_model
    from postmortems.site.pages import Layout

    return build_knowledge(
        records,
        None,
        as_of=dt.date.fromisoformat(as_of),
        severities=("SEV-1", "SEV-2", "SEV-3", "SEV-4"),
        repeat_window_days=90,
        model=load_model(None),
        url_for=Layout({}, True).url,
    )


__all__ = ["Impact", "Slo", "at", "front_matter_file", "item", "knowledge", "record"]
