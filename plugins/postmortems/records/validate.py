"""Checking one parsed postmortem against the record schema of the spec (§1).

`validate()` turns a `ParsedDoc` into a `Postmortem` with canonical values, and lists every
problem with its file, line, key and a fix. A field with a bad value is dropped with an error
and the rest of the record is kept; only a record whose identity (id, title, status,
severity, services, started_at) cannot be established comes back as None.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import math
import re
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from . import NEW_POSTMORTEM
from .dates import OFF_CALENDAR, not_on_calendar
from .model import (
    ACTION_STATUSES,
    DETECTIONS,
    FIELDS,
    FIX_CLASSES,
    PRIORITIES,
    SLO_KINDS,
    STATUSES,
    TRIGGERS,
    ActionItem,
    Impact,
    Level,
    Postmortem,
    Problem,
    Slo,
    TimelineEvent,
)
from .parse import ParsedDoc, Section, parse_sections, parse_table, split_front_matter

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")

KNOWN_KEYS = frozenset(FIELDS)
# Page keys MkDocs and Material understand, and mkdocs-macros' switch; allowed beside ours without a
# warning and passed on to the page (more with the `extra_keys` option).
MATERIAL_KEYS = (
    "template",
    "hide",
    "search",
    "description",
    "icon",
    "subtitle",
    "comments",
    "robots",
    "social",
)
PAGE_KEYS = frozenset((*MATERIAL_KEYS, "render_macros"))
TIME_FIELDS = ("started_at", "detected_at", "acknowledged_at", "mitigated_at", "resolved_at")
DEFAULT_SEVERITIES = ("SEV-1", "SEV-2", "SEV-3", "SEV-4")
DEFAULT_ALIASES = {"P1": "SEV-1", "P2": "SEV-2", "P3": "SEV-3", "P4": "SEV-4"}


@dataclass(frozen=True)
class Rules:
    """The configurable parts of validation."""

    severities: tuple[str, ...] = DEFAULT_SEVERITIES
    aliases: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_ALIASES))
    as_of: dt.date | None = None
    legacy_level: Level = "warning"
    extra_keys: frozenset[str] = frozenset()  # other plugins' page keys (option `extra_keys`)

    def page_key(self, key: object) -> bool:
        """A front-matter key that belongs to the page (MkDocs, Material, other plugins)."""
        return key in PAGE_KEYS or key in self.extra_keys

    def canonical_severity(self, value: str) -> str | None:
        wanted = value.strip().upper().replace(" ", "")
        for sev in self.severities:
            if sev.upper().replace(" ", "") == wanted:
                return sev
        for alias, sev in self.aliases.items():
            if alias.upper() == wanted and sev in self.severities:
                return sev
        return None


class Located(Protocol):
    """What the checker needs of a document: its path and the line of a key path. A parsed
    postmortem is one; so is any YAML file read with its lines (`parse.YamlFile`)."""

    path: str

    def line_of(self, *path: str | int) -> int | None: ...


class _Checker:
    """Collects problems for one document, each located by key path."""

    def __init__(self, doc: Located) -> None:
        self.doc = doc
        self.problems: list[Problem] = []
        self.line_override: int | None = None  # table rows: point at the row, not at a key

    def report(self, level: Level, key: tuple[str | int, ...], message: str, line: int | None = None) -> None:
        name = ".".join(str(k) for k in key) if key else None
        where = line if line is not None else self.line_override or self.doc.line_of(*key)
        prefix = f"'{name}': " if name else ""
        self.problems.append(Problem(level, self.doc.path, where, prefix + message, key=name))

    # ---- scalar readers: each returns None (and reports) on a bad value

    def text(self, value: Any, key: tuple[str | int, ...], required: bool = False) -> str | None:
        if value is None or value == "":
            if required:
                self.report("error", key, "is required but missing or empty")
            return None
        if isinstance(value, (bool, dict, list)):
            self.report("error", key, f"must be text, got {_kind(value)}")
            return None
        return str(value).strip()

    def enum(
        self, value: Any, key: tuple[str | int, ...], allowed: tuple[str, ...], required: bool = False
    ) -> str | None:
        text = self.text(value, key, required)
        if text is None:
            return None
        low = text.lower().replace("_", "-") if "-" in "".join(allowed) else text.lower()
        for option in allowed:
            if option == low or option.replace("_", "-") == low.replace("_", "-"):
                return option
        self.report(
            "error", key, f"'{brief(text)}' is not one of {', '.join(allowed)}{_did_you_mean(text, allowed)}"
        )
        return None

    def number(
        self,
        value: Any,
        key: tuple[str | int, ...],
        low: float = 0.0,
        high: float | None = None,
        integer: bool = False,
        what: str = "number",
    ) -> float | None:
        """A number from `low` (to `high`); `what` names what it counts ("number of days") for
        a number too large to be one: YAML cannot hold it (an int of 5,000 digits, `1.0e+999`,
        kept as text) or a float cannot (an int of 400 digits)."""
        if value is None:
            return None
        bound = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
        huge = _huge(value)
        if huge is not None:
            shown, negative = huge
            if negative or high is not None:
                self.report("error", key, f"{shown} is out of range: must be {bound}")
            else:
                self.report("error", key, f"{shown} is too large to be a real {what}: write the real figure")
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.report("error", key, f"must be a number, got {_kind(value)} '{brief(value)}'")
            return None
        number = float(value)
        if not math.isfinite(number):
            self.report("error", key, f"must be a finite number, got {brief(value)}")
            return None
        if number < low or (high is not None and number > high):
            self.report("error", key, f"{brief(value)} is out of range: must be {bound}")
            return None
        if integer and not number.is_integer():
            self.report("error", key, f"must be a whole number, got {brief(value)}")
            return None
        return number

    def boolean(self, value: Any, key: tuple[str | int, ...]) -> bool | None:
        if value is None:
            return None
        if not isinstance(value, bool):
            self.report("error", key, f"must be true or false, got '{brief(value)}'")
            return None
        return value

    def when(self, value: Any, key: tuple[str | int, ...], required: bool = False) -> dt.datetime | None:
        if value is None or value == "":
            if required:
                self.report("error", key, "is required: the UTC start time, e.g. 2025-03-15T14:23:00Z")
            return None
        moment: dt.datetime | None = None
        if isinstance(value, dt.datetime):
            moment = value
        elif isinstance(value, dt.date):
            moment = dt.datetime(value.year, value.month, value.day)
            moment = moment.replace(tzinfo=dt.timezone.utc)
        elif isinstance(value, str):
            try:
                text = value.strip()  # Python 3.10's fromisoformat does not read a trailing Z
                moment = dt.datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in "Zz" else text)
            except ValueError:
                moment = None
        if moment is None:
            self.report("error", key, not_a_date(value, "an ISO 8601 time", "2025-03-15T14:23:00Z"))
            return None
        if moment.tzinfo is None:
            self.report(
                "warning", key, f"'{value}' has no timezone and is read as UTC: add 'Z' (or +hh:mm) to say so"
            )
            moment = moment.replace(tzinfo=dt.timezone.utc)
        try:
            return moment.astimezone(dt.timezone.utc)
        except OverflowError:
            self.report(
                "error", key, f"'{value}' is out of range: in UTC it falls before year 1 or after 9999"
            )
            return None

    def day(self, value: Any, key: tuple[str | int, ...]) -> dt.date | None:
        if value is None or value == "":
            return None
        if isinstance(value, dt.datetime):
            try:
                return value.astimezone(dt.timezone.utc).date() if value.tzinfo else value.date()
            except OverflowError:
                return value.date()  # at the edge of the calendar: the date as written
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip()[:10])
            except ValueError:
                pass
        self.report("error", key, not_a_date(value, "a date", "YYYY-MM-DD, e.g. 2025-03-18"))
        return None

    def str_list(
        self,
        value: Any,
        key: tuple[str | int, ...],
        pattern: re.Pattern[str] | None = None,
        hint: str = "",
        allowed: tuple[str, ...] | None = None,
    ) -> list[str]:
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.report("error", key, f"must be a list such as [a, b], got {_kind(value)}")
            return []
        out: list[str] = []
        for index, item in enumerate(value):
            if allowed is not None:
                choice = self.enum(item, (*key, index), allowed)
                if choice is not None and choice not in out:
                    out.append(choice)
                continue
            text = self.text(item, (*key, index))
            if text is None:
                continue
            if pattern is not None and (not pattern.match(text) or ".." in text):
                self.report("error", (*key, index), f"'{brief(text)}' is not a valid name: {hint}")
                continue
            if text not in out:
                out.append(text)
        return out


TOO_LONG_FOR_STR = "a number of thousands of digits"  # an int past Python's digit limit for str()


def brief(value: Any, limit: int = 60) -> str:
    """A value as shown in a message: a 5,000-digit number or a pasted page is cut short."""
    try:
        text = str(value)
    except ValueError:
        return TOO_LONG_FOR_STR
    return text if len(text) <= limit else text[: limit - 1] + "…"


_NUMERAL = re.compile(r"^\s*([+-]?)[\d_]*\.?[\d_]*(?:[eE][+-]?\d+)?\s*$")


def _huge(value: Any) -> tuple[str, bool] | None:
    """A number too large for a float, as shown in a message ('9999…999 (400 digits)') and
    whether it is negative; None for any other value. An int past a float's range, or a numeral
    YAML kept as text because it could not hold it."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        try:
            float(value)
            return None
        except OverflowError:
            pass
        try:
            return _shortened(str(value)), value < 0
        except ValueError:
            return TOO_LONG_FOR_STR, value < 0
    if not isinstance(value, str):
        return None
    match = _NUMERAL.match(value)
    if match is None or not any(char.isdigit() for char in value):
        return None
    try:
        number = float(value.replace("_", ""))
    except ValueError:
        return None
    return (_shortened(value.strip()), match.group(1) == "-") if math.isinf(number) else None


