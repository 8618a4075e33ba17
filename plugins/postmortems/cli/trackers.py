"""Epics out to the trackers: the promote and bundle decisions and their promoted action items as
files a tracker imports. No network and no token: the user (or a CI job holding the token) sends
them.

- Jira's CSV importer: one row per issue, epics first; a child names its epic's `Issue ID` in
  `Parent` (Jira Cloud's parent field; Epic Link and Epic Name are deprecated).
- Jira Cloud's bulk create, `POST /rest/api/3/issue/bulk`: bodies of at most 50 issues, each
  `{"fields": {...}}` with an Atlassian Document Format description. A child's parent is the
  epic's key from the decisions file, so the epics bodies are separate: Jira gives new epics new
  keys, which go into the decisions file before the children are sent.
- GitHub's REST API, `POST /repos/{owner}/{repo}/issues`: one body per issue.

Pure functions of the records and decisions, returning text and JSON-ready values.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..insight.decisions import is_promoted, taken
from ..records.model import ActionItem, Postmortem
from ..records.modernization import Decision

JIRA_BULK_LIMIT = 50  # issues per POST /rest/api/3/issue/bulk
JIRA_SUMMARY = 255  # characters of a Jira summary
GITHUB_TITLE = 256
GITHUB_BODY = 65536
JIRA_KEY = re.compile(r"^([A-Z][A-Z0-9_]+)-\d+$")
CSV_COLUMNS = (
    "Issue ID",
    "Parent",
    "Issue Type",
    "Summary",
    "Description",
    "Priority",
    "Due date",
    "Labels",
    "Labels",
)
LABEL = "modernization"
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Epic:
    """An epic of the decisions file and the promoted action items that name it."""

    key: str  # as the decisions file writes it, e.g. MOD-123
    decisions: list[Decision]  # the promote and bundle decisions naming it, file order
    items: list[tuple[Postmortem, ActionItem]] = field(default_factory=list)  # oldest incident first

    @property
    def decision(self) -> Decision:
        return self.decisions[0]

    @property
    def summary(self) -> str:
        return self.decision.title or f"Modernization of {self.decision.subject}"


def epics(records: Sequence[Postmortem], decisions: Sequence[Decision], as_of: dt.date) -> list[Epic]:
    """The epics of the promote and bundle decisions taken by as_of, in file order, each with its
    promoted items (wontfix left out) of the published postmortems."""
    found: dict[str, Epic] = {}
    for decision in taken(decisions, as_of):
        if decision.funded and decision.epic is not None:
            found.setdefault(decision.epic, Epic(decision.epic, [])).decisions.append(decision)
    keys = set(found)
    for record in sorted((r for r in records if not r.is_draft), key=lambda r: (r.started_at, r.id)):
        for item in record.action_items:
            if is_promoted(item, keys) and item.epic is not None:
                found[item.epic].items.append((record, item))
    return list(found.values())


def _url(site_url: str, path: str) -> str | None:
    return site_url.rstrip("/") + "/" + path.lstrip("/") if site_url and path else None


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plain(text: str) -> str:
    return text


def epic_lines(epic: Epic, person: Callable[[str], str] = _plain) -> list[str]:
    """What the decision says, line by line, for an epic's description; `person` shows a handle."""
    d = epic.decision
    lines = [
        f"Decision: {d.decision.replace('_', ' ')} on {d.decided_on} about {d.subject} "
        f"(epic {epic.key} in the decisions file).",
        f"Owner: {person(d.owner) if d.owner else 'none'}.",
    ]
    if d.budget_days is not None:
        lines.append(f"Budget: {d.budget_days:g} engineer-days.")
    if d.target_maturity:
        lines.append(f"Target maturity: {d.target_maturity}.")
    lines.append(f"Review on: {d.review_on}. Status: {d.status}.")
    if d.approved_by:
        lines.append(f"Approved by: {', '.join(map(person, d.approved_by))}.")
    lines.append(f"Promoted action items: {len(epic.items)}.")
    return lines


def item_lines(
    record: Postmortem, item: ActionItem, epic: str, person: Callable[[str], str] = _plain
) -> list[str]:
    """What a promoted action item says, line by line, for its issue's description."""
    facts = [f"Owner {person(item.owner) if item.owner else 'none'}"]
    for label, value in (("due", item.due), ("priority", item.priority), ("ticket", item.ticket)):
        if value:
            facts.append(f"{label} {value}")
    facts.append(f"status {item.status}")
    return [
        f"From {record.id}: {record.title} ({record.severity}, {', '.join(record.services)}).",
        f"Action item: {item.title}.",
        "; ".join(facts) + ".",
        f"Part of epic {epic}.",
    ]


# --------------------------------------------------------------------------- Jira CSV


def _cell(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection): a leading =, +, -, @ gets a '."""
    return "'" + text if text.startswith(_FORMULA) else text


