"""The machine-readable output of the loop (spec §11): the backlog with deltas, decision states and
maturity, the decisions with what they funded, the weekly digest (also as a Slack message ready
to post), the targets, the maturity of each service and the postmortem policy.

Everything is read from `insight.loop.Loop`, the object the pages read too, and written with
`export.dumps`, so it is sorted and byte for byte stable for the same files and `as_of`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..insight.knowledge import Knowledge
from ..insight.loop import STATE_WORDS, BacklogRow, Loop, change_words
from ..records.modernization import Decision
from .export import dumps, iso

SLACK_BLOCKS = 50  # Block Kit's limit for one message
SLACK_SECTION = 3000  # characters of a section's text
SLACK_HEADER = 150  # characters of a header's plain text
LISTED = 20  # lines of a list in the Slack message before "and N more"


def decision_json(decision: Decision | None) -> dict[str, Any] | None:
    """A decision normalised: every key of §7, dates as ISO 8601, review_on the one in force."""
    if decision is None:
        return None
    return {
        "service": decision.service,
        "factor": decision.factor,
        "decision": decision.decision,
        "decided_on": iso(decision.decided_on),
        "epic": decision.epic,
        "title": decision.title,
        "owner": decision.owner,
        "budget_days": decision.budget_days,
        "target_maturity": decision.target_maturity,
        "review_on": iso(decision.review_on),
        "status": decision.status,
        "done_on": iso(decision.done_on),
        "approved_by": list(decision.approved_by),
    }


def backlog_row(rank: int, row: BacklogRow) -> dict[str, Any]:
    view, score = row.view, row.score
    return {
        "service": row.name,
        "team": view.team,
        "score": score.score,
        "band": score.band,
        "score_breakdown": score.breakdown,
        "delta_7d": row.delta_7d,
        "delta_30d": row.delta_30d,
        "state": row.state,
        "decision": decision_json(row.decision),
        "maturity": row.maturity.level,
        # Implementation: what the page shows beside them.
        "rank": rank,
        "url": view.url,
        "factors": {
            f.name: {"raw": f.raw, "level": f.level, "points": f.points, "weight": f.weight}
            for f in score.factors
        },
        "incidents_in_window": score.incidents,
        "open_action_items": len(view.open_items),
    }


def backlog(loop: Loop) -> list[dict[str, Any]]:
    """One object per service, highest score first (ties by name)."""
    return [backlog_row(rank, row) for rank, row in enumerate(loop.rows, start=1)]


def decisions(loop: Loop) -> list[dict[str, Any]]:
    """Every decision in file order, with the items naming its epic and their incidents."""
    out = []
    for row in loop.decisions:
        data = decision_json(row.decision)
        assert data is not None
        data.update(promoted_action_items=row.promoted_action_items, incidents=row.incidents)
        out.append(data)
    return out


def digest(loop: Loop) -> dict[str, Any]:
    found = loop.digest
    return {
        "as_of": iso(found.as_of),
        "top": [
            {
                "service": e.service,
                "score": e.score,
                "band": e.band,
                "delta_7d": e.delta_7d,
                "state": e.state,
                "epic": e.epic,
                "newest_incident": e.newest_incident,
            }
            for e in found.top
        ],
        "published": [r.id for r in found.published],
        "due_open": [
            {
                "incident": row.record.id,
                "title": row.item.title,
                "owner": row.item.owner,
                "due": iso(row.item.due),
            }
            for row in found.due_open
        ],
    }


def targets(loop: Loop) -> dict[str, Any]:
    def judged(
        previous: float | None, current: float | None, change: float | None, met: bool | None
    ) -> dict[str, Any]:
        return {"previous": previous, "current": current, "change": change, "met": met}

    return {
        "as_of": iso(loop.as_of),
        "period_days": loop.period_days,
        "targets": [
            {
                "name": row.name,
                "target": row.target.written,
                **judged(row.archive.previous, row.archive.current, row.archive.change, row.archive.met),
                # Implementation: the same per team.
                "teams": {
                    team: judged(j.previous, j.current, j.change, j.met)
                    for team, j in sorted(row.teams.items())
                },
            }
            for row in loop.targets
        ],
    }


def maturity(loop: Loop) -> list[dict[str, Any]]:
    return [
        {
            "service": name,
            "level": found.level,
            "met": list(found.met),
            "next_level": found.next_level,
            "missing": list(found.missing),
        }
        for name, found in sorted(loop.maturity.items())
    ]


def policy(loop: Loop) -> dict[str, Any]:
    return {
        "required_severities": list(loop.policy.required_severities),
        "deadline_business_days": loop.policy.deadline_business_days,
        "overdue": [o.record.id for o in loop.overdue],
        "on_time": loop.on_time,
        # Implementation: the period the share is over.
        "period_days": loop.period_days,
    }


# --------------------------------------------------------------------------- Slack


def mrkdwn(text: str) -> str:
    """User text made inert in Slack's mrkdwn: &, < and > escaped (so no link, mention or
    <!channel> can be smuggled in)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _link(site_url: str, url: str, label: str) -> str:
    if not site_url or not url:
        return mrkdwn(label)
    target = site_url.rstrip("/") + "/" + url.lstrip("/")
    return f"<{mrkdwn(target)}|{mrkdwn(label).replace('|', '¦')}>"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _listing(title: str, lines: list[str], empty: str) -> dict[str, Any]:
    """A section with a bold title and a bullet per line, cut to fit Slack's limit."""
    shown = lines[:LISTED]
    more = len(lines) - len(shown)
    while True:
        body = "\n".join(f"• {line}" for line in shown) or f"_{empty}_"
        tail = f"\n…and {more} more" if more else ""
        text = f"*{title}*\n{body}{tail}"
        if len(text) <= SLACK_SECTION or not shown:
            return _section(text[:SLACK_SECTION])
        shown = shown[:-1]
        more += 1