def _shortened(numeral: str) -> str:
    """A long numeral cut to its ends and its count of digits; a short one as written."""
    if len(numeral) <= 16:
        return numeral
    digits = sum(char.isdigit() for char in numeral)
    return f"{numeral[:4]}…{numeral[-3:]} ({digits} digits)"


def not_a_date(value: Any, kind: str, example: str) -> str:
    """Why a value is not a date or time, and how to write one. A value that looks like ISO 8601
    or as people write it (`February 30, 2025`, a legacy header's Date) but is not on the
    calendar says what is wrong with it ("February has no day 30")."""
    why = not_on_calendar(value) if isinstance(value, str) else None
    if why is not None:
        return f"'{brief(value)}' {OFF_CALENDAR}{why}. Correct it, written as {example}"
    return f"'{brief(value)}' is not {kind}: write it as {example}"


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (dt.date, dt.datetime)):
        return "a date"
    return "text"


def _did_you_mean(value: str, options: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(value.lower(), list(options), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def closest(value: str, options: list[str]) -> str | None:
    close = difflib.get_close_matches(value, options, n=1, cutoff=0.5)
    return close[0] if close else None


SLUG_HINT = "use lowercase letters, digits and dashes, e.g. 'missing-index'"
NAME_HINT = "use letters, digits, dots and dashes only, e.g. 'payments-api'"


IDENTITY = ("id", "title", "status", "severity", "services", "started_at")
OUT_OF_FIGURES = "; until this is fixed, the postmortem is left out of every index and figure"


@dataclass
class Checked:
    """What validating one document found: the record (None when its identity cannot be
    established), every problem, the identity values that could be read (the cross-file checks
    need them even for a record that is not counted) and the page keys MkDocs may see."""

    record: Postmortem | None
    problems: list[Problem]
    ident: str | None = None
    services: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)
    page_meta: dict[str, Any] = field(default_factory=dict)


def validate(doc: ParsedDoc, rules: Rules) -> tuple[Postmortem | None, list[Problem]]:
    """The record a parsed document describes, and what is wrong with it."""
    checked = check_document(doc, rules)
    return checked.record, checked.problems


def _left_out(problems: list[Problem], keys: tuple[str, ...] | None) -> list[Problem]:
    """The errors that keep a record out of the figures say so (`keys` None: every error)."""
    return [
        replace(p, message=p.message + OUT_OF_FIGURES)
        if p.level == "error" and (keys is None or (p.key or "").split(".")[0] in keys)
        else p
        for p in problems
    ]


def check_document(doc: ParsedDoc, rules: Rules) -> Checked:
    """Every check of one document, in one pass: an error in an identity field keeps the record
    out of the figures, but the other fields are still checked and reported, so one run of
    `postmortems validate` lists everything wrong with a file."""
    check = _Checker(doc)
    if doc.fatal:
        return Checked(None, _left_out(doc.problems, None))
    front = doc.front
    if doc.legacy:
        check.report(
            rules.legacy_level,
            (),
            "legacy bold-field header read as front matter: run 'postmortems migrate "
            f"{doc.path}' to convert it",
            line=1,
        )
    elif not doc.has_front_matter:
        check.report(
            "error",
            (),
            "no front matter: start the file with a '---' block holding id, title, status, severity, "
            "services and started_at (see 'postmortems new')",
            line=1,
        )
        return Checked(None, doc.problems + _left_out(check.problems, None))

    for key in front:
        if key not in KNOWN_KEYS and not rules.page_key(key):
            check.report(
                "warning",
                (str(key),),
                f"unknown field{_did_you_mean(str(key), sorted(KNOWN_KEYS))}; remove it or fix its name",
            )

    ident = check.text(front.get("id"), ("id",), required=True)
    if ident is not None and not ID_RE.match(ident):
        check.report(
            "error",
            ("id",),
            f"'{brief(ident)}' is not a valid id: use letters, digits and dashes, e.g. INC-2025-034",
        )
        ident = None
    title = check.text(front.get("title"), ("title",), required=True)
    status = check.enum(front.get("status"), ("status",), STATUSES, required=True)
    severity: str | None = None
    raw_sev = check.text(front.get("severity"), ("severity",), required=True)
    if raw_sev is not None:
        severity = rules.canonical_severity(raw_sev)
        if severity is None:
            scale = ", ".join(rules.severities)
            aliases = ", ".join(rules.aliases)
            check.report(
                "error",
                ("severity",),
                f"'{brief(raw_sev)}' is not on the severity scale ({scale}) nor an alias ({aliases})",
            )
    services = check.str_list(front.get("services"), ("services",), NAME_RE, NAME_HINT)
    if not services and not any((p.key or "").split(".")[0] == "services" for p in check.problems):
        check.report("error", ("services",), "needs at least one service, e.g. services: [payments-api]")
    times = {
        name: check.when(front.get(name), (name,), required=name == "started_at") for name in TIME_FIELDS
    }
    published = check.day(front.get("published_at"), ("published_at",))
    identity_problems = len(check.problems)

    _time_order(check, times)
    resolved = times["resolved_at"]
    if published is not None and resolved is not None and published < resolved.date():
        check.report(
            "error", ("published_at",), f"{published} is before the incident was resolved ({resolved.date()})"
        )
        published = None
    started = times["started_at"]
    if rules.as_of is not None:
        limit = rules.as_of
        if started is not None and started.date() > limit:
            check.report(
                "warning",
                ("started_at",),
                f"{started:%Y-%m-%d} is in the future (after {limit}): check the year",
            )
        if published is not None and published > limit:
            check.report("warning", ("published_at",), f"{published} is in the future (after {limit})")
    if status == "final":
        if resolved is None and "resolved_at" not in [p.key for p in check.problems]:
            check.report(
                "warning", ("status",), "a final postmortem needs resolved_at: add it, or set status: review"
            )
        if published is None and "published_at" not in [p.key for p in check.problems]:
            check.report(
                "warning", ("status",), "a final postmortem needs published_at (the date it became final)"
            )
    if status in ("review", "final"):
        _template_text(check, doc)

    impact = _impact(check, front.get("impact"))
    items = _action_items(check, doc, front)
    teams = check.str_list(front.get("teams"), ("teams",), NAME_RE, NAME_HINT)
    related = check.str_list(
        front.get("related"), ("related",), ID_RE, "use an incident id, e.g. INC-2025-011"
    )
    authors = check.str_list(front.get("authors"), ("authors",))
    reviewers = check.str_list(front.get("reviewers"), ("reviewers",))
    slos = _slos(check, front.get("slos"))
    paged = check.boolean(front.get("paged_outside_hours"), ("paged_outside_hours",))
    detection = check.enum(front.get("detection"), ("detection",), DETECTIONS)
    trigger = check.enum(front.get("trigger"), ("trigger",), TRIGGERS)
    factors = check.str_list(front.get("contributing_factors"), ("contributing_factors",), SLUG_RE, SLUG_HINT)
    tags = check.str_list(front.get("tags"), ("tags",), SLUG_RE, SLUG_HINT)
    fix_class = check.str_list(front.get("fix_class"), ("fix_class",), allowed=FIX_CLASSES)
    ai_risk = bool(check.boolean(front.get("ai_risk"), ("ai_risk",)))
    effort = check.number(front.get("effort_days"), ("effort_days",), what="number of days")
    timeline = _timeline(check, doc.sections.get("timeline"))
    meta = _page_meta(check, front, rules)
    problems = doc.problems + check.problems
    if (
        ident is None
        or title is None
        or status is None
        or severity is None
        or not services
        or started is None
    ):
        found = len(doc.problems) + identity_problems
        problems = _left_out(problems[:found], IDENTITY) + problems[found:]
        return Checked(None, problems, ident, services, related, meta)
    record = Postmortem(
        id=ident,
        title=title,
        status=status,
        severity=severity,
        services=services,
        started_at=started,
        source=doc.path,
        teams=teams,
        detected_at=times["detected_at"],
        acknowledged_at=times["acknowledged_at"],
        mitigated_at=times["mitigated_at"],
        resolved_at=resolved,
        published_at=published,
        impact=impact,
        related=related,
        action_items=items,
        timeline=timeline,
        sections={key: section.text for key, section in doc.sections.items()},
        legacy=doc.legacy,
        authors=authors,
        reviewers=reviewers,
        slos=slos,
        paged_outside_hours=paged,
        detection=detection,
        trigger=trigger,
        contributing_factors=factors,
        tags=tags,
        fix_class=fix_class,
        ai_risk=ai_risk,
        effort_days=effort,
    )
    return Checked(record, problems, ident, services, related, meta)


def _time_order(check: _Checker, times: dict[str, dt.datetime | None]) -> None:
    """Each time given must not come before the one before it; one that does is dropped."""
    previous: tuple[str, dt.datetime] | None = None
    for name in TIME_FIELDS:
        moment = times[name]
        if moment is None:
            continue
        if previous is not None and moment < previous[1]:
            check.report(
                "error",
                (name,),
                f"{moment:%Y-%m-%dT%H:%MZ} is before {previous[0]} "
                f"({previous[1]:%Y-%m-%dT%H:%MZ}): the order is started ≤ detected ≤ acknowledged "
                "≤ mitigated ≤ resolved",
            )
            times[name] = None
            continue
        previous = (name, moment)


# --------------------------------------------------------------------------- page keys and template text


def _page_meta(check: _Checker, front: dict[str, Any], rules: Rules) -> dict[str, Any]:
    """The MkDocs and Material page keys, each of the type they expect: Material's templates
    iterate over `hide` and read `search.exclude`, so `hide: 5` would stop the whole build.
    Other plugins' keys (`social`, `extra_keys`) are passed on as written: they check them."""
    meta: dict[str, Any] = {}
    for key in sorted(key for key in front if isinstance(key, str) and rules.page_key(key)):
        value = front[key]
        if value is None or key == "template":  # our template is set on every postmortem page
            continue
        if key == "social" or key not in PAGE_KEYS:
            meta[key] = value
        elif key == "render_macros":
            flag = check.boolean(value, (key,))
            if flag is not None:
                meta[key] = flag
        elif key == "hide":
            parts = [value] if isinstance(value, str) else value
            if isinstance(parts, list) and all(isinstance(part, str) for part in parts):
                meta[key] = parts
            else:
                check.report("error", (key,), "must be a list of page parts to hide, e.g. [toc, navigation]")
        elif key == "search":
            if (
                isinstance(value, dict)
                and isinstance(value.get("exclude", False), bool)
                and (
                    "boost" not in value
                    or check.number(value["boost"], (key, "boost"), what="search boost") is not None
                )
            ):
                meta[key] = value
            elif not isinstance(value, dict) or not isinstance(value.get("exclude", False), bool):
                check.report("error", (key,), "must be a mapping such as {exclude: true} or {boost: 2}")
        elif key == "comments":
            flag = check.boolean(value, (key,))
            if flag is not None:
                meta[key] = flag
        else:
            text = check.text(value, (key,))
            if text is not None:
                meta[key] = text
    return meta


@functools.cache
def template_guidance() -> tuple[tuple[str, str], ...]:
    """(section heading, text) of each guidance line `postmortems new` writes: the italic lines
    of new-postmortem.md, read from the template itself so the check follows it when it changes."""
    with open(NEW_POSTMORTEM, encoding="utf-8") as handle:
        text = handle.read()
    _front, _first, body_line = split_front_matter(text)
    body = "\n".join(text.split("\n")[body_line - 1 :])
    found = []
    for section in parse_sections(body, body_line).values():
        for line in section.text.split("\n"):
            line = line.strip()
            if len(line) > 2 and line[0] == line[-1] == "_" and "{" not in line:
                found.append((section.title, line.strip("_").strip()))
    return tuple(found)


def _template_text(check: _Checker, doc: ParsedDoc) -> None:
    """A postmortem in review or final that still holds the template's guidance: a warning on
    the line, naming the section (plain `find`: the guidance is written on one line)."""
    for title, guidance in template_guidance():
        at = doc.body.find(guidance)
        if at >= 0:
            line = doc.body_line + doc.body.count("\n", 0, at)
            shown = guidance if len(guidance) <= 60 else guidance[:60].rsplit(" ", 1)[0] + " …"
            check.report(
                "warning",
                (),
                f"the {title} section still holds the template's guidance ('{shown}'): replace it "
                "with what happened, or delete it",
                line=line,
            )


def _mapping(check: _Checker, value: Any, key: tuple[str | int, ...]) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        check.report("error", key, f"must be a mapping of 'key: value' lines, got {_kind(value)}")
        return None
    return value


def _impact(check: _Checker, value: Any) -> Impact:
    data = _mapping(check, value, ("impact",))
    if data is None:
        return Impact()
    users = check.number(
        data.get("users_affected"), ("impact", "users_affected"), integer=True, what="number of users"
    )
    return Impact(
        users_affected=int(users) if users is not None else None,
        user_pct=check.number(data.get("user_pct"), ("impact", "user_pct"), 0, 100),
        revenue_usd=check.number(
            data.get("revenue_usd"), ("impact", "revenue_usd"), what="amount in US dollars"
        ),
        regulatory=check.str_list(data.get("regulatory"), ("impact", "regulatory")),
    )


def _slos(check: _Checker, value: Any) -> list[Slo]:
    if value is None:
        return []
    if not isinstance(value, list):
        check.report("error", ("slos",), f"must be a list of SLOs (- name: …), got {_kind(value)}")
        return []
    out = []
    for index, item in enumerate(value):
        data = _mapping(check, item, ("slos", index))
        if data is None:
            continue
        name = check.text(data.get("name"), ("slos", index, "name"), required=True)
        if name is None:
            continue
        out.append(
            Slo(
                name=name,
                kind=check.enum(data.get("kind"), ("slos", index, "kind"), SLO_KINDS),
                burn_rate=check.number(data.get("burn_rate"), ("slos", index, "burn_rate"), what="burn rate"),
                budget_consumed_pct=check.number(
                    data.get("budget_consumed_pct"),
                    ("slos", index, "budget_consumed_pct"),
                    what="percentage of an error budget",
                ),
            )
        )
    return out


# --------------------------------------------------------------------------- action items

_COLUMNS: dict[str, str] = {
    "item": "title",
    "action": "title",
    "title": "title",
    "actionitem": "title",
    "task": "title",
    "description": "title",
    "owner": "owner",
    "assignee": "owner",
    "due": "due",
    "duedate": "due",
    "deadline": "due",
    "priority": "priority",
    "status": "status",
    "state": "status",
    "ticket": "ticket",
    "jira": "ticket",
    "issue": "ticket",
    "link": "ticket",
    "done": "done_at",
    "doneat": "done_at",
    "completed": "done_at",
    "completedat": "done_at",
    "donedate": "done_at",
    "epic": "epic",
}


def _column(header: str) -> str | None:
    return _COLUMNS.get(re.sub(r"[^a-z]", "", header.lower()))


def _item(
    check: _Checker, data: dict[str, Any], key: tuple[str | int, ...], line: int | None
) -> ActionItem | None:
    """One action item; `line` is the table row it came from (None for front matter)."""
    check.line_override = line
    try:
        title = check.text(data.get("title"), (*key, "title"), required=True)
        if title is None:
            return None
        status = (
            check.enum(data.get("status"), (*key, "status"), ACTION_STATUSES) if data.get("status") else None
        )
        item = ActionItem(
            title=title,
            owner=check.text(data.get("owner"), (*key, "owner")),
            due=check.day(data.get("due"), (*key, "due")),
            priority=check.enum(data.get("priority"), (*key, "priority"), PRIORITIES),
            status=status or "open",
            ticket=check.text(data.get("ticket"), (*key, "ticket")),
            done_at=check.day(data.get("done_at"), (*key, "done_at")),
            line=line if line is not None else check.doc.line_of(*key),
            epic=check.text(data.get("epic"), (*key, "epic")),
        )
        if item.owner is None:
            check.report(
                "warning",
                (*key, "owner"),
                f"action item '{title}' has no owner: name a person or team (e.g. \"@db-oncall\")",
            )
        if item.due is None and not data.get("due") and item.status != "wontfix":  # a bad due: an error above
            check.report(
                "warning", (*key, "due"), f"action item '{title}' has no due date: add one (YYYY-MM-DD)"
            )
        return item
    finally:
        check.line_override = None


def _table_items(check: _Checker, section: Section) -> list[ActionItem]:
    headers, rows, issues = parse_table(section)
    for line, message in issues:
        check.report("warning", ("action_items",), message, line=line)
    mapping = {header: _column(header) for header in headers}
    out = []
    for row in rows:
        data: dict[str, Any] = {}
        for header, cell in row.cells.items():
            name = mapping.get(header)
            if name and cell and name not in data:
                data[name] = cell
        if not data:
            continue
        done = data.get("done_at")
        if isinstance(done, str) and done.strip().lower() in ("yes", "y", "x", "✓", "✔", "true"):
            data.pop("done_at")
            data.setdefault("status", "done")
        if isinstance(data.get("status"), str):
            data["status"] = data["status"].strip().lower().replace(" ", "-").replace("_", "-")
        if data.get("done_at") and not data.get("status"):
            data["status"] = "done"
        item = _item(check, data, ("action_items",), row.line)
        if item is not None:
            out.append(item)
    return out


def _action_items(check: _Checker, doc: ParsedDoc, front: dict[str, Any]) -> list[ActionItem]:
    section = doc.sections.get("action_items")
    table = _table_items(check, section) if section is not None else []
    value = front.get("action_items")
    if value is None:
        return table
    if not isinstance(value, list):
        check.report("error", ("action_items",), f"must be a list of items (- title: …), got {_kind(value)}")
        return table
    items = []
    for index, entry in enumerate(value):
        data = _mapping(check, entry, ("action_items", index))
        if data is not None:
            item = _item(check, data, ("action_items", index), None)
            if item is not None:
                items.append(item)
    if table:
        _compare(check, items, table, section)
    return items


def _compare(
    check: _Checker, front: list[ActionItem], table: list[ActionItem], section: Section | None
) -> None:
    """Front matter wins over the body table; say where they disagree."""
    by_title = {item.title.casefold(): item for item in table}
    line = section.line if section else None
    for item in front:
        other = by_title.pop(item.title.casefold(), None)
        if other is None:
            check.report(
                "warning",
                ("action_items",),
                f"'{item.title}' is in the front matter but not in "
                "the Action Items table; the front matter is used. Make the two agree",
                line=item.line,
            )
            continue
        for name in ("owner", "due", "status", "epic"):
            if name == "epic" and other.epic is None:  # a table without an Epic column says nothing
                continue
            if getattr(item, name) != getattr(other, name):
                check.report(
                    "warning",
                    ("action_items",),
                    f"'{item.title}': {name} is "
                    f"'{getattr(item, name)}' in the front matter but '{getattr(other, name)}' in "
                    "the table; the front matter is used",
                    line=other.line,
                )
    for other in by_title.values():
        check.report(
            "warning",
            ("action_items",),
            f"'{other.title}' is in the Action Items table but not in "
            "the front matter, which wins: add it there",
            line=other.line or line,
        )


def _timeline(check: _Checker, section: Section | None) -> list[TimelineEvent]:
    if section is None:
        return []
    headers, rows, issues = parse_table(section)
    if len(headers) < 2:
        return []
    for line, message in issues:
        check.report("warning", ("timeline",), message, line=line)
    time_col = next((h for h in headers if "time" in h.lower() or "when" in h.lower()), headers[0])
    event_col = next((h for h in headers if h != time_col and h.strip() not in ("#", "")), headers[1])
    return [
        TimelineEvent(row.cells.get(time_col, ""), row.cells.get(event_col, ""), row.line)
        for row in rows
        if row.cells.get(time_col) or row.cells.get(event_col)
    ]


# The field readers, for the other YAML files records reads the same way (decisions, rubric, targets).
Checker = _Checker