def jira_csv(found: Sequence[Epic], site_url: str = "") -> str:
    """The Jira CSV import file: epics first (Issue Type Epic), then their items (Task) naming the
    epic's Issue ID in Parent. Labels: `modernization` and the epic's key."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    ids = {epic.key: number for number, epic in enumerate(found, start=1)}
    for epic in found:
        lines = epic_lines(epic)
        incidents = list(dict.fromkeys(r.id for r, _item in epic.items))
        if incidents:
            lines.append(f"Incidents: {', '.join(incidents)}.")
        writer.writerow(
            [
                ids[epic.key],
                "",
                "Epic",
                _cell(_short(epic.summary, JIRA_SUMMARY)),
                _cell("\n".join(lines)),
                "",
                "",
                LABEL,
                epic.key,
            ]
        )
    number = len(found)
    for epic in found:
        for record, item in epic.items:
            number += 1
            lines = item_lines(record, item, epic.key)
            link = _url(site_url, record.url)
            if link:
                lines.append(f"Postmortem: {link}")
            writer.writerow(
                [
                    number,
                    ids[epic.key],
                    "Task",
                    _cell(_short(item.title, JIRA_SUMMARY)),
                    _cell("\n".join(lines)),
                    (item.priority or "").capitalize(),
                    item.due.isoformat() if item.due else "",
                    LABEL,
                    epic.key,
                ]
            )
    return out.getvalue()


# --------------------------------------------------------------------------- Jira bulk create


def adf(lines: Sequence[str], link: tuple[str, str] | None = None) -> dict[str, Any]:
    """An Atlassian Document Format document: a paragraph per line (no empty text nodes, which
    Jira rejects), and a last paragraph linking to the postmortem when there is a URL."""
    content: list[dict[str, Any]] = [
        {"type": "paragraph", "content": [{"type": "text", "text": line}]} for line in lines if line
    ]
    if link is not None:
        label, href = link
        content.append(
            {
                "type": "paragraph",
                "content": [
                    {"type": "text", "text": label, "marks": [{"type": "link", "attrs": {"href": href}}]}
                ],
            }
        )
    return {"type": "doc", "version": 1, "content": content}


def project_of(key: str, project: str | None) -> str | None:
    """The Jira project an issue goes to: --project, else the epic key's prefix (MOD-123 → MOD)."""
    if project:
        return project
    match = JIRA_KEY.match(key)
    return match.group(1) if match else None


def _chunks(issues: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"issueUpdates": issues[start : start + JIRA_BULK_LIMIT]}
        for start in range(0, len(issues), JIRA_BULK_LIMIT)
    ]


def jira_bulk(
    found: Sequence[Epic], project: str | None, site_url: str = ""
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(epic bodies, item bodies) for POST /rest/api/3/issue/bulk, at most 50 issues each. Items
    name their epic's key as `parent`. Raises ValueError when a project cannot be told."""

    def fields(
        key: str, kind: str, summary: str, description: dict[str, Any], **extra: Any
    ) -> dict[str, Any]:
        name = project_of(key, project)
        if name is None:
            raise ValueError(f"epic '{key}' is not a Jira key (like MOD-123): pass --project KEY")
        return {
            "fields": {
                "project": {"key": name},
                "issuetype": {"name": kind},
                "summary": _short(summary, JIRA_SUMMARY),
                "description": description,
                "labels": [LABEL, key],
                **extra,
            }
        }

    epic_issues = [fields(e.key, "Epic", e.summary, adf(epic_lines(e))) for e in found]
    item_issues = []
    for epic in found:
        for record, item in epic.items:
            link = _url(site_url, record.url)
            extra: dict[str, Any] = {"parent": {"key": epic.key}}
            if item.due is not None:
                extra["duedate"] = item.due.isoformat()
            description = adf(
                item_lines(record, item, epic.key), (f"Postmortem {record.id}", link) if link else None
            )
            item_issues.append(fields(epic.key, "Task", item.title, description, **extra))
    return _chunks(epic_issues), _chunks(item_issues)


# --------------------------------------------------------------------------- GitHub


def _code(text: str) -> str:
    """Text shown as code in GitHub Markdown, so that an owner's @handle does not notify anyone."""
    return "`" + text.replace("`", "'") + "`"


def github_issues(found: Sequence[Epic], site_url: str = "") -> list[dict[str, Any]]:
    """Bodies for POST /repos/{owner}/{repo}/issues: each epic (label `epic`), then its items
    (label `epic:<key>`), every one labelled `modernization`. Owners are named in code spans and
    not assigned: an owner is often a team, and assignees must be logins with access."""
    out: list[dict[str, Any]] = []
    for epic in found:
        lines = epic_lines(epic, _code)
        items = [
            f"- [{'x' if item.status == 'done' else ' '}] {item.title} ({record.id})"
            for record, item in epic.items
        ]
        body = "\n\n".join(lines) + ("\n\n**Action items**\n\n" + "\n".join(items) if items else "")
        out.append(
            {
                "title": _short(f"[{epic.key}] {epic.summary}", GITHUB_TITLE),
                "body": _short(body, GITHUB_BODY),
                "labels": [LABEL, "epic"],
            }
        )
    for epic in found:
        for record, item in epic.items:
            lines = item_lines(record, item, epic.key, _code)
            link = _url(site_url, record.url)
            if link:
                lines.append(f"[Postmortem {record.id}]({link})")
            out.append(
                {
                    "title": _short(item.title, GITHUB_TITLE),
                    "body": _short("\n\n".join(lines), GITHUB_BODY),
                    "labels": [LABEL, f"epic:{epic.key}"],
                }
            )
    return out
