"""The files of the modernization loop (spec §7 to §9): the decisions the weekly review records
(`modernization/prioritized.yaml`), the maturity rubric (`modernization/maturity.yaml`, the
plugin's default otherwise) and the targets (`modernization/targets.yaml`).

People edit these files by pull request, so they are read like a postmortem: every problem
names the file, the line, the key, what is wrong and how to fix it; a bad entry is reported
and left out, the others are kept; nothing here ever raises on what a file holds. A missing
file means no decisions, the default rubric, no targets.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .model import Problem
from .parse import YamlFile, read_yaml_file
from .validate import NAME_HINT, NAME_RE, SLUG_HINT, SLUG_RE, Checker, closest

DEFAULT_DECISIONS = "modernization/prioritized.yaml"
DEFAULT_RUBRIC = "modernization/maturity.yaml"
DEFAULT_TARGETS = "modernization/targets.yaml"
DEFAULT_RUBRIC_FILE = os.path.join(os.path.dirname(__file__), "maturity.yaml")
"""The rubric shipped with the plugin (§8), used when the site has none."""

Key = tuple[str | int, ...]

# --------------------------------------------------------------------------- shared


def _open(path: str | None, display: str, what: str, top: str) -> tuple[YamlFile | None, list[Problem]]:
    """The file as a mapping, or None: missing (no problem), unreadable or not a mapping (an error)."""
    if path is None or not os.path.isfile(path):
        return None, []
    read, problems = read_yaml_file(path, display, what)
    if read is None:
        return None, problems
    if read.data is None or read.data == {}:
        read.data = {}
    elif not isinstance(read.data, dict):
        problems.append(
            Problem("error", display, 1, f"{what} must be a mapping with a top-level '{top}:' key")
        )
        return None, problems
    return read, problems


def _unknown_keys(check: Checker, data: dict[str, Any], known: Sequence[str], key: Key) -> None:
    for name in data:
        if str(name) not in known:
            hint = closest(str(name), list(known))
            fix = f"did you mean '{hint}'?" if hint else f"the keys are {', '.join(known)}"
            check.report("warning", (*key, str(name)), f"unknown key: {fix}")


def _entries(
    check: Checker, data: dict[str, Any], top: str, example: str
) -> list[tuple[int, dict[str, Any]]]:
    """The mappings of the top-level list `top`, with their positions; anything else is reported."""
    value = data.get(top)
    if value is None:
        return []
    if not isinstance(value, list):
        check.report("error", (top,), f"must be a list of entries (- {example}: …)")
        return []
    out = []
    for index, entry in enumerate(value):
        if isinstance(entry, dict):
            out.append((index, entry))
        else:
            check.report("error", (top, index), f"must be a mapping (- {example}: …): left out")
    return out


# --------------------------------------------------------------------------- decisions (§7)

DECISIONS = ("promote_to_epic", "bundle_with_existing", "hygiene", "rejected")
FUNDED = ("promote_to_epic", "bundle_with_existing")
"""The decisions that put work into an epic: they need an epic and an owner."""
DECISION_STATUSES = ("planned", "in-progress", "done", "dropped")
CLOSED = ("done", "dropped")
DECISION_KEYS = (
    "service",
    "factor",
    "decision",
    "decided_on",
    "epic",
    "title",
    "owner",
    "budget_days",
    "target_maturity",
    "review_on",
    "status",
    "done_on",
    "approved_by",
)


@dataclass(frozen=True)
class Decision:
    """One recorded decision, normalised. `review_on` is the one in force: as written, or
    decided_on + the scoring window."""

    position: int  # in the file's list (0-based): the list's order is the approved priority
    line: int | None
    decision: str
    decided_on: dt.date
    review_on: dt.date
    service: str | None = None
    factor: str | None = None
    epic: str | None = None
    title: str | None = None
    owner: str | None = None
    budget_days: float | None = None
    target_maturity: str | None = None
    status: str = "planned"
    done_on: dt.date | None = None
    approved_by: tuple[str, ...] = ()
    subject_line: int | None = None  # the line of `service:` or `factor:`

    @property
    def subject(self) -> str:
        """What was decided about, for people: the service, or the factor."""
        return self.service if self.service is not None else f"factor {self.factor}"

    @property
    def funded(self) -> bool:
        return self.decision in FUNDED


def load_decisions(
    path: str | None,
    display: str,
    *,
    window_days: int,
    levels: Sequence[str] = (),
    as_of: dt.date | None = None,
) -> tuple[list[Decision], list[Problem]]:
    """The decisions of the file at `path`, in file order, and what is wrong with it.

    `window_days` is the scoring window, the default time to the next review; `levels` the
    rubric's level names, which `target_maturity` must be one of.
    """
    read, problems = _open(path, display, "the decisions file", "decisions")
    if read is None:
        return [], problems
    check = Checker(read)
    data = read.data
    _unknown_keys(check, data, ("decisions",), ())
    out = []
    for index, entry in _entries(check, data, "decisions", "service: payments-api"):
        decision = _decision(check, index, entry, window_days, levels, as_of)
        if decision is not None:
            out.append(decision)
    return out, by_line(problems + check.problems)


def by_line(problems: list[Problem]) -> list[Problem]:
    """Problems in the order of the file, as an editor shows them."""
    return sorted(problems, key=lambda p: p.line or 0)


def _decision(
    check: Checker,
    index: int,
    entry: dict[str, Any],
    window_days: int,
    levels: Sequence[str],
    as_of: dt.date | None,
) -> Decision | None:
    """One entry, or None (reported) when what, when or about what was decided is unclear."""
    key: Key = ("decisions", index)
    _unknown_keys(check, entry, DECISION_KEYS, key)
    service = check.text(entry.get("service"), (*key, "service"))
    factor = check.text(entry.get("factor"), (*key, "factor"))
    if service is not None and (not NAME_RE.match(service) or ".." in service):
        check.report("error", (*key, "service"), f"'{service}' is not a valid service name: {NAME_HINT}")
        return None
    if factor is not None and (not SLUG_RE.match(factor) or ".." in factor):
        check.report("error", (*key, "factor"), f"'{factor}' is not a valid factor: {SLUG_HINT}")
        return None
    if service is not None and factor is not None:
        check.report(
            "error",
            (*key, "factor"),
            "a decision is about a service or a contributing factor, not both: split it in two entries",
        )
        return None
    if service is None and factor is None:
        check.report(
            "error",
            key,
            "says neither 'service' nor 'factor': name what was decided about "
            "(e.g. service: api-gateway, or factor: retry-storm for a platform-level fix)",
        )
        return None
    kind = check.enum(entry.get("decision"), (*key, "decision"), DECISIONS, required=True)
    decided = check.day(entry.get("decided_on"), (*key, "decided_on"))
    if decided is None and entry.get("decided_on") in (None, ""):
        check.report("error", (*key, "decided_on"), "is required: the day of the review, e.g. 2025-06-27")
    epic = check.text(entry.get("epic"), (*key, "epic"))
    owner = check.text(entry.get("owner"), (*key, "owner"))
    if kind in FUNDED:
        if epic is None:
            check.report(
                "error", (*key, "epic"), f"is required for {kind}: name the epic, e.g. epic: MOD-123"
            )
        if owner is None:
            check.report(
                "error", (*key, "owner"), f'is required for {kind}: name the DRI, e.g. owner: "@platform-em"'
            )
    if kind is None or decided is None or (kind in FUNDED and (epic is None or owner is None)):
        return None
    target = check.text(entry.get("target_maturity"), (*key, "target_maturity"))
    if target is not None and levels and target not in levels:
        hint = closest(target, list(levels))
        fix = f"did you mean '{hint}'?" if hint else f"the levels are {', '.join(levels)}"
        check.report(
            "error", (*key, "target_maturity"), f"'{target}' is not a level of the maturity rubric: {fix}"
        )
        target = None
    review = check.day(entry.get("review_on"), (*key, "review_on"))
    if review is not None and review < decided:
        check.report(
            "error",
            (*key, "review_on"),
            f"{review} is before the decision ({decided}): set a later review date, or leave it out "
            f"for {decided + dt.timedelta(days=window_days)} (decided_on + {window_days} days)",
        )
        review = None
    status = check.enum(entry.get("status"), (*key, "status"), DECISION_STATUSES) or "planned"
    done = check.day(entry.get("done_on"), (*key, "done_on"))
    if done is not None and done < decided:
        check.report("error", (*key, "done_on"), f"{done} is before the decision ({decided})")
        done = None
    if status == "done" and done is None and "done_on" not in entry:
        check.report("warning", (*key, "status"), "is done: add done_on, the day the work was done")
    if status != "done" and done is not None:
        check.report("warning", (*key, "done_on"), f"is only read with status: done (the status is {status})")
    if as_of is not None and decided > as_of:
        check.report(
            "info",
            (*key, "decided_on"),
            f"{decided} is after as_of ({as_of}): the decision applies from that day",
        )
    budget = check.number(entry.get("budget_days"), (*key, "budget_days"), what="number of days")
    subject = "service" if service is not None else "factor"
    return Decision(
        position=index,
        line=check.doc.line_of(*key),
        decision=kind,
        decided_on=decided,
        review_on=review or decided + dt.timedelta(days=window_days),
        service=service,
        factor=factor,
        epic=epic,
        title=check.text(entry.get("title"), (*key, "title")),
        owner=owner,
        budget_days=budget,
        target_maturity=target,
        status=status,
        done_on=done if status == "done" else None,
        approved_by=tuple(check.str_list(entry.get("approved_by"), (*key, "approved_by"))),
        subject_line=check.doc.line_of(*key, subject),
    )


def check_decision_subjects(
    decisions: Iterable[Decision], display: str, services: Iterable[str], factors: Iterable[str]
) -> list[Problem]:
    """A decision about a service or factor the archive and catalog do not know: a warning at its
    line with the closest known name (the decision is kept: it applies to nothing)."""
    known = {"service": sorted(set(services)), "factor": sorted(set(factors))}
    problems = []
    for decision in decisions:
        kind, name = (
            ("service", decision.service) if decision.service is not None else ("factor", decision.factor)
        )
        if name is None or name in known[kind]:
            continue
        hint = closest(name, known[kind])
        where = "the service catalog nor any postmortem" if kind == "service" else "any postmortem"
        fix = f" Did you mean '{hint}'?" if hint else ""
        problems.append(
            Problem(
                "warning",
                display,
                decision.subject_line,
                f"'decisions.{decision.position}.{kind}': '{name}' is not in {where}: the decision applies "
                f"to nothing.{fix}",
                key=f"decisions.{decision.position}.{kind}",
            )
        )
    return problems


# --------------------------------------------------------------------------- the rubric (§8)


@dataclass(frozen=True)
class Criterion:
    id: str
    title: str


@dataclass(frozen=True)
class RubricLevel:
    name: str
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class Rubric:
    """The maturity levels, lowest first; `source` is the file they came from (None: the default)."""

    levels: tuple[RubricLevel, ...]
    source: str | None = None

    @property
    def names(self) -> list[str]:
        return [level.name for level in self.levels]

    @property
    def criteria(self) -> list[Criterion]:
        """Every criterion, in rubric order."""
        return [c for level in self.levels for c in level.criteria]


def load_rubric(path: str | None, display: str) -> tuple[Rubric, list[Problem]]:
    """The site's rubric, or the default one when the site has none (or none that can be used)."""
    read, problems = _open(path, display, "the maturity rubric", "levels")
    if read is None:
        if problems:
            problems.append(Problem("warning", display, None, "the default maturity rubric is used instead"))
        return default_rubric(), problems
    check = Checker(read)
    _unknown_keys(check, read.data, ("levels",), ())
    levels: list[RubricLevel] = []
    seen: set[str] = set()
    for index, entry in _entries(check, read.data, "levels", "name: bronze"):
        level = _level(check, index, entry, levels, seen)
        if level is not None:
            levels.append(level)
    if not levels:
        check.report(
            "error", ("levels",), "the rubric has no usable level: the default maturity rubric is used"
        )
        return default_rubric(), by_line(problems + check.problems)
    return Rubric(tuple(levels), display), by_line(problems + check.problems)


