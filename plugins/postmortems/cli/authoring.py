"""Writing new postmortem files: the next free id, the file name, the template, and YAML values
that read back exactly as written.

Shared by `postmortems new` and `postmortems import`, so a hand-made draft and an imported one
look the same and both pass `postmortems validate` as soon as they are written.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..records import NEW_POSTMORTEM
from ..records.legacy import parse_legacy_header
from ..records.model import Service
from ..records.parse import decode, split_front_matter
from ..records.validate import ID_RE, NAME_RE, Rules, closest
from .project import Site, UsageError, archive_files

ID_PREFIX = "INC"

_ID = re.compile(r"^INC-(\d{4})-(\d+)$", re.IGNORECASE)
_FILE_ID = re.compile(r"^(inc-\d{4}-\d+)(?:-|\.md$)", re.IGNORECASE)
_FRONT_ID = re.compile(r"^id:[ \t]*(['\"]?)([A-Za-z0-9-]+)\1[ \t]*(?:#.*)?$", re.MULTILINE)
# What YAML refuses to read, plus the control characters that have no place in a title.
_UNPRINTABLE = re.compile("[^\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_FLOW_SPECIAL = re.compile(r"[,\[\]{}#&*!|>'\"%@`:]")


# --------------------------------------------------------------------------- text and YAML


def clean_text(text: str) -> str:
    """One line of printable text: titles and table cells come from people and other tools."""
    return " ".join(_UNPRINTABLE.sub(" ", text).split())


def slugify(text: str, limit: int = 60) -> str:
    """A file-name slug: ASCII letters, digits and dashes, cut at a word boundary."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > limit:
        cut = slug[:limit]
        slug = cut.rsplit("-", 1)[0] if "-" in cut[limit // 2 :] else cut
    return slug.strip("-")


def _reads_back(text: str, value: Any) -> bool:
    try:
        loaded = yaml.safe_load(f"k: {text}\n")
    except yaml.YAMLError:
        return False
    return isinstance(loaded, dict) and loaded.get("k") == value and type(loaded.get("k")) is type(value)


def _scalar(value: Any, flow: bool = False) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return str(value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if (
        text
        and text == text.strip()
        and not (flow and _FLOW_SPECIAL.search(text))
        and _reads_back(text, text)
    ):
        return text
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML double-quoted one


def yaml_value(value: Any) -> str:
    """A front-matter value on one line that YAML reads back as the same value and type."""
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_scalar(item, flow=True) for item in value) + "]"
    return _scalar(value)


def yaml_field(value: Any, otherwise: str = "") -> str:
    """` value` after a `key:`, or `otherwise` (a comment) when there is no value: no trailing blanks."""
    if value is None or value == "" or value == []:
        return otherwise
    return " " + yaml_value(value)


def table_cell(value: Any) -> str:
    """Text for one Markdown table cell: one line, pipes escaped."""
    return clean_text(str(value)).replace("|", "\\|")


# --------------------------------------------------------------------------- the archive


def _id_number(ident: str, year: int) -> int | None:
    match = _ID.match(ident)
    if match is None or int(match.group(1)) != year:
        return None
    return int(match.group(2))


@dataclass
class ArchiveIndex:
    """The ids in use and the text of every postmortem, read without validating anything.

    A broken file must still hold its id (its author will fix it and keep the number), so ids
    come from a plain look at the front matter, the legacy header and the file name.
    """

    texts: dict[str, str] = field(default_factory=dict)  # docs-relative path -> text
    ids: set[str] = field(default_factory=set)  # upper case

    @classmethod
    def scan(cls, site: Site) -> ArchiveIndex:
        index = cls()
        for rel in archive_files(site):
            match = _FILE_ID.match(os.path.basename(rel))
            if match:
                index.ids.add(match.group(1).upper())
            try:
                with open(os.path.join(site.docs_dir, rel), "rb") as handle:
                    data = handle.read()
            except OSError:
                continue
            text, _problems = decode(rel, data, site.max_bytes)
            if text is not None:
                index.add(rel, text)
        return index

    def add(self, rel: str, text: str) -> None:
        """Remember a file's text and id (also used for files written during this run)."""
        self.texts[rel] = text
        front, _first, _body = split_front_matter(text)
        if front is not None:
            match = _FRONT_ID.search(front)
            if match:
                self.ids.add(match.group(2).upper())
            return
        header = parse_legacy_header(rel, text)
        if header is not None and isinstance(header.fields.get("id"), str):
            self.ids.add(header.fields["id"].strip().upper())

    def next_id(self, year: int) -> str:
        """`INC-<year>-<NNN>`: one more than the highest number used that year, and reserve it."""
        numbers = [n for n in (_id_number(ident, year) for ident in self.ids) if n is not None]
        ident = f"{ID_PREFIX}-{year}-{max(numbers, default=0) + 1:03d}"
        self.ids.add(ident.upper())
        return ident

    def mentioning(self, token: str) -> str | None:
        """The first file whose text contains `token` as a whole word, if any."""
        pattern = re.compile(rf"(?<![A-Za-z0-9]){re.escape(token)}(?![A-Za-z0-9])")
        return next((rel for rel, text in sorted(self.texts.items()) if pattern.search(text)), None)


# --------------------------------------------------------------------------- services


def normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def suggest_service(name: str, catalog: dict[str, Service]) -> str | None:
    """The closest catalog name, as the plugin suggests it in its warning."""
    return closest(name, sorted(catalog))


def match_service(name: str, catalog: dict[str, Service]) -> str | None:
    """The catalog service an outside tool's service name means, when that is clear enough.

    Exact first, then the same letters and digits ("Payments API" is payments-api), then a
    catalog name followed by a suffix ("payments-api-production"), then a close spelling.
    """
    if name in catalog:
        return name
    by_letters = {normalise(known): known for known in catalog}
    if normalise(name) in by_letters:
        return by_letters[normalise(name)]
    slug = slugify(name, limit=200)
    prefixed = [known for known in catalog if slug.startswith(known.lower() + "-")]
    if prefixed:
        return max(prefixed, key=len)
    close = difflib.get_close_matches(slug, sorted(catalog), n=1, cutoff=0.8)
    return close[0] if close else None


def valid_service_name(name: str) -> bool:
    return bool(NAME_RE.match(name)) and ".." not in name


# --------------------------------------------------------------------------- drafts


@dataclass
class Draft:
    """What the template needs for one new postmortem."""

    id: str
    title: str
    severity: str
    services: list[str]
    started_at: dt.date | dt.datetime
    acknowledged_at: dt.datetime | None = None
    resolved_at: dt.datetime | None = None
    summary: str | None = None
    timeline: list[tuple[str, str]] = field(default_factory=list)

    def file_name(self) -> str:
        slug = slugify(self.title) or "postmortem"
        return f"{self.id.lower()}-{slug}.md"


def render(draft: Draft, severities: Sequence[str]) -> str:
    """The new file's text, from the template shipped with the package."""
    import jinja2  # only `new` and `import` need it: `validate` stays fast to start

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(os.path.dirname(NEW_POSTMORTEM)),
        autoescape=False,  # Markdown and YAML, not HTML; values are made safe by the filters
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(yaml=yaml_value, field=yaml_field, cell=table_cell)
    return env.get_template(os.path.basename(NEW_POSTMORTEM)).render(
        id=draft.id,
        title=draft.title,
        severity=draft.severity,
        scale=" | ".join(severities),
        services=draft.services,
        started_at=draft.started_at,
        detected_at=None,
        acknowledged_at=draft.acknowledged_at,
        resolved_at=draft.resolved_at,
        summary=draft.summary,
        timeline=draft.timeline,
    )


def draft_path(site: Site, draft: Draft) -> str:
    """`<docs_dir>/<path>/<year>/<id>-<slug>.md`, absolute."""
    year = str(draft.started_at.year)
    return os.path.join(site.archive_dir, year, draft.file_name())


def write_new(path: str, text: str) -> None:
    """Create the file; raises FileExistsError rather than overwrite anything."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "x", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


class InputError(UsageError):
    """What the user asked for cannot make a valid postmortem (the command exits 2)."""


def plan_draft(
    rules: Rules,
    index: ArchiveIndex,
    title: str,
    services: Sequence[str],
    severity: str,
    day: dt.date,
    ident: str | None = None,
) -> Draft:
    """The draft `postmortems new` writes, checked so that the file it makes validates.

    The severity goes through the scale and aliases and is written canonical; without an
    explicit id, the next free one for the year of `day` is reserved.
    """
    canonical = rules.canonical_severity(severity)
    if canonical is None:
        raise InputError(
            f"--severity '{severity}' is not on the severity scale ({', '.join(rules.severities)}) "
            f"nor an alias ({', '.join(rules.aliases) or 'none'})"
        )
    clean_title = clean_text(title)
    if not clean_title:
        raise InputError("--title is empty")
    names = list(dict.fromkeys(clean_text(name) for name in services))
    for name in names:
        if not valid_service_name(name):
            raise InputError(f"--service '{name}' is not a valid name: use letters, digits, dots and dashes")
    if ident is not None:
        ident = clean_text(ident)
        if not ID_RE.match(ident):
            raise InputError(f"--id '{ident}' is not a valid id: use letters, digits and dashes")
    return Draft(
        id=ident or index.next_id(day.year),
        title=clean_title,
        severity=canonical,
        services=names,
        started_at=day,
    )


def catalog_warnings(
    services: Iterable[str], catalog: dict[str, Service] | None, where: str | None
) -> list[str]:
    """A warning per service the catalog does not know, with the closest name it does."""
    if catalog is None:
        return []
    out = []
    for name in services:
        if name not in catalog:
            hint = suggest_service(name, catalog)
            advice = f"did you mean '{hint}'?" if hint else f"add it to {where or 'the catalog'}"
            out.append(f"service '{name}' is not in the service catalog: {advice}")
    return out
