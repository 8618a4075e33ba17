"""PagerDuty incidents to draft postmortems, from an export of the REST API read from disk.

Nothing here touches the network: the export (the JSON of `GET /incidents`) is a file the user
made, so a CI job or a laptop with no PagerDuty token can run the import, and the result is
the same every time for the same file. Turning an incident into a draft is a pure function
(`to_draft`), tested without files.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any

from ..records.model import Level, Service
from ..records.validate import Rules
from .authoring import Draft, clean_text, match_service, slugify

# Urgency is all PagerDuty says about an incident with no priority; see the README.
URGENCY_SEVERITY = {"high": "SEV-2", "low": "SEV-4"}


class ExportError(Exception):
    """The export file cannot be used at all: missing, not JSON, or not an incidents export."""


@dataclass
class Incident:
    """The fields of one PagerDuty incident that a postmortem needs."""

    pd_id: str
    number: int | None
    title: str
    created_at: dt.datetime
    status: str | None = None
    urgency: str | None = None
    service: str | None = None
    service_id: str | None = None  # PagerDuty's id of the service (`service.id`)
    integration_keys: tuple[str, ...] = ()  # the integration keys the export names, if any
    priority: str | None = None
    last_status_change_at: dt.datetime | None = None
    acknowledgements: list[tuple[dt.datetime, str | None]] = field(default_factory=list)
    html_url: str | None = None

    @property
    def label(self) -> str:
        number = f"#{self.number} ({self.pd_id})" if self.number is not None else self.pd_id
        return f"PagerDuty incident {number}"


def parse_time(value: Any) -> dt.datetime | None:
    """An ISO 8601 time as UTC; PagerDuty writes `2025-03-15T14:23:00Z`."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).replace(microsecond=0)


def _summary(value: Any) -> str | None:
    """PagerDuty references are objects with a `summary`; tolerate a bare string."""
    if isinstance(value, dict):
        value = value.get("summary") or value.get("name")
    if isinstance(value, str) and value.strip():
        return clean_text(value)
    return None


def _keys(item: dict[str, Any]) -> tuple[str, ...]:
    """Integration keys an incident export may carry: the integration that created it (an
    `integration` reference, or the channel of its first trigger log entry, which `GET /incidents
    ?include[]=first_trigger_log_entries` adds)."""
    found = []
    integration = item.get("integration")
    entry = item.get("first_trigger_log_entry")
    channel = entry.get("channel") if isinstance(entry, dict) else None
    places = ((integration, "integration_key"), (channel, "integration_key"), (channel, "service_key"))
    for holder, key in places:
        value = holder.get(key) if isinstance(holder, dict) else None
        if isinstance(value, str) and value.strip():
            found.append(value.strip())
    return tuple(dict.fromkeys(found))


@dataclass(frozen=True)
class Export:
    """One export file: its incident objects and, for a page of `GET /incidents`, where the page
    is in the listing (`more`: another page follows)."""

    incidents: list[Any]
    more: bool | None = None
    offset: int | None = None
    limit: int | None = None


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def pages_left(pages: list[tuple[str, Export]]) -> list[str]:
    """What to say about the pages of a listing not given: one missing between two given ones
    (a page's `offset + limit` is not the next page's `offset`), and the pages after the last
    (the highest `offset`, else the last file) when it says `"more": true`."""
    listed = [(path, page) for path, page in pages if page.more is not None]
    if not listed:
        return []
    placed = sorted(
        ((page.offset, path, page) for path, page in listed if page.offset is not None), key=lambda t: t[0]
    )
    said = []
    for (offset, path, page), (following, following_path, _page) in itertools.pairwise(placed):
        if page.limit and offset + page.limit < following:
            missing = offset + page.limit
            said.append(
                f"{path}: warning: the page at offset={missing} was not given: this page is offset "
                f"{offset}, limit {page.limit}, and the next given ({following_path}) is offset {following}: "
                f"fetch the pages from offset={missing} up to offset {following} and import them too "
                "(incidents already imported are skipped)"
            )
    path, last = (placed[-1][1], placed[-1][2]) if placed else listed[-1]
    if last.more:
        where = ""
        if last.offset is not None and last.limit:
            where = (
                f" (offset {last.offset}, limit {last.limit}; the next is offset={last.offset + last.limit})"
            )
        said.append(
            f'{path}: warning: "more": true: PagerDuty has more incidents after this page{where}: fetch '
            "every page until \"more\" is false (the curl loop under 'postmortems import pagerduty' in the "
            "documentation) and import them all (incidents already imported are skipped)"
        )
    return said