def _level(
    check: Checker, index: int, entry: dict[str, Any], levels: list[RubricLevel], seen: set[str]
) -> RubricLevel | None:
    key: Key = ("levels", index)
    _unknown_keys(check, entry, ("name", "criteria"), key)
    name = check.text(entry.get("name"), (*key, "name"), required=True)
    if name is None:
        return None
    if not SLUG_RE.match(name) or name == "none":
        check.report("error", (*key, "name"), f"'{name}' cannot name a level: {SLUG_HINT} ('none' is taken)")
        return None
    if name in (level.name for level in levels):
        check.report("error", (*key, "name"), f"level '{name}' is given twice: rename one")
        return None
    criteria = []
    for position, item in _entries(check, entry, "criteria", "{id: slos-alerting, title: …}"):
        sub: Key = (*key, "criteria", position)
        ident = check.text(item.get("id"), (*sub, "id"), required=True)
        if ident is None:
            continue
        if not SLUG_RE.match(ident):
            check.report("error", (*sub, "id"), f"'{ident}' is not a valid criterion id: {SLUG_HINT}")
            continue
        if ident in seen:
            check.report("error", (*sub, "id"), f"criterion '{ident}' is in the rubric twice: keep one")
            continue
        seen.add(ident)
        criteria.append(Criterion(ident, check.text(item.get("title"), (*sub, "title")) or ident))
    if not criteria:
        check.report("warning", key, f"level '{name}' has no criteria: every service reaches it for free")
    return RubricLevel(name, tuple(criteria))


