"""What the site's search finds: one Pagefind record per published postmortem, and one per page
of the site's own (not the plugin's generated pages).

A postmortem's record holds its whole text (title, every section of the body as written, with
its tables, code and action items, then every front-matter value), its facets as Pagefind
filters, its start date as the sort key and what a result shows as metadata. Pagefind tokenises
and stems it at build time and in the browser alike: case, punctuation, quotes and possessives
never stop a match, `PAY-1084` and `ERR_CERT_DATE_INVALID` match whole (and by their parts),
and the browser loads only the pieces of the index a query needs.

The records are written newest first: Pagefind keeps that order among equally good matches and
for a search without words, so ties and those list the newest first. (No sort key: with one,
a search without words took 11 s in the browser at 10,000 postmortems, without 1 s.)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from ..insight.knowledge import Knowledge
from ..records.model import Postmortem
from .pagefind import PagefindError, Service

OUTPUT = "pagefind"  # the index's folder under site_dir: Pagefind's own default name

SNIPPET = 240
KIND = "kind"  # the filter that tells postmortems from the site's other pages
# Facet name in the explorer's URL (the contract's §12) -> the record's values.
FACETS = ("service", "team", "severity", "factor", "trigger", "status")
STARTED = "started"  # filter (the day): the explorer's from and to

# Markup that is not text: HTML tags (not "a < b") and comments, link and image targets, runs of
# three dashes or more (table rules, horizontal rules), and the marks of code, emphasis, headings,
# quotes, tables and links. Underscores stay: ERR_CERT_DATE_INVALID is one word. Each step is a
# single pass in C (a regex alternation over every character cost 2 ms per postmortem).
_TAGS = re.compile(r"<(?:[A-Za-z/][^<>]*|!--.*?--)>", re.S)
_TARGETS = re.compile(r"\]\([^)]*\)")
_RULES = re.compile(r"---+")
_MARKS = bytes.maketrans(b"`*#>|[]", b"       ")  # ASCII bytes never occur inside a UTF-8 sequence


def plain(text: str, limit: int | None = None) -> str:
    """Markdown to plain text: markup dropped, HTML entities decoded (Pagefind escapes the text
    wherever it shows it, and splits it into words on white space)."""
    if "<" in text:
        text = _TAGS.sub(" ", text)
    if "](" in text:
        text = _TARGETS.sub(" ", text)
    if "---" in text:
        text = _RULES.sub(" ", text)
    text = text.replace("\n- ", "\n  ").replace("\n  - ", "\n    ")  # list bullets
    # Pagefind drops the punctuation inside a word and keeps the rest as one word: an error token
    # glued to a namespace or a key (NET::ERR_CERT_DATE_INVALID, code=ERR_CONN) would be found
    # only whole with its prefix. A space after "::" and "=" makes the token a word of its own.
    text = text.replace("::", ":: ").replace("=", "= ")
    text = text.encode("utf-8").translate(_MARKS).decode("utf-8")
    if "&" in text:
        text = html.unescape(text)
    return text if limit is None else cut(text, limit)


def cut(text: str, limit: int) -> str:
    """Plain text as one line of at most `limit` characters, cut after a word."""
    line = " ".join(text[: limit * 2].split())
    return line if len(line) <= limit else line[: limit - 1].rsplit(" ", 1)[0] + "…"


def _values(value: Any) -> Iterator[str]:
    """Every value of a record's field, nested ones included, as text (true/false are no words)."""
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, str):
        yield value
    elif isinstance(value, dt.datetime):
        yield value.date().isoformat()  # the day is what people search for
    elif isinstance(value, dt.date):
        yield value.isoformat()
    elif isinstance(value, (int, float)):
        yield f"{value:g}"
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _values(item)
    elif dataclasses.is_dataclass(value):
        for field in dataclasses.fields(value):
            if field.name != "line":
                yield from _values(getattr(value, field.name))


# What the body already holds, or what is no text of the postmortem.
_NOT_VALUES = {"title", "sections", "timeline", "source", "url", "legacy"}


def front_matter_text(record: Postmortem) -> str:
    return " ".join(
        text
        for field in dataclasses.fields(record)
        if field.name not in _NOT_VALUES
        for text in _values(getattr(record, field.name))
    )


