"""What the site's search finds: one Pagefind record per published postmortem, one per page of
the site's own, and one per service and team page (not the plugin's other generated pages).

A postmortem's record holds its whole text (title, every section of the body as written, with
its tables, code and action items) and every front-matter value (as metadata Pagefind searches
too, so that a snippet is a passage of the text), its facets as Pagefind filters and what a
result shows as metadata. Pagefind tokenises
and stems it at build time and in the browser alike: case, punctuation, quotes and possessives
never stop a match, `PAY-1084` and `ERR_CERT_DATE_INVALID` match whole (and by their parts),
and the browser loads only the pieces of the index a query needs.

The records are written newest first: Pagefind keeps that order among equally good matches and
for a search without words, so ties and those list the newest first. (No sort key: with one,
a search without words took 11 s in the browser at 10,000 postmortems, without 1 s.)

A large archive's index is written in parts of PART_SIZE postmortems, newest first, each its own
Pagefind bundle: `pagefind/` (with the site's own pages) and `pagefind/part-2/`, `part-3/`…,
which the browser merges (`mergeIndex`; one WebAssembly module, counts summed, results by score
and, on ties, in part order). Why: Pagefind 1.5 scores each page a word is on by scanning every
(word, page) entry of the query, so a word's cost grows with the square of the pages it is on
(a word on half of 10,000 postmortems took more than 1 s of the browser's CPU; in parts of 2,000,
a fifth of that); and Pagefind's process holds its whole index in memory until it is written
(3.2 GB at 10,000), so the parts are indexed one after the other, each by a process of its own.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import html
import json
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from ..insight.knowledge import Knowledge
from ..records.model import Postmortem
from .pagefind import TIMEOUT, PagefindError, Service

OUTPUT = "pagefind"  # the index's folder under site_dir: Pagefind's own default name
PART_SIZE = 2000  # postmortems per part of the index (see above); POSTMORTEMS_SEARCH_PART sets it

SNIPPET = 240
KIND = "kind"  # the filter that tells postmortems from the site's other pages
VOCABULARY = "vocabulary"  # the kind of the record that holds every word (vocabulary_record)
# Facet name in the explorer's URL (the contract's §12) -> the record's values.
FACETS = ("service", "team", "severity", "factor", "trigger", "status")
STARTED = "started"  # filter (the day): the explorer's from and to
# The meta field of a postmortem's front-matter values: searched as Pagefind searches metadata,
# and never the passage a result's snippet shows (in the text, "182000 alert dependency
# missing-timeout …" came up as the snippet of every match in the values).
FIELDS = "fields"

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
        "content": f"{record.title}. {text}",
        "meta": {**meta, FIELDS: front_matter_text(record)},
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


def entity_records(kb: Knowledge) -> list[dict[str, Any]]:
    """The generated page of each service and team, for the header's box: a reader who types a
    service's or a team's name is offered its page (incidents, MTTR, open items) beside the
    postmortems that name it. What they hold: the name, the catalog's description, lifecycle
    and team, and a team's services."""
    records = []
    for view in kb.services.values():
        known = view.service
        words = [view.name, "service", view.team or "", (known.description or "") if known else ""]
        if known is not None and known.lifecycle:
            words.append(known.lifecycle)
        records.append(page_record(view.url, f"{view.name} (service)", " ".join(words)))
    for team in kb.teams.values():
        words = [team.name, team.slug, "team", *team.services]
        records.append(page_record(team.url, f"{team.name} (team)", " ".join(words)))
    return records


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


def part_size() -> int:
    """Postmortems per part of the index: PART_SIZE, or POSTMORTEMS_SEARCH_PART (benchmarks and
    tests use it to compare and to exercise several parts on a small archive)."""
    with contextlib.suppress(ValueError):
        return max(1, int(os.environ.get("POSTMORTEMS_SEARCH_PART", PART_SIZE)))
    return PART_SIZE


def part_name(number: int) -> str:
    """The folder of the index's part `number` (2 on) inside OUTPUT, the first part's."""
    return f"part-{number}"