def default_rubric() -> Rubric:
    """The rubric shipped with the plugin (it is ours: a problem in it is a bug, not the user's)."""
    rubric, problems = load_rubric(DEFAULT_RUBRIC_FILE, "default")
    assert not problems and rubric.source == "default", problems
    return Rubric(rubric.levels, None)


# --------------------------------------------------------------------------- targets (§9)

TARGET_NAMES = (
    "repeat_rate",
    "mttr_median",
    "paged_outside_hours",
    "action_items_promoted",
    "action_item_completion",
    "postmortems_on_time",
    "time_to_epic_median",
)
SHARES = ("repeat_rate", "action_items_promoted", "action_item_completion", "postmortems_on_time")
"""Targets measured as a share (0..1), never a percentage."""
COMPARISONS = ("change", "at_least", "at_most")
DEFAULT_PERIOD_DAYS = 90
# Ten years: a longer period compares the archive with a time before it existed, and
# as_of − 2 × period_days must stay a date the calendar has.
MAX_PERIOD_DAYS = 3660


@dataclass(frozen=True)
class Target:
    name: str
    kind: str  # change | at_least | at_most
    value: float
    line: int | None = None

    @property
    def written(self) -> dict[str, float]:
        """The target as the file writes it, e.g. {"change": -0.5}."""
        return {self.kind: self.value}


