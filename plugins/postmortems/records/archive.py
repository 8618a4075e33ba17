"""The whole archive: every postmortem file read once, validated, and checked against the
others and the service catalog.

Used by the MkDocs plugin and by `postmortems validate`, so both report exactly the same
problems for the same files.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .model import Postmortem, Problem, Service
from .parse import KeyPath, decode, line_of, parse_document
from .validate import Rules, closest, validate

# Defaults of the options that say where the archive is and what is read, shared by the plugin's
# config and by the command line (which reads mkdocs.yml without importing MkDocs).
DEFAULT_PATH = "postmortems"
DEFAULT_CATALOG = "services.yml"
DEFAULT_MAX_FILE_KB = 2048


@dataclass
class Entry:
    """One postmortem file: its text (None when unreadable) and record (None when invalid)."""

    path: str
    body: str | None  # the Markdown after the front matter; None when the file cannot be read
    record: Postmortem | None
    lines: dict[KeyPath, int] = field(default_factory=dict)
    title: str | None = None  # the front matter title, even when the record is invalid
    page_meta: dict[str, Any] = field(default_factory=dict)  # MkDocs/Material page keys
    risky: bool = True  # whether the body's HTML may need cleaning (see sanitize.needs_cleaning)

    def line_of(self, *key: str | int) -> int | None:
        return line_of(self.lines, key)


@dataclass
class Archive:
    entries: dict[str, Entry] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    catalog: dict[str, Service] | None = None

    @property
    def records(self) -> list[Postmortem]:
        """Valid records, drafts included, oldest first."""
        found = [entry.record for entry in self.entries.values() if entry.record is not None]
        return sorted(found, key=lambda r: (r.started_at, r.id))

    @property
    def published(self) -> list[Postmortem]:
        """What every figure counts: review and final postmortems."""
        return [record for record in self.records if not record.is_draft]


def read_file(path: str, data: bytes, rules: Rules, max_bytes: int) -> tuple[Entry, list[Problem]]:
    """Read and validate one file on its own."""
    text, problems = decode(path, data, max_bytes)
    if text is None:
        return Entry(path, None, None), problems
    if not text.strip():
        return Entry(path, text, None), [
            Problem("error", path, 1, "file is empty: write the postmortem or delete the file")
        ]
    doc = parse_document(path, text)
    record, found = validate(doc, rules)
    title = doc.front.get("title")
    meta = {key: value for key, value in doc.front.items() if rules.page_key(key)}
    body = doc.body if doc.body or not doc.fatal else text  # an unclosed block: show it all, lose nothing
    entry = Entry(path, body, record, doc.lines, title if isinstance(title, str) else None, meta)
    return entry, problems + found


def cross_check(entries: dict[str, Entry], catalog: dict[str, Service] | None) -> list[Problem]:
    """Checks that need the whole archive: unique ids, related ids, catalog services, default teams."""
    problems: list[Problem] = []
    by_id: dict[str, Entry] = {}
    for path in sorted(entries):
        entry = entries[path]
        record = entry.record
        if record is None:
            continue
        first = by_id.get(record.id)
        if first is not None:
            problems.append(
                Problem(
                    "error",
                    path,
                    entry.line_of("id") or 1,
                    f"'id': {record.id} is already used by {first.path}: give this postmortem the next "
                    "free id (postmortems new shows it); it is left out of every index until then",
                    key="id",
                )
            )
            entry.record = None
            continue
        by_id[record.id] = entry
    names = sorted(catalog) if catalog else []
    for entry in by_id.values():
        record = entry.record
        assert record is not None
        for index, other in enumerate(record.related):
            found = by_id.get(other)
            if found is None:
                problems.append(
                    Problem(
                        "warning",
                        record.source,
                        entry.line_of("related", index),
                        f"'related.{index}': {other} is not an incident in this archive: fix the id or "
                        "remove it",
                        key=f"related.{index}",
                    )
                )
        if catalog is None:
            continue
        for service in record.services:
            if service not in catalog:
                hint = closest(service, names)
                suggestion = f" Did you mean '{hint}'?" if hint else " Add it to the service catalog."
                problems.append(
                    Problem(
                        "warning",
                        record.source,
                        entry.line_of("services", record.services.index(service)),
                        f"'services': '{service}' is not in the service catalog.{suggestion}",
                        key="services",
                    )
                )
        if not record.teams:
            teams = [catalog[s].team for s in record.services if s in catalog and catalog[s].team]
            record.teams = list(dict.fromkeys(t for t in teams if t))
    return problems


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while the archive is read.

    Reading allocates hundreds of thousands of small objects that all stay alive (or die by
    reference counting), so the collector's passes find nothing and cost about 15% of the run.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


Read = list[tuple[Entry, list[Problem]]]


def read_files(files: Iterable[tuple[str, bytes]], rules: Rules, max_bytes: int) -> Read:
    """Read and validate files one by one (no cross-file checks): the part that can run in
    another process, since it needs nothing but the files."""
    with collector_paused():
        return [read_file(path, data, rules, max_bytes) for path, data in files]


# The only key paths whose lines cross_check reports, and the only body sections the site uses:
# summary and root cause (the explorer's snippet and index, the feeds), and whether the body has
# its own action items table (then the page does not add one); the rest comes from the body itself.
CROSS_CHECK_KEYS = ("id", "related", "services")
SITE_SECTIONS = ("summary", "root_cause", "action_items")


def keep_cross_check_lines(entry: Entry) -> None:
    """Drop the lines of every key but those cross_check reports on (sent between processes)."""
    entry.lines = {key: line for key, line in entry.lines.items() if key and key[0] in CROSS_CHECK_KEYS}


def read_for_site(files: Iterable[tuple[str, bytes]], rules: Rules, max_bytes: int) -> Read:
    """`read_files`, keeping of each entry only what the site uses.

    The worker's half crosses to the main process by pickle: every section's text again (the
    body already holds it) and every key's line made up two thirds of that, and of its cost.
    """
    from .sanitize import needs_cleaning  # here: the command line does not need the sanitizer

    read = read_files(files, rules, max_bytes)
    for entry, _problems in read:
        keep_cross_check_lines(entry)
        entry.risky = entry.body is not None and needs_cleaning(entry.body)
        if entry.record is not None:
            sections = entry.record.sections
            entry.record.sections = {key: sections[key] for key in SITE_SECTIONS if key in sections}
    return read


def assemble(reads: Iterable[Read], catalog: dict[str, Service] | None) -> Archive:
    """The archive from files read (in their order), checked together; problems sorted by file and line."""
    archive = Archive(catalog=catalog)
    for part in reads:
        for entry, problems in part:
            archive.entries[entry.path] = entry
            archive.problems.extend(problems)
    archive.problems.extend(cross_check(archive.entries, catalog))
    archive.problems.sort(key=lambda p: (p.path, p.line or 0))
    return archive


def build_archive(
    files: Iterable[tuple[str, bytes]],
    rules: Rules,
    catalog: dict[str, Service] | None,
    max_bytes: int = DEFAULT_MAX_FILE_KB * 1024,
) -> Archive:
    """Read every file, then check them together."""
    return assemble([read_files(files, rules, max_bytes)], catalog)