def postmortem_record(record: Postmortem, body: str, kb: Knowledge) -> dict[str, Any]:
    """A postmortem as a Pagefind record (the arguments of `pagefind.Service.add_record`)."""
    text = plain(body)
    summary = record.sections.get("summary")
    meta = {
        "title": record.title,
        "id": record.id,
        STARTED: record.started_at.date().isoformat(),
        "summary": plain(summary, SNIPPET) if summary else cut(text, SNIPPET),
    }
    if kb.figures[record.id].repeat_of:
        meta["repeat"] = "repeat"
    filters = {
        KIND: ["postmortem"],
        "service": record.services,
        "team": record.teams,
        "severity": [record.severity],
        "factor": record.contributing_factors,
        "trigger": [record.trigger] if record.trigger else [],
        "status": [record.status],
        STARTED: [meta[STARTED]],
    }
    return {
        "url": record.url,
        "content": f"{record.title}. {text} {front_matter_text(record)}",
        "meta": meta,
        "filters": {name: values for name, values in filters.items() if values},
    }


def page_record(url: str, title: str, markdown: str) -> dict[str, Any]:
    """A page of the site's own, found by the header's search box (not by the explorer)."""
    return {
        "url": url,
        "content": f"{title}. {plain(markdown)}",
        "meta": {"title": title},
        "filters": {KIND: ["page"]},
    }


def postmortem_records(kb: Knowledge, bodies: dict[str, str]) -> Iterable[dict[str, Any]]:
    """Every published postmortem, newest first (`kb.records`' order)."""
    for record in kb.records:
        yield postmortem_record(record, bodies.get(record.source, ""), kb)


_TITLE = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.M)


def page_title(markdown: str, meta: dict[str, Any], fallback: str) -> str:
    """The title MkDocs would give a page: its front matter's, its first `# heading`, its name."""
    title = meta.get("title")
    if isinstance(title, str) and title.strip():
        return title.strip()
    heading = _TITLE.search(markdown)
    return cut(plain(heading.group(1)), 200) if heading else fallback


class SiteIndex:
    """One build's search index. The records are sent as soon as the archive is read and Pagefind
    writes the index into a folder of its own while MkDocs builds the pages (MkDocs empties
    site_dir after `on_files`); `finish` moves it into the site. Whatever happens, `finish` or
    `cancel` ends the Pagefind process."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.records = 0
        self.folder = tempfile.mkdtemp(prefix="postmortems-pagefind-")
        try:
            self.service: Service | None = Service({"force_language": language})
        except BaseException:
            shutil.rmtree(self.folder, ignore_errors=True)
            raise

    def add(self, records: Iterable[dict[str, Any]]) -> None:
        assert self.service is not None
        for record in records:
            self.service.add_record(language=self.language, **record)
            self.records += 1

    def write(self) -> None:
        assert self.service is not None
        self.service.write(os.path.join(self.folder, OUTPUT))

    def finish(self, site_dir: str) -> None:
        """Wait for the index, end Pagefind, put the index at site_dir/pagefind."""
        assert self.service is not None
        try:
            self.service.written()
            self.service.close(finish=True)  # its last bytes are written as it ends
        finally:
            self.cancel(keep=True)
        written = os.path.join(self.folder, OUTPUT)
        self._check(written)
        target = os.path.join(site_dir, OUTPUT)
        shutil.rmtree(target, ignore_errors=True)
        os.makedirs(site_dir, exist_ok=True)
        shutil.move(written, target)
        shutil.rmtree(self.folder, ignore_errors=True)

    def _check(self, written: str) -> None:
        """The index holds every record sent (Pagefind's entry file counts them)."""
        try:
            with open(os.path.join(written, "pagefind-entry.json"), encoding="utf-8") as handle:
                entry = json.load(handle)
            pages = sum(language["page_count"] for language in entry["languages"].values())
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise PagefindError(f"Pagefind wrote an incomplete index ({exc})") from None
        if pages != self.records:
            raise PagefindError(f"Pagefind indexed {pages} pages of the {self.records} it was given")

    def cancel(self, keep: bool = False) -> None:
        """End Pagefind (idempotent); unless keep, drop what it wrote."""
        if self.service is not None:
            self.service.close(finish=False)
            self.service = None
        if not keep:
            shutil.rmtree(self.folder, ignore_errors=True)