@dataclass(frozen=True)
class Targets:
    period_days: int
    targets: tuple[Target, ...]
    source: str


def load_targets(path: str | None, display: str) -> tuple[Targets | None, list[Problem]]:
    """The targets in file order, or None without a file."""
    read, problems = _open(path, display, "the targets file", "targets")
    if read is None:
        return None, problems
    check = Checker(read)
    data = read.data
    _unknown_keys(check, data, ("period_days", "targets"), ())
    period = DEFAULT_PERIOD_DAYS
    if data.get("period_days") is not None:
        days = check.number(
            data.get("period_days"), ("period_days",), low=1, high=MAX_PERIOD_DAYS, integer=True
        )
        period = int(days) if days is not None else DEFAULT_PERIOD_DAYS
    value = data.get("targets")
    found: list[Target] = []
    if value is not None and not isinstance(value, dict):
        check.report(
            "error", ("targets",), "must be a mapping of target name to {change|at_least|at_most: n}"
        )
    for name, spec in (value if isinstance(value, dict) else {}).items():
        target = _target(check, str(name), spec)
        if target is not None:
            found.append(target)
    return Targets(period, tuple(found), display), by_line(problems + check.problems)


def _target(check: Checker, name: str, spec: Any) -> Target | None:
    key: Key = ("targets", name)
    if name not in TARGET_NAMES:
        hint = closest(name, list(TARGET_NAMES))
        fix = f"did you mean '{hint}'?" if hint else f"the targets are {', '.join(TARGET_NAMES)}"
        check.report("warning", key, f"unknown target, left out: {fix}")
        return None
    given = [kind for kind in COMPARISONS if isinstance(spec, dict) and kind in spec]
    if not isinstance(spec, dict) or len(given) != 1 or len(spec) != 1:
        check.report(
            "error",
            key,
            "must be one comparison: {change: -0.5} (relative to the previous period), "
            "{at_least: 0.7} or {at_most: 7}: left out",
        )
        return None
    kind = given[0]
    raw = spec[kind]
    number_like = isinstance(raw, (int, float)) and not isinstance(raw, bool)
    if kind == "change" and number_like and -sys.float_info.max <= raw < -1:  # past it: out of range below
        check.report(
            "error",
            (*key, kind),
            f"{raw:g} is a percentage: a change is relative, e.g. {raw / 100:g} for {raw:g}%",
        )
        return None
    number = check.number(raw, (*key, kind), low=-1.0 if kind == "change" else 0.0, what="target")
    if number is None:
        return None
    if kind != "change" and name in SHARES and number > 1:
        check.report(
            "error", (*key, kind), f"{number:g} is a percentage: shares are 0..1, e.g. {number / 100:g}"
        )
        return None
    return Target(name, kind, number, check.doc.line_of(*key))


