"""The whole archive: every postmortem file read once, validated, and checked against the
others and the service catalog.

Used by the MkDocs plugin and by `postmortems validate`, so both report exactly the same
problems for the same files.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .legacy import shown_body
from .model import KeyPath, Postmortem, Problem, Service
from .parse import decode, line_of, parse_document
from .validate import Rules, check_document, closest

# Defaults of the options that say where the archive is and what is read, shared by the plugin's
# config and by the command line (which reads mkdocs.yml without importing MkDocs).
DEFAULT_PATH = "postmortems"
DEFAULT_CATALOG = "services.yml"
DEFAULT_MAX_FILE_KB = 2048


def folders_one_level_down(docs_dir: str, path: str) -> list[str]:
    """The folders `<folder>/<path>` of the docs folder that hold Markdown files, docs-relative:
    where an archive that `path` misses usually is (mkdocs-static-i18n's `docs_structure:
    folder` puts it in a language's folder: en/postmortems)."""
    found = []
    with contextlib.suppress(OSError):
        for entry in sorted(os.scandir(docs_dir), key=lambda e: e.name):
            folder = os.path.join(entry.path, path)
            if entry.is_dir() and os.path.isdir(folder) and holds_markdown(folder):
                found.append(f"{entry.name}/{path.strip('/')}")
    return found


def archive_hint(docs_dir: str, path: str, default_language: str | None = None) -> str:
    """What to do when `path` under the docs folder holds no postmortems, as the build and
    `postmortems validate` both say it: set `path` to the folder one level down that holds them
    (with mkdocs-static-i18n's `docs_structure: folder`, its `default_language`'s), else write
    them there or point `path` at them."""
    path = path.strip("/")
    found = folders_one_level_down(docs_dir, path)
    if not found:
        return (
            "write them there (`postmortems new` writes a draft) or set `path:` in the plugin's options "
            "to the folder under docs_dir that holds them"
        )
    where, whose = found[0], ""
    if default_language is not None and f"{default_language}/{path}" in found:
        where = f"{default_language}/{path}"
        whose = f" (mkdocs-static-i18n's folder for '{default_language}')"
    return f"Markdown files are in '{where}/'{whose}: set `path: {where}` in the plugin's options"


def holds_markdown(folder: str) -> bool:
    """Whether the folder holds a Markdown file, dot folders skipped (MkDocs leaves them out)."""
    for _place, dirs, names in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        if any(name.endswith(".md") for name in names):
            return True
    return False


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
    # The id, services and related ids as far as they could be read: the cross-file checks look
    # at every file, counted or not, so a broken file's duplicate id is reported in the same run.
    ident: str | None = None
    services: list[str] = field(default_factory=list)
    related: list[str] = field(default_factory=list)

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
    """Read and validate one file on its own; whatever it holds, the answer is an entry and
    problems. An exception past the known rules is a bug of ours, not the file's: it becomes an
    error naming the file (and the exception, for the bug report), and the file's text is still
    published, so one odd file never stops the archive nor loses its own content."""
    text: str | None = None
    try:
        text, problems = decode(path, data, max_bytes)
        if text is None:
            return Entry(path, None, None), problems
        return _read_text(path, text, rules)
    except Exception as exc:
        problem = internal_error(
            path, "reading this postmortem", describe(exc), "it is left out of every index and figure"
        )
        return Entry(path, text, None), [problem]


def describe(exc: BaseException) -> str:
    """An exception as a bug report needs it: its type and its text."""
    text = str(exc)
    return f"{type(exc).__name__}: {text[:300]}" if text else type(exc).__name__


def internal_error(path: str, doing: str, what: str, consequence: str) -> Problem:
    """An unexpected exception while handling one file, as that file's error: never a traceback
    that stops the build, never hidden either (it is an error, so --strict fails)."""
    return Problem(
        "error",
        path,
        None,
        f"internal error while {doing} ({what}): please report it to the mkdocs-postmortems "
        f"maintainers with this file; {consequence}",
    )


def _read_text(path: str, text: str, rules: Rules) -> tuple[Entry, list[Problem]]:
    if not text.strip():
        return Entry(path, text, None), [
            Problem("error", path, 1, "file is empty: write the postmortem or delete the file")
        ]
    doc = parse_document(path, text)
    checked = check_document(doc, rules)
    title = doc.front.get("title")
    body = doc.body if doc.body or not doc.fatal else text  # an unclosed block: show it all, lose nothing
    if doc.header is not None:  # legacy: the header's fields are the card's, its title the page's
        body = shown_body(text, doc.header)
    entry = Entry(
        path,
        body,
        checked.record,
        doc.lines,
        title if isinstance(title, str) else None,
        checked.page_meta,
        ident=checked.ident,
        services=checked.services,
        related=checked.related,
    )
    return entry, checked.problems


def cross_check(entries: dict[str, Entry], catalog: dict[str, Service] | None) -> list[Problem]:
    """Checks that need the whole archive: unique ids, related ids, catalog services, default
    teams. Every file whose id, related ids or services could be read is checked, counted or
    not, so fixing one error never reveals the next."""
    groups: dict[str, list[Entry]] = {}  # id -> the files using it, in path order
    for path in sorted(entries):
        entry = entries[path]
        if entry.ident is not None:
            groups.setdefault(entry.ident, []).append(entry)
    problems: list[Problem] = []
    for group in groups.values():
        if len(group) > 1:
            problems.extend(_duplicates(group))
    owners = set(groups)
    names = sorted(catalog) if catalog else []
    for path in sorted(entries):
        entry = entries[path]
        for index, other in enumerate(entry.related):
            if other not in owners:
                problems.append(
                    Problem(
                        "warning",
                        path,
                        entry.line_of("related", index),
                        f"'related.{index}': {other} is not an incident in this archive: fix the id or "
                        "remove it",
                        key=f"related.{index}",
                    )
                )
        if catalog is None:
            continue
        for index, service in enumerate(entry.services):
            if service not in catalog:
                hint = closest(service, names)
                suggestion = f" Did you mean '{hint}'?" if hint else " Add it to the service catalog."
                problems.append(
                    Problem(
                        "warning",
                        path,
                        entry.line_of("services", index),
                        f"'services': '{service}' is not in the service catalog.{suggestion}",
                        key="services",
                    )
                )
        record = entry.record
        if record is not None and not record.teams:
            teams = [catalog[s].team for s in record.services if s in catalog and catalog[s].team]
            record.teams = list(dict.fromkeys(t for t in teams if t))
    return problems


NEXT_ID = "the next free id (postmortems new shows it)"


def _duplicates(group: list[Entry]) -> list[Problem]:
    """An id used by several files: an error on each of them, naming the other file and line, so
    `postmortems validate` on either file (a pre-commit hook sees only the changed one) fails.
    The first counted file in path order keeps the id; the others are left out of every index.
    With none counted, the first in path order is named on the others."""
    keeper = next((entry for entry in group if entry.record is not None), None)
    anchor = keeper or group[0]
    problems = []

    def report(entry: Entry, why: str) -> None:
        line = entry.line_of("id") or 1
        problems.append(Problem("error", entry.path, line, f"'id': {entry.ident} {why}", key="id"))

    def at(entry: Entry) -> str:
        return f"{entry.path}:{entry.line_of('id') or 1}"

    def used_by(entry: Entry, state: str) -> str:
        return f"is also used by {at(entry)}, which {state}: give one of them {NEXT_ID}"

    not_counted = "is not counted until its own errors are fixed"
    for entry in group:
        if entry is anchor:
            continue
        if keeper is None:
            report(entry, used_by(anchor, not_counted))
            report(anchor, used_by(entry, not_counted))
            continue
        why = (
            f"is already used by {at(keeper)}, which keeps it (the first counted file with this id, in "
            f"path order): give this postmortem {NEXT_ID}"
        )
        if entry.record is None:
            report(entry, why)
            report(keeper, used_by(entry, not_counted))
            continue
        entry.record = None
        report(entry, why + "; it is left out of every index until then")
        report(keeper, used_by(entry, "is left out of every index while this file keeps the id"))
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
