"""The legacy bold-field header (spec §1, "Legacy form"): `**Field:** value` lines instead of
front matter, mapped to front-matter fields.

Shared by the plugin, which reads such files as they are, and `postmortems migrate`, which
rewrites them: both must read the same record from the same lines. Teams' templates spell
their fields many ways (`Services Affected`, `Incident Commander`, `Root cause`), so labels
are matched loosely; a value is read only when it can be read one way (`dates` refuses
`05/10/2025`), and every line is accounted for: it becomes a field, a section, or stays in the
body with a note saying why.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from .dates import Duration, Reading, read_date, read_duration, shown_minutes
from .model import SECTION_ALIASES, KeyPath, Level

FIELD_LINE = re.compile(r"^[ \t]*\*\*([^*:]+?)[ \t]*:?[ \t]*\*\*[ \t]*:?[ \t]*(.*?)[ \t]*$")

# Label (lower case, single spaces, no trailing "(…)") -> what it holds. "date" and "duration"
# together give started_at and resolved_at.
LABELS: dict[str, str] = {
    **dict.fromkeys(["incident id", "id", "incident", "incident #", "incident no", "incident number",
                     "incident ref", "incident reference"], "id"),
    **dict.fromkeys(["date", "incident date", "date of incident", "start date", "started", "started at",
                     "start", "start time", "occurred", "occurred on", "occurred at"], "date"),
    **dict.fromkeys(["duration", "incident duration", "outage duration", "total duration", "downtime",
                     "length", "time to resolve", "time to resolution", "time to recovery"], "duration"),
    **dict.fromkeys(["severity", "sev", "severity level", "incident severity", "priority"], "severity"),
    **dict.fromkeys(["services", "service", "affected services", "services affected", "affected service",
                     "service affected", "impacted services", "services impacted", "affected systems",
                     "systems affected", "affected components", "components"], "services"),
    **dict.fromkeys(["status", "postmortem status", "incident status", "state"], "status"),
    **dict.fromkeys(["teams", "team", "owning team", "owner team", "responsible team", "teams involved",
                     "affected teams"], "teams"),
    **dict.fromkeys(["published", "published at", "published on", "date published", "publication date"],
                    "published_at"),
    **dict.fromkeys(["authors", "author", "owner", "postmortem owner", "postmortem author", "written by",
                     "prepared by", "report author", "report by"], "authors"),
    **dict.fromkeys(["reviewers", "reviewer", "reviewed by"], "reviewers"),
    **dict.fromkeys(["trigger"], "trigger"),
    **dict.fromkeys(["detection", "detection method", "detected via", "how detected"], "detection"),
    **dict.fromkeys(["contributing factors"], "contributing_factors"),
    **dict.fromkeys(["tags", "labels"], "tags"),
}  # fmt: skip
# Labels that name something the format has no field for: they stay in the body, with a note.
NO_FIELD: dict[str, str] = {
    **dict.fromkeys(["incident commander", "commander", "ic", "incident lead", "incident manager"],
                    "the incident commander"),
    **dict.fromkeys(["reported by", "reporter", "detected by"], "who reported the incident"),
    **dict.fromkeys(["scribe", "communications lead", "comms lead", "responders", "participants",
                     "attendees", "on-call", "on call", "oncall"], "who took part"),
}  # fmt: skip
# Header lines that hold a section's text ("**Root cause:** …"): the section, when the body has
# none of that name. Timeline and Action Items are tables, and Contributing Factors is a field.
_NOT_TEXT = {"timeline", "action_items", "contributing_factors"}
SECTION_LABELS = {label: key for label, key in SECTION_ALIASES.items() if key not in _NOT_TEXT}
LIST_FIELDS = {"services", "teams", "authors", "reviewers", "contributing_factors", "tags"}
_UNIT_WORDS = {"minutes": "minutes", "min": "minutes", "mins": "minutes", "m": "minutes",
               "hours": "hours", "h": "hours", "hrs": "hours"}  # fmt: skip
HEADER_LIMIT = 60  # lines read for the header, before the first `##` heading


@dataclass(frozen=True)
class Note:
    """What the reader did with one header line, for a person to check. `build`: the plugin logs
    it too (readings and doubts about values it uses); otherwise only `migrate` shows it."""

    level: Level
    line: int
    message: str
    build: bool = True


@dataclass
class HeaderSection:
    title: str
    line: int
    text: str


@dataclass
class LegacyHeader:
    """A legacy header read: the fields, their lines, the lines that become front matter or a
    section (the title's included), sections taken from header lines, notes, and the YAML
    comment that keeps what a field's value was written as, where the field does not show it."""

    fields: dict[str, Any]
    lines: dict[KeyPath, int]
    consumed: list[int]
    sections: dict[str, HeaderSection] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    comments: dict[str, str] = field(default_factory=dict)
    unread: set[str] = field(default_factory=set)  # fields given as written: validate reports them

    def front_matter(self) -> dict[str, Any]:
        """The fields `migrate` writes: those read. A value that could not be read stays in the
        body, on its own line, where its author can see it."""
        return {key: value for key, value in self.fields.items() if key not in self.unread}


def label_of(text: str) -> tuple[str, str | None]:
    """A label as matched (lower case, single spaces) and the unit a '(…)' suffix names, if any."""
    name = " ".join(text.lower().split()).rstrip(" :#")
    unit = None
    match = re.match(r"^(.*?)\s*\(([^)]*)\)$", name)
    if match:
        name, qualifier = match.group(1), match.group(2).strip()
        unit = _UNIT_WORDS.get(qualifier)
    return name, unit


def _said(raw: _Raw) -> str:
    return f"'{raw.label}: {raw.value}'"


def _title(line: str) -> str:
    heading = line[2:].strip()
    return re.sub(r"^(post[- ]?mortem|incident report|incident)\s*[:\-–—]\s*", "", heading, flags=re.I)


@dataclass
class _Raw:
    label: str
    value: str
    line: int
    unit: str | None = None


def _scan(text: str) -> tuple[tuple[str, int] | None, dict[str, _Raw], list[_Raw]]:
    """The H1, the first line of each known field, and every other bold line of the header."""
    title: tuple[str, int] | None = None
    known: dict[str, _Raw] = {}
    others: list[_Raw] = []
    for index, line in enumerate(text.split("\n")[:HEADER_LIMIT], start=1):
        if line.startswith("## "):
            break
        if title is None and line.startswith("# "):
            title = (_title(line), index)
            continue
        match = FIELD_LINE.match(line)
        if not match:
            continue
        name, unit = label_of(match.group(1))
        raw = _Raw(match.group(1).strip(), match.group(2).strip(), index, unit)
        key = LABELS.get(name)
        if key is not None and key not in known:
            known[key] = raw
        else:
            others.append(raw)
    return title, known, others


def parse_legacy_header(
    path: str, text: str, body_sections: set[str] | frozenset[str] = frozenset()
) -> LegacyHeader | None:
    """The bold-field header block of a legacy postmortem, or None when the file has none (no
    Incident ID line before the first `##` heading). `body_sections`: the sections the body
    has, which a header line of the same name does not replace."""
    title, known, others = _scan(text)
    if "id" not in known:
        return None
    header = LegacyHeader({}, {}, [])
    if title:
        header.fields["title"], header.lines[("title",)] = title
        header.consumed.append(title[1])
    for key, raw in known.items():
        if key in ("date", "duration"):
            continue
        header.lines[(key,)] = raw.line
        value: Any = raw.value
        if key in LIST_FIELDS:
            value = [part.strip() for part in re.split(r"[,;]", raw.value) if part.strip()]
        elif key == "status":
            low = raw.value.lower()
            value = low if low in ("draft", "review") else "final"
            if low != value:
                header.comments["status"] = f"legacy status: {raw.value}"
        elif key == "published_at":
            value = _published(raw, header)
        header.fields[key] = value
        if key not in header.unread:
            header.consumed.append(raw.line)
    if "date" in known:
        _times(known["date"], known.get("duration"), header)
    elif "duration" in known:
        raw = known["duration"]
        header.notes.append(
            Note(
                "warning",
                raw.line,
                f"{_said(raw)} has no Date to count from: resolved_at is not set",
            )
        )
    for raw in others:
        _other(raw, header, body_sections)
    header.consumed.sort()
    header.notes.sort(key=lambda note: note.line)
    return header


def _published(raw: _Raw, header: LegacyHeader) -> Any:
    """published_at: a date as people write it, or the text as written (validate reports it)."""
    reading = read_date(raw.value)
    if isinstance(reading.value, dt.datetime):
        reading = Reading(reading.value.date(), reading.note)
    if reading.value is None:
        header.unread.add("published_at")
        header.notes.append(
            Note(
                "warning", raw.line, f"{_said(raw)} {reading.note} (the line stays in the body)", build=False
            )
        )
        return raw.value
    if reading.note:
        header.notes.append(Note("info", raw.line, f"{_said(raw)} {reading.note}"))
        header.comments["published_at"] = f"legacy {raw.label.lower()}: {raw.value}"
    return reading.value


def _times(date: _Raw, duration: _Raw | None, header: LegacyHeader) -> None:
    """started_at and resolved_at from a Date and a Duration such as '47 minutes (14:23 – 15:10 UTC)'."""
    header.lines[("started_at",)] = date.line
    reading = read_date(date.value)
    if reading.value is None:
        # The text as written: validate reports it on this line; migrate leaves the line in the body.
        header.fields["started_at"] = date.value
        header.unread.add("started_at")
        header.notes.append(
            Note(
                "warning",
                date.line,
                f"{_said(date)} {reading.note} (the line stays in the body)",
                build=False,
            )
        )
        if duration is not None:
            header.notes.append(
                Note(
                    "warning",
                    duration.line,
                    f"{_said(duration)} is not used: the Date cannot be read",
                    build=False,
                )
            )
        return
    header.consumed.append(date.line)
    if reading.note:
        header.notes.append(Note("info", date.line, f"{_said(date)} {reading.note}"))
        header.comments["started_at"] = f"legacy {date.label.lower()}: {date.value}"
    moment = reading.value
    assert isinstance(moment, dt.date)
    header.fields["started_at"] = moment
    if duration is None:
        return
    read = read_duration(duration.value, duration.unit)
    length = read.value
    if not isinstance(length, Duration):
        header.notes.append(
            Note(
                "warning",
                duration.line,
                f"{_said(duration)} {read.note}: resolved_at is not set (the line stays in the body)",
            )
        )
        return
    day = moment.date() if isinstance(moment, dt.datetime) else moment
    midnight = dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)
    if length.start is not None and length.end is not None:
        start = midnight.replace(hour=length.start[0], minute=length.start[1])
        end = midnight.replace(hour=length.end[0], minute=length.end[1])
        if end < start:  # the range passes midnight: it ends the next day
            end += dt.timedelta(days=1)
        if isinstance(moment, dt.datetime) and moment != start:
            header.notes.append(
                Note(
                    "warning",
                    date.line,
                    f"the Date says {moment:%H:%M} but the Duration's time range starts at "
                    f"{start:%H:%M}: the range is used",
                )
            )
        header.fields["started_at"], resolved = start, end
    else:
        assert length.minutes is not None
        start = moment if isinstance(moment, dt.datetime) else midnight
        resolved = start + dt.timedelta(minutes=length.minutes)
        if not isinstance(moment, dt.datetime):
            header.fields["started_at"] = day
    if read.note:
        header.notes.append(Note("warning", duration.line, f"{_said(duration)} {read.note}"))
    header.fields["resolved_at"] = resolved
    header.lines[("resolved_at",)] = duration.line
    header.consumed.append(duration.line)
    header.comments["resolved_at"] = f"legacy {duration.label.lower()}: {duration.value}"
    if length.start is None and length.minutes is not None:
        header.notes.append(
            Note(
                "info",
                duration.line,
                f"{_said(duration)} read as {shown_minutes(length.minutes)}",
                build=False,
            )
        )