# --------------------------------------------------------------------------- the three files together


@dataclass(frozen=True)
class LoopFile:
    """Where one of the loop's files is: `path` absolute, `shown` as written (relative to the
    folder of mkdocs.yml), `explicit` when the site named it (then a missing file is a warning)."""

    path: str
    shown: str
    explicit: bool


@dataclass(frozen=True)
class LoopFiles:
    decisions: LoopFile
    maturity: LoopFile
    targets: LoopFile

    def all(self) -> tuple[LoopFile, LoopFile, LoopFile]:
        return self.decisions, self.maturity, self.targets


def loop_files(
    config_dir: str, decisions: str | None, maturity: str | None, targets: str | None
) -> LoopFiles:
    """The options `decisions`, `maturity` and `targets` (None: the default path) resolved."""

    def one(value: str | None, default: str) -> LoopFile:
        shown = value or default
        return LoopFile(os.path.normpath(os.path.join(config_dir, shown)), shown, value is not None)

    return LoopFiles(
        one(decisions, DEFAULT_DECISIONS), one(maturity, DEFAULT_RUBRIC), one(targets, DEFAULT_TARGETS)
    )


@dataclass
class LoopInputs:
    """What the three files say, checked against the archive, with every problem found."""

    decisions: list[Decision]
    rubric: Rubric
    targets: Targets | None
    problems: list[Problem]


def read_loop_files(
    files: LoopFiles,
    *,
    window_days: int,
    as_of: dt.date | None,
    services: Iterable[str],
    factors: Iterable[str],
) -> LoopInputs:
    """Read the rubric, then the decisions (whose target_maturity must be one of its levels),
    then the targets; `services` and `factors` are the names the archive and catalog know."""
    problems = [
        Problem("warning", f.shown, None, "file not found: check the path in mkdocs.yml (or remove it)")
        for f in files.all()
        if f.explicit and not os.path.isfile(f.path)
    ]
    rubric, found = load_rubric(files.maturity.path, files.maturity.shown)
    problems += found
    decisions, found = load_decisions(
        files.decisions.path, files.decisions.shown, window_days=window_days, levels=rubric.names, as_of=as_of
    )
    problems += found
    problems += check_decision_subjects(decisions, files.decisions.shown, services, factors)
    targets, found = load_targets(files.targets.path, files.targets.shown)
    problems += found
    return LoopInputs(decisions, rubric, targets, problems)