def digest_slack(loop: Loop, kb: Knowledge, site_url: str) -> dict[str, Any]:
    """The digest as a Slack Block Kit message for an incoming webhook: {"text", "blocks"}, at most
    50 blocks; `text` is the notification's fallback."""
    found = loop.digest
    as_of = iso(found.as_of) or ""
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": f"Modernization digest, week to {as_of}"[:SLACK_HEADER]},
        },
        _section(f"*Top {len(found.top)} candidates* by modernization score (change over 7 days)"),
    ]
    for rank, entry in enumerate(found.top, start=1):
        arrow, words = change_words(entry.delta_7d)
        epic = f" · epic {mrkdwn(entry.epic)}" if entry.epic else ""
        newest = kb.by_id.get(entry.newest_incident or "")
        incident = f" · newest {_link(site_url, newest.url, newest.id)}" if newest is not None else ""
        blocks.append(
            _section(
                f"*{rank}. {_link(site_url, entry.url, entry.service)}*: score *{entry.score}* "
                f"({mrkdwn(entry.band.replace('_', ' '))}), {arrow} {words}\n"
                f"{STATE_WORDS[entry.state]}{epic}{incident}"
            )
        )
    blocks.append({"type": "divider"})
    published = [f"{_link(site_url, r.url, r.id)}: {mrkdwn(r.title)}" for r in found.published]
    blocks.append(_listing(f"Published this week ({len(published)})", published, "none"))
    due = [
        f"{mrkdwn(row.item.title)} ({mrkdwn(row.item.owner or 'no owner')}, due {iso(row.item.due)}, "
        f"{_link(site_url, row.record.url, row.record.id)})"
        for row in found.due_open
    ]
    blocks.append(_listing(f"Action items due this week, still open ({len(due)})", due, "none"))
    blocks.append(
        {
            "type": "context",
            "elements": [{"type": "mrkdwn", "text": f"As of {as_of} · {len(kb.records)} postmortems"}],
        }
    )
    leader = found.top[0] if found.top else None
    text = f"Modernization digest, week to {as_of}" + (
        f": {mrkdwn(leader.service)} leads with {leader.score}" if leader else ""
    )
    return {"text": text, "blocks": blocks[:SLACK_BLOCKS]}


def loop_makers(kb: Knowledge, loop: Loop, site_url: str) -> dict[str, Callable[[], str]]:
    """File name → function writing it, for the loop's files in the API folder."""
    return {
        "backlog.json": lambda: dumps(backlog(loop)),
        "decisions.json": lambda: dumps(decisions(loop)),
        "digest.json": lambda: dumps(digest(loop)),
        "digest.slack.json": lambda: dumps(digest_slack(loop, kb, site_url)),
        "targets.json": lambda: dumps(targets(loop)),
        "maturity.json": lambda: dumps(maturity(loop)),
        "policy.json": lambda: dumps(policy(loop)),
    }
