"""Rewriting legacy bold-header postmortems (spec §1, "Legacy form") to front matter.

The H1 title and the recognised `**Field:**` lines become front-matter fields; every other
line stays, verbatim and in order. Before anything is written the new text is parsed and
validated again and must give the same fields and the same record as the legacy file did:
a migration that would change what the archive says is refused, not written.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import os
import re
from dataclasses import dataclass
from typing import Any, Literal

from ..records.model import FIELDS, ActionItem, Postmortem
from ..records.parse import decode, parse_document, parse_legacy_header, split_front_matter
from ..records.validate import Rules, validate
from .authoring import yaml_value

Outcome = Literal["migrated", "skipped", "failed"]

_BOLD_VALUE = re.compile(r"\*\*[^*]+\*\*[ \t]*:?[ \t]*(.*?)[ \t]*$")


@dataclass
class Migration:
    """What migrating one file did or would do."""

    path: str  # as given, for messages
    outcome: Outcome
    message: str
    old: str = ""
    new: str = ""

    def diff(self, label: str) -> str:
        """A unified diff of the change, `label` being the path shown in its header."""
        lines = difflib.unified_diff(
            self.old.splitlines(keepends=True),
            self.new.splitlines(keepends=True),
            fromfile=f"a/{label}",
            tofile=f"b/{label}",
        )
        return "".join(lines)


def _raw_value(text_lines: list[str], line: int | None) -> str | None:
    if not line:
        return None
    match = _BOLD_VALUE.search(text_lines[line - 1])
    return match.group(1) if match else None


def _normalised(fields: dict[str, Any]) -> dict[str, Any]:
    """Legacy values as front matter should hold them: dates as dates, not text."""
    out = dict(fields)
    published = out.get("published_at")
    if isinstance(published, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", published.strip()):
        with contextlib.suppress(ValueError):  # 2025-02-30 stays text, and fails validation as before
            out["published_at"] = dt.date.fromisoformat(published.strip())
    return out


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


def migrate_text(path: str, text: str, rules: Rules) -> tuple[str | None, str]:
    """The front-matter form of a legacy file's text, or None and the reason it cannot be."""
    front, _first, _body = split_front_matter(text)
    if front is not None:
        return None, "already has front matter"
    header = parse_legacy_header(path, text)
    if header is None:
        return None, "no legacy header (no '**Incident ID:**' line before the first '##' heading)"
    fields, lines, consumed = header
    text_lines = text.split("\n")
    drop = set(consumed)
    if "duration" in _legacy_keys(text_lines, consumed) and "resolved_at" not in fields:
        # A Duration we could not turn into resolved_at stays in the body: nothing is lost.
        drop.discard(_legacy_keys(text_lines, consumed)["duration"])
    fields = _normalised(fields)
    comments: dict[str, str] = {}
    raw_status = _raw_value(text_lines, lines.get(("status",)))
    if raw_status is not None and raw_status.strip().lower() != fields.get("status"):
        comments["status"] = f"legacy status: {raw_status.strip()}"
    body = [line for number, line in enumerate(text_lines, start=1) if number not in drop]
    new_text = "\n".join([*front_matter(fields, comments), *body])

    # The check that makes this safe: same fields, same record.
    old_record, _old_problems = validate(parse_document(path, text), rules)
    new_doc = parse_document(path, new_text)
    new_record, new_problems = validate(new_doc, rules)
    if new_doc.front != fields:
        changed = sorted(k for k in set(fields) | set(new_doc.front) if fields.get(k) != new_doc.front.get(k))
        return None, f"the front matter would not read back the same ({', '.join(changed)}): not changed"
    if signature(old_record) != signature(new_record):
        return None, "the migrated file would describe a different record: not changed"
    if old_record is not None and new_record is None:
        errors = "; ".join(p.message for p in new_problems if p.level == "error")
        return None, f"the migrated file would not validate ({errors}): not changed"
    return new_text, "migrated to front matter"


def _legacy_keys(text_lines: list[str], consumed: list[int]) -> dict[str, int]:
    """Which consumed line held which legacy field, by its bold label."""
    out: dict[str, int] = {}
    for number in consumed:
        match = re.match(r"^[ \t]*\*\*([^*:]+?)[ \t]*:?[ \t]*\*\*", text_lines[number - 1])
        if match:
            out.setdefault(match.group(1).strip().lower(), number)
    return out


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
    new_text, reason = migrate_text(shown, text, rules)
    if new_text is None:
        outcome: Outcome = "skipped" if reason.startswith(("already", "no legacy")) else "failed"
        return Migration(shown, outcome, reason)
    migration = Migration(shown, "migrated", reason, text, new_text)
    if dry_run:
        return migration
    newline = "\r\n" if b"\r\n" in data else "\n"
    temp = f"{abs_path}.postmortems-migrate.tmp"
    try:
        with open(temp, "w", encoding="utf-8", newline=newline) as handle:
            handle.write(new_text)
        os.replace(temp, abs_path)
    except OSError as exc:
        if os.path.exists(temp):
            os.remove(temp)
        return Migration(shown, "failed", f"cannot write the file: {exc.strerror}")
    return migration