def _other(raw: _Raw, header: LegacyHeader, body_sections: set[str] | frozenset[str]) -> None:
    """A header line that is no field: a section's text, something with no field, or unknown."""
    name, _unit = label_of(raw.label)
    said = _said(raw)
    if name in LABELS:
        header.notes.append(
            Note(
                "warning",
                raw.line,
                f"{said} repeats an earlier '{raw.label}' line (the line stays in the body)",
                build=False,
            )
        )
    elif name in SECTION_LABELS and raw.value:
        key = SECTION_LABELS[name]
        if key in body_sections or key in header.sections:
            header.notes.append(
                Note(
                    "info",
                    raw.line,
                    f"{said}: the postmortem already has a {raw.label} section (the line stays in the body)",
                    build=False,
                )
            )
            return
        header.sections[key] = HeaderSection(raw.label, raw.line, raw.value)
        header.consumed.append(raw.line)
        header.notes.append(
            Note("info", raw.line, f"{said} becomes the section '## {raw.label}'", build=False)
        )
    elif name in NO_FIELD:
        header.notes.append(
            Note(
                "info",
                raw.line,
                f"'{raw.label}': the format has no field for {NO_FIELD[name]} (the line stays in the body)",
                build=False,
            )
        )
    else:
        header.notes.append(
            Note(
                "info",
                raw.line,
                f"'{raw.label}' is not a field the format knows (the line stays in the body)",
                build=False,
            )
        )