def part_urls(postmortems: int) -> list[str]:
    """The site-relative folders of the index's parts after the first (for `mergeIndex`)."""
    parts = max(1, -(-postmortems // part_size()))
    return [f"{OUTPUT}/{part_name(n)}/" for n in range(2, parts + 1)]


# What Pagefind drops around a word ("timeout," and "(timeout" are the word timeout).
_EDGES = "\"'`*_()[]{}<>.,;:!?|#~=+/\\-–—"


def words_of(records: Iterable[dict[str, Any]]) -> set[str]:
    """The words of records' text and front-matter values, case folded, without the punctuation
    around them: the dictionary a part of the index will have, near enough to tell what it lacks."""
    words: set[str] = set()
    for record in records:
        words.update(record["content"].split())
        words.update(record["meta"].get(FIELDS, "").split())
    return {word.lower().strip(_EDGES) for word in words} - {""}


def vocabulary_record(words: Iterable[str]) -> dict[str, Any]:
    """The words of the archive that one part of the index lacks, as a record of that part.

    Why: Pagefind answers a word that no indexed word starts with by the longest indexed word
    that starts it ("PAY-1084" by "pay"). Alone, an index does that only for words the archive
    does not hold; in parts, a part without the word would answer with pages that do not hold it
    while another part has the very word. With the other parts' words in its dictionary too, each
    part answers as one index would. Its kind keeps it out of every result and count."""
    return {
        "url": "/pagefind-vocabulary/",
        "content": " ".join(sorted(words)),
        "meta": {"title": ""},
        "filters": {KIND: [VOCABULARY]},
    }


class _Part:
    """One part of the index: its records and the folder Pagefind writes it into."""

    def __init__(self, records: list[dict[str, Any]], folder: str) -> None:
        self.records = records
        self.extra: list[dict[str, Any]] = []  # its vocabulary record, if any
        self.folder = folder


class SiteIndex:
    """One build's search index. The records are sent as soon as the archive is read and Pagefind
    writes the index into a folder of its own while MkDocs builds the pages (MkDocs empties
    site_dir after `on_files`); `finish` moves it into the site. The first part (the newest
    postmortems and the site's own pages) goes to Pagefind at once; with several parts, a thread
    adds the vocabulary to each and indexes the others one after the other, each by a Pagefind
    process of its own. Whatever happens, `finish` or `cancel` ends every Pagefind process."""

    def __init__(
        self, language: str, postmortems: Iterable[dict[str, Any]], pages: Sequence[dict[str, Any]]
    ) -> None:
        self.config = {"force_language": language}
        self.language = language
        self.folder = tempfile.mkdtemp(prefix="postmortems-pagefind-")
        records = list(postmortems)
        size = part_size()
        chunks = [records[at : at + size] for at in range(0, len(records), size)] or [[]]
        chunks[0] = [*chunks[0], *pages]
        self.parts = [
            _Part(chunk, os.path.join(self.folder, OUTPUT if n == 1 else part_name(n)))
            for n, chunk in enumerate(chunks, start=1)
        ]
        self.records = len(records) + len(pages)
        self._lock = threading.Lock()
        self._stopped = False
        self._current: Service | None = None
        self._failure: PagefindError | None = None
        self._later: threading.Thread | None = None
        try:
            self.service: Service | None = Service(self.config)
            self._send(self.service, self.parts[0].records)
            if len(self.parts) == 1:
                self.service.write(self.parts[0].folder)
        except BaseException:
            self.cancel()
            raise
        if len(self.parts) > 1:
            self._later = threading.Thread(target=self._index_in_parts, name="pagefind-parts", daemon=True)
            self._later.start()

    def _send(self, service: Service, records: Iterable[dict[str, Any]]) -> None:
        for record in records:
            service.add_record(language=self.language, **record)

    def _index_in_parts(self) -> None:
        """Each part's vocabulary (vocabulary_record); the first part written by its process,
        each further part by a process of its own, one at a time (Pagefind holds a whole index in
        memory until it is written)."""
        try:
            dictionaries = [words_of(part.records) for part in self.parts]
            archive = set().union(*dictionaries)
            for part, words in zip(self.parts, dictionaries, strict=True):
                lacking = archive - words
                part.extra = [vocabulary_record(lacking)] if lacking else []
            first, *later = self.parts
            with self._lock:
                service = self.service
            if service is None:
                return
            self._send(service, first.extra)
            service.write(first.folder)
            for part in later:
                with self._lock:
                    if self._stopped:
                        return
                    self._current = service = Service(self.config)
                self._send(service, [*part.records, *part.extra])
                service.write(part.folder)
                service.written()
                service.close(finish=True)
                with self._lock:
                    self._current = None
        except PagefindError as exc:
            self._failure = exc
        except OSError as exc:  # the pipe or the folder went away
            self._failure = PagefindError(str(exc))

    def finish(self, site_dir: str) -> None:
        """Wait for the index, end Pagefind, put the index at site_dir/pagefind."""
        assert self.service is not None
        try:
            if self._later is not None:  # it writes the first part too
                self._later.join(TIMEOUT)
                if self._later.is_alive():
                    raise PagefindError(f"Pagefind did not write the index's parts within {TIMEOUT:.0f} s")
            if self._failure is not None:
                raise self._failure
            self.service.written()
            self.service.close(finish=True)
        finally:
            self.cancel(keep=True)
        for part in self.parts:
            _check(part)
        target = os.path.join(site_dir, OUTPUT)
        shutil.rmtree(target, ignore_errors=True)
        os.makedirs(site_dir, exist_ok=True)
        shutil.move(self.parts[0].folder, target)
        for part in self.parts[1:]:
            shutil.move(part.folder, os.path.join(target, os.path.basename(part.folder)))
        shutil.rmtree(self.folder, ignore_errors=True)

    def cancel(self, keep: bool = False) -> None:
        """End Pagefind (idempotent); unless keep, drop what it wrote."""
        with self._lock:
            self._stopped = True
            services = (getattr(self, "service", None), self._current)
            self.service = self._current = None
        for service in services:
            if service is not None:
                service.close(finish=False)
        if self._later is not None and self._later is not threading.current_thread():
            self._later.join(5)
        if not keep:
            shutil.rmtree(self.folder, ignore_errors=True)


def _check(part: _Part) -> None:
    """A part holds every record sent to it (Pagefind's entry file counts them)."""
    try:
        with open(os.path.join(part.folder, "pagefind-entry.json"), encoding="utf-8") as handle:
            entry = json.load(handle)
        pages = sum(language["page_count"] for language in entry["languages"].values())
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise PagefindError(f"Pagefind wrote an incomplete index ({exc})") from None
    sent = len(part.records) + len(part.extra)
    if pages != sent:
        raise PagefindError(f"Pagefind indexed {pages} pages of the {sent} it was given")