def read_export(path: str) -> Export:
    """The incident objects of an export file: `{"incidents": [...]}` or a bare list."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        raise ExportError(f"{path}: file not found") from None
    except OSError as exc:
        raise ExportError(f"{path}: cannot read the file: {exc.strerror}") from None
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ExportError(f"{path}: not a JSON file (it is not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise ExportError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg} (column {exc.colno})") from None
    if isinstance(data, dict) and isinstance(data.get("incidents"), list):
        more = data.get("more")
        return Export(
            data["incidents"],
            more if isinstance(more, bool) else None,
            _count(data.get("offset")),
            _count(data.get("limit")),
        )
    if isinstance(data, dict) and isinstance(data.get("incident"), dict):  # GET /incidents/{id}
        return Export([data["incident"]])
    if isinstance(data, list):
        return Export(data)
    raise ExportError(
        f'{path}: not a PagerDuty incidents export: expected {{"incidents": [...]}} (the JSON of '
        "GET /incidents) or a list of incidents"
    )


def parse_incident(item: Any, position: int) -> tuple[Incident | None, str | None]:
    """One incident object, or why it cannot be imported."""
    where = f"incident {position + 1}"
    if not isinstance(item, dict):
        return None, f"{where}: expected an object, got {type(item).__name__}"
    pd_id = item.get("id")
    if not isinstance(pd_id, str) or not pd_id.strip():
        return None, f"{where}: has no 'id'"
    number = item.get("incident_number")
    number = number if isinstance(number, int) and not isinstance(number, bool) else None
    where = f"{where} ({pd_id.strip()})"
    created = parse_time(item.get("created_at"))
    if created is None:
        return None, f"{where}: 'created_at' is missing or not an ISO 8601 time"
    acks = []
    for ack in item.get("acknowledgements") or []:
        if isinstance(ack, dict):
            moment = parse_time(ack.get("at"))
            if moment is not None:
                acks.append((moment, _summary(ack.get("acknowledger"))))
    url = item.get("html_url")
    status = item.get("status")
    urgency = item.get("urgency")
    return (
        Incident(
            pd_id=pd_id.strip(),
            number=number,
            title=clean_text(str(item.get("title") or item.get("summary") or "")),
            created_at=created,
            status=status.strip().lower() if isinstance(status, str) else None,
            urgency=urgency.strip().lower() if isinstance(urgency, str) else None,
            service=_summary(item.get("service")),
            service_id=_text_id(item.get("service")),
            integration_keys=_keys(item),
            priority=_summary(item.get("priority")),
            last_status_change_at=parse_time(item.get("last_status_change_at")),
            acknowledgements=sorted(acks, key=lambda pair: pair[0]),
            html_url=url.strip()
            if isinstance(url, str) and url.startswith(("https://", "http://"))
            else None,
        ),
        None,
    )


def _text_id(value: Any) -> str | None:
    if isinstance(value, dict) and isinstance(value.get("id"), str) and value["id"].strip():
        return str(value["id"]).strip()
    return None


def _loose(text: str) -> str:
    """A severity or priority name without case, spaces or punctuation: 'Sev 1', 'SEV1', 'sev-1'."""
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def priority_severity(priority: str, rules: Rules) -> str | None:
    """The severity a PagerDuty priority name means: on the scale or an alias (`severity_aliases`,
    e.g. {SEV1: SEV-1, Critical: SEV-1}), written exactly or with other case, spaces and dashes."""
    found = rules.canonical_severity(priority)
    if found is not None:
        return found
    wanted = _loose(priority)
    for severity in rules.severities:
        if _loose(severity) == wanted:
            return severity
    for alias, severity in rules.aliases.items():
        if _loose(alias) == wanted and severity in rules.severities:
            return severity
    return None


def severity_for(incident: Incident, rules: Rules) -> tuple[str, str | None]:
    """The severity, and a note when it had to be guessed.

    The priority goes through the scale and the severity aliases (P1 -> SEV-1, a custom SEV1 or
    'Sev 1' -> SEV-1); without a usable priority, urgency high is SEV-2 and low SEV-4; failing
    that, the lowest severity on the scale.
    """
    if incident.priority:
        found = priority_severity(incident.priority, rules)
        if found is not None:
            return found, None
    guess = URGENCY_SEVERITY.get(incident.urgency or "")
    fallback = rules.canonical_severity(guess) if guess else None
    why = (
        f"priority '{incident.priority}' is not a severity nor an alias"
        if incident.priority
        else "no priority"
    )
    if fallback is not None:
        return fallback, f"{why}: severity {fallback} from urgency {incident.urgency}; check it"
    lowest = rules.severities[-1]
    return lowest, f"{why} and no usable urgency: severity set to {lowest}; check it"


def service_for(
    incident: Incident, catalog: dict[str, Service] | None
) -> tuple[str | None, tuple[Level, str] | None]:
    """The catalog service an incident's PagerDuty service means, and a note for the user.

    A catalog service whose PagerDuty service id or integration key (Backstage annotations
    `pagerduty.com/service-id`, `pagerduty.com/integration-key`) is the incident's comes first.
    Else a name the catalog knows (exactly, or by a close enough spelling) is used as the catalog
    writes it; an unknown one is kept as written, made into a valid name, with a warning.
    """
    if catalog is not None:
        ids = {incident.service_id, *incident.integration_keys} - {None}
        for name, entry in catalog.items():
            if ids.intersection(entry.pagerduty):
                if incident.service is None or name == incident.service:
                    return name, None
                return name, ("info", f"PagerDuty service '{incident.service}' is '{name}' in the catalog")
    if incident.service is None:
        return None, None
    if catalog is not None:
        found = match_service(incident.service, catalog)
        if found is not None:
            if found == incident.service:
                return found, None
            return found, ("info", f"PagerDuty service '{incident.service}' is '{found}' in the catalog")
    name = slugify(incident.service, limit=80)
    if not name:
        return None, None
    if catalog is None:
        return name, None
    return name, ("warning", f"service '{incident.service}' is not in the service catalog: kept as '{name}'")


def _at(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def to_draft(incident: Incident, ident: str, service: str, severity: str) -> tuple[Draft, list[str]]:
    """The draft postmortem for an incident, and notes about times that had to be dropped."""
    notes: list[str] = []
    acknowledged = incident.acknowledgements[0] if incident.acknowledgements else None
    ack_at = acknowledged[0] if acknowledged else None
    if ack_at is not None and ack_at < incident.created_at:
        notes.append("the first acknowledgement is before created_at: acknowledged_at left out")
        ack_at = None
    resolved = incident.last_status_change_at if incident.status == "resolved" else None
    if resolved is not None and resolved < (ack_at or incident.created_at):
        notes.append("last_status_change_at is before the incident started: resolved_at left out")
        resolved = None
    where = f", {incident.html_url}" if incident.html_url else ""
    summary = f"Imported from {incident.label}{where}"
    triggered = (
        f"Incident #{incident.number} triggered in PagerDuty" if incident.number else "Incident triggered"
    )
    timeline = [
        (_at(incident.created_at), triggered + (f" (urgency {incident.urgency})" if incident.urgency else ""))
    ]
    if ack_at is not None and acknowledged is not None:
        who = f" by {acknowledged[1]}" if acknowledged[1] else ""
        timeline.append((_at(ack_at), f"Acknowledged{who}"))
    if resolved is not None:
        timeline.append((_at(resolved), "Resolved in PagerDuty"))
    title = incident.title or (
        f"PagerDuty incident #{incident.number}" if incident.number else incident.pd_id
    )
    draft = Draft(
        id=ident,
        title=title,
        severity=severity,
        services=[service],
        started_at=incident.created_at,
        acknowledged_at=ack_at,
        resolved_at=resolved,
        summary=summary,
        timeline=timeline,
    )
    return draft, notes
