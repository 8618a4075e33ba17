"""Rewriting legacy bold-header postmortems (spec §1, "Legacy form") to front matter.

The H1 title and the header lines whose value could be read become front-matter fields; a
header line that holds a section's text (`**Root cause:** …`) becomes that section; every
other line stays, verbatim and in order, among them any value that could not be read. Before
anything is written the new text is parsed and validated again and must give the same fields
and the same record as the legacy file did: a migration that would change what the archive
says is refused, not written. What the reader noted and what the migrated file still lacks
are reported with their line in the migrated file, so a person can finish the job.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from ..records.legacy import LegacyHeader, body_lines, parse_legacy_header
from ..records.model import FIELDS, ActionItem, Postmortem, Problem
from ..records.parse import decode, parse_document, parse_sections, split_front_matter
from ..records.validate import Rules, validate
from .authoring import yaml_value

Outcome = Literal["migrated", "skipped", "failed"]


@dataclass
class Migration:
    """What migrating one file did or would do. `problems`: what the reader noted and what
    validating the migrated text found, on the lines of the migrated text."""

    path: str  # as given, for messages
    outcome: Outcome
    message: str
    old: str = ""
    new: str = ""
    problems: list[Problem] = field(default_factory=list)

    def diff(self, label: str) -> str:
        """A unified diff of the change, `label` being the path shown in its header."""
        lines = difflib.unified_diff(
            self.old.splitlines(keepends=True),
            self.new.splitlines(keepends=True),
            fromfile=f"a/{label}",
            tofile=f"b/{label}",
        )
        return "".join(lines)

    def needs_work(self, strict: bool = False) -> bool:
        """Whether the migrated file still needs a person: an error, a value the reader could
        not read or doubted (its warnings), or with `strict` any warning."""
        return any(
            p.level == "error" or (p.level == "warning" and (strict or p.key == READER))
            for p in self.problems
        )


READER = "migrate"  # the key of the reader's own notes, beside validation's field keys


def front_matter(fields: dict[str, Any], comments: dict[str, str]) -> list[str]:
    """The front-matter block, fields in the usual order, one line each."""
    keys = [key for key in FIELDS if key in fields] + sorted(key for key in fields if key not in FIELDS)
    lines = ["---"]
    for key in keys:
        line = f"{key}: {yaml_value(fields[key])}"
        if key in comments:
            line += f"  # {comments[key]}"
        lines.append(line)
    lines.append("---")
    return lines


def _item_key(item: ActionItem) -> tuple[Any, ...]:
    return (item.title, item.owner, item.due, item.priority, item.status, item.ticket, item.done_at)


def signature(record: Postmortem | None) -> tuple[Any, ...] | None:
    """The parts of a record a migration must not change."""
    if record is None:
        return None
    return (
        record.id,
        record.title,
        record.status,
        record.severity,
        tuple(record.services),
        tuple(record.teams),
        record.started_at,
        record.resolved_at,
        record.published_at,
        tuple(record.authors),
        tuple(record.reviewers),
        record.detection,
        record.trigger,
        tuple(record.contributing_factors),
        tuple(record.tags),
        tuple(_item_key(item) for item in record.action_items),
        tuple((event.time, event.event) for event in record.timeline),
        tuple(sorted(record.sections.items())),
    )


@dataclass
class _Rewrite:
    text: str
    where: dict[int, int]  # line of the legacy text -> line of the new text


def _rewrite(text: str, header: LegacyHeader, fields: dict[str, Any]) -> _Rewrite:
    """The new text: front matter, then every line not consumed, with the sections taken from
    header lines placed before the first `##` heading. `where` maps old lines to new ones (a
    consumed line to the field or heading it became)."""
    front = front_matter(fields, header.comments)
    field_lines = {line.split(":", 1)[0]: number for number, line in enumerate(front, start=1)}
    lines, body_where = body_lines(text, header)
    out = [*front, *lines]
    where = {old: new + len(front) for old, new in body_where.items()}
    consumed = set(header.consumed)
    for key, at in header.lines.items():
        if at in consumed and at not in where and str(key[0]) in field_lines:
            where[at] = field_lines[str(key[0])]
    return _Rewrite("\n".join(out), where)


def migrate_text(path: str, text: str, rules: Rules) -> Migration:
    """The front-matter form of a legacy file's text (outcome "migrated"), or why there is none."""
    found, _first, _body = split_front_matter(text)
    if found is not None:
        return Migration(path, "skipped", "already has front matter")
    header = parse_legacy_header(path, text, set(parse_sections(text, 1)))
    if header is None:
        return Migration(
            path, "skipped", "no legacy header (no '**Incident ID:**' line before the first '##' heading)"
        )
    fields = header.front_matter()
    rewrite = _rewrite(text, header, fields)

    # The check that makes this safe: same fields, same record.
    old_record, _old_problems = validate(parse_document(path, text), rules)
    new_doc = parse_document(path, rewrite.text)
    new_record, new_problems = validate(new_doc, rules)
    if new_doc.front != fields:
        changed = sorted(k for k in set(fields) | set(new_doc.front) if fields.get(k) != new_doc.front.get(k))
        return Migration(
            path,
            "failed",
            f"the front matter would not read back the same ({', '.join(changed)}): not changed",
        )
    if signature(old_record) != signature(new_record):
        return Migration(path, "failed", "the migrated file would describe a different record: not changed")
    if old_record is not None and new_record is None:
        errors = "; ".join(p.message for p in new_problems if p.level == "error")
        return Migration(path, "failed", f"the migrated file would not validate ({errors}): not changed")
    notes = [
        Problem(note.level, path, rewrite.where.get(note.line, note.line), note.message, key=READER)
        for note in header.notes
    ]
    # A required field that is missing is reported on line 1; point at the header line it
    # would have come from, which stays in the body, where it can be fixed.
    found_lines = {str(key[0]): rewrite.where.get(line) for key, line in header.lines.items()}
    problems = [
        replace(p, line=found_lines.get((p.key or "").split(".")[0]) or p.line)
        if p.line == 1 and p.key and (p.key or "").split(".")[0] not in fields
        else p
        for p in new_problems
    ]
    migration = Migration(path, "migrated", "migrated to front matter", text, rewrite.text)
    migration.problems = sorted(notes + problems, key=lambda p: (p.line or 0, p.level != "error"))
    return migration


def migrate_file(abs_path: str, shown: str, rules: Rules, max_bytes: int, dry_run: bool) -> Migration:
    """Migrate one file in place (unless dry_run), keeping its line endings."""
    try:
        with open(abs_path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        return Migration(shown, "failed", f"cannot read the file: {exc.strerror}")
    text, problems = decode(shown, data, max_bytes)
    if text is None:
        return Migration(shown, "failed", problems[0].message if problems else "cannot read the file")
    migration = migrate_text(shown, text, rules)
    if migration.outcome != "migrated" or dry_run:
        return migration
    newline = "\r\n" if b"\r\n" in data else "\n"
    temp = f"{abs_path}.postmortems-migrate.tmp"
    try:
        with open(temp, "w", encoding="utf-8", newline=newline) as handle:
            handle.write(migration.new)
        os.replace(temp, abs_path)
    except OSError as exc:
        if os.path.exists(temp):
            os.remove(temp)
        return Migration(shown, "failed", f"cannot write the file: {exc.strerror}")
    return migration