def body_lines(text: str, header: LegacyHeader) -> tuple[list[str], dict[int, int]]:
    """The text's lines without those the header consumed (the title and the fields read), with
    the sections taken from header lines placed before the first `##` heading: the body of the
    front-matter form (`migrate` writes it) and of the page (the site shows it). The map goes
    from a line of the text to its 1-based place in the list."""
    old_lines = text.split("\n")
    first_heading = next((n for n, line in enumerate(old_lines, start=1) if line.startswith("## ")), None)
    out: list[str] = []
    where: dict[int, int] = {}
    consumed = set(header.consumed)

    def add_sections() -> None:
        for part in sorted(header.sections.values(), key=lambda s: s.line):
            where[part.line] = len(out) + 1
            out.extend([f"## {part.title}", "", part.text, ""])

    for number, line in enumerate(old_lines, start=1):
        if number == first_heading:
            add_sections()
        if number in consumed:
            continue
        out.append(line)
        where[number] = len(out)
    if first_heading is None and header.sections:
        out.append("")
        add_sections()
    return out, where


def shown_body(text: str, header: LegacyHeader) -> str:
    """A legacy postmortem's body as its page shows it: `body_lines`, and the header lines that
    stay (fields the format has none for, values that could not be read) each on a line of its
    own, not run together into one paragraph as Markdown would join them."""
    lines, _where = body_lines(text, header)
    end = next((n for n, line in enumerate(lines) if line.startswith("## ")), len(lines))
    for n in range(min(end, HEADER_LIMIT)):
        following = lines[n + 1] if n + 1 < len(lines) else ""
        if FIELD_LINE.match(lines[n]) and following.strip() and not following.startswith("#"):
            lines[n] = lines[n].rstrip() + "  "  # Markdown's line break
    return "\n".join(lines).lstrip("\n")
