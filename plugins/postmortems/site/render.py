"""Postmortem Markdown rendered in the worker process, exactly as MkDocs' `Page.render` would.

Why: converting Markdown is the largest share of a build (about half of MkDocs' time per page),
and MkDocs does it on one core. The postmortem bodies are known once `on_files` has read them,
so the worker converts them while MkDocs works: the worker starts from the last postmortem
page and goes backwards, MkDocs from the first page forwards, and where they meet each page is
taken by whichever side gets there first (a chunk the worker has not started is cancelled and
MkDocs renders it as usual). The result never depends on who rendered a page:

- the worker runs MkDocs' own `Page.render` on a `Page` of a `Files` copy (same URIs, URLs and
  inclusion), with the site's Markdown extensions and link validation settings, on the same text
  MkDocs would convert (`meta.get_data` of what `on_page_read_source` returned);
- what `Page.render` would log there is captured and logged again here, when the page is built;
- a page is taken from the worker only if no other plugin changed its Markdown (but for the
  newlines at its end, which Markdown ignores: mkdocs-macros' Jinja and mkdocs-static-i18n
  drop the last one), if the site's extensions can be named across processes (plain strings,
  picklable options), and if every file its links looked up is the same, at the same URL, in
  the final file list (what the worker looked up is recorded: a file another plugin added or
  moved that the page does not link to changes nothing). Otherwise MkDocs renders the page.
"""

from __future__ import annotations

import functools
import html
import logging
import os
import pickle
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import TableOfContents, get_toc
from mkdocs.utils import meta

from ..records.archive import describe
from .workers import Shared, Worker

# One row per file: src_uri, dest_uri, url, excluded. `Page.render` asks a file's inclusion only
# whether it is excluded, and MkDocs settles UNDEFINED inclusions only after `on_files`.
FileRow = tuple[str, str, str, bool]
LINK_CHECKS = ("not_found", "absolute_links", "unrecognized_links", "anchors")


@dataclass(frozen=True)
class Setup:
    """Everything `Page.render` reads from the config and the file list, in picklable form."""

    token: int
    extensions: tuple[str, ...]
    extension_configs: dict[str, Any]
    use_directory_urls: bool
    site_url: str | None
    links: dict[str, Any]  # validation.links: not_found, absolute_links, unrecognized_links, anchors
    files: tuple[FileRow, ...]
    levels: dict[str, int]  # effective log levels of the loggers that matter, here


@dataclass
class Rendered:
    """What `Page.render` sets on a page, plus the log records it emitted."""

    content: str
    toc: TableOfContents
    title: str | None
    present_anchor_ids: set[str]
    links_to_anchors: dict[str, dict[str, str]] | None  # target src_uri -> anchors
    records: list[tuple[str, int, str]] = field(default_factory=list)  # logger, level, message
    # What the page's links looked up, and found: the page is taken only if they find the same.
    lookups: dict[str, FileRow | None] = field(default_factory=dict)
    own: FileRow | None = None  # the page's own file, whose URL its links are relative to
    error: str | None = None  # the exception that stopped the conversion (see GuardedPage)


def file_row(file: File) -> FileRow:
    return (file.src_uri, file.dest_uri, file.url, file.inclusion.is_excluded())


RENDER_ERROR = "postmortems_render_error"  # set on a page whose Markdown could not be converted


class GuardedPage(Page):
    """A postmortem page whose Markdown conversion cannot stop the build.

    Python-Markdown raises on some input (`- - - … x`, a list nested 1,000 deep: RecursionError), and
    MkDocs stops the whole build on any exception while rendering a page. This page, on any
    exception, shows its Markdown as escaped text and keeps the exception (`RENDER_ERROR`),
    which the plugin reports as an error naming the file. Otherwise it is MkDocs' own render.
    """

    def render(self, config: Any, files: Files) -> None:
        try:
            super().render(config, files)
        except Exception as exc:
            self.content = unrendered(self.markdown or "")
            self.toc = get_toc([])
            self._title_from_render = None
            self.present_anchor_ids = set()
            self.links_to_anchors = None
            setattr(self, RENDER_ERROR, describe(exc))


def guard(page: Page) -> None:
    """Make a plain MkDocs page a GuardedPage (a page of a class another plugin made is left alone)."""
    if type(page) is Page:
        page.__class__ = GuardedPage


def unrendered(markdown: str) -> str:
    """What a page shows when its Markdown could not be converted: the text itself, escaped."""
    return f'<pre class="pm-unrendered">{html.escape(markdown)}</pre>'


def file_rows(files: Iterable[File]) -> tuple[FileRow, ...]:
    return tuple(file_row(f) for f in files)


def same_markdown(one: str, other: str) -> bool:
    """The same Markdown to convert: equal but for newlines at the end, which Markdown ignores."""
    return one == other or one.rstrip("\n") == other.rstrip("\n")


class _RecordingFiles(Files):
    """The worker's file list, noting what `Page.render` looks up (its only use of the list)."""

    lookups: dict[str, FileRow | None]

    def get_file_from_path(self, path: str) -> File | None:
        found = super().get_file_from_path(path)
        self.lookups[path] = None if found is None else file_row(found)
        return found


def make_setup(config: Any, files: Files, token: int) -> Setup | None:
    """The worker's copy of config and files, or None when they cannot cross to another process."""
    extensions = config["markdown_extensions"]
    if not all(isinstance(name, str) for name in extensions):
        return None  # an Extension instance added by a plugin: only this process has it
    links = config.validation.links
    setup = Setup(
        token=token,
        extensions=tuple(extensions),
        extension_configs=dict(config["mdx_configs"] or {}),
        use_directory_urls=bool(config.use_directory_urls),
        site_url=config.get("site_url"),
        links={key: getattr(links, key) for key in LINK_CHECKS},
        files=file_rows(files),
        levels={name: logging.getLogger(name).getEffectiveLevel() for name in ("", "mkdocs")},
    )
    try:
        pickle.dumps(setup.extension_configs)
    except Exception:  # a callable or object that pickle cannot name
        return None
    return setup


class _Config(dict[str, Any]):
    """The part of MkDocsConfig that `Page` and its tree processors read, by key or attribute."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class _Attrs:
    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.records: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, record.levelno, record.getMessage()))


@dataclass
class _Installed:
    setup: Setup
    config: _Config
    files: Files


_INSTALLED: _Installed | None = None  # in the worker: the setup of the current build


def install(setup: Setup) -> None:
    """Runs in the worker, once per build: rebuild the config and file list `Page.render` needs."""
    global _INSTALLED
    files = []
    for src_uri, dest_uri, url, excluded in setup.files:
        inclusion = InclusionLevel.EXCLUDED if excluded else InclusionLevel.INCLUDED
        file = File(src_uri, None, "", setup.use_directory_urls, dest_uri=dest_uri, inclusion=inclusion)
        file.url = url
        files.append(file)
    config = _Config(
        markdown_extensions=list(setup.extensions),
        mdx_configs=setup.extension_configs,
        use_directory_urls=setup.use_directory_urls,
        site_url=setup.site_url,
        validation=_Attrs(links=_Attrs(**setup.links)),
    )
    for name, level in setup.levels.items():
        logging.getLogger(name).setLevel(level)
    _INSTALLED = _Installed(setup, config, _RecordingFiles(files))


def render_pages(token: int, pages: Sequence[tuple[str, str]]) -> dict[str, Rendered]:
    """Runs in the worker: each (src_uri, source) through MkDocs' own Page.render."""
    installed = _INSTALLED
    if installed is None or installed.setup.token != token:
        raise RuntimeError("render_pages: no setup installed for this build")
    capture = _Capture()
    root = logging.getLogger()
    root.addHandler(capture)
    files = installed.files
    assert isinstance(files, _RecordingFiles)
    try:
        results = {}
        for src_uri, source in pages:
            file = files.src_uris.get(src_uri)
            if file is None:
                continue
            capture.records = []
            files.lookups = {}
            page = GuardedPage(None, file, installed.config)  # type: ignore[arg-type]
            page.markdown, _ = meta.get_data(source)
            page.render(installed.config, installed.files)
            anchors = page.links_to_anchors
            results[src_uri] = Rendered(
                content=page.content or "",
                toc=page.toc,
                title=page._title_from_render,
                present_anchor_ids=page.present_anchor_ids or set(),
                links_to_anchors=(
                    None if anchors is None else {target.src_uri: links for target, links in anchors.items()}
                ),
                records=capture.records,
                lookups=files.lookups,
                own=file_row(file),
                error=getattr(page, RENDER_ERROR, None),
            )
        return results
    finally:
        root.removeHandler(capture)


def put(page: Page, rendered: Rendered, markdown: str, files: Files) -> str:
    """Set on `page` what `Page.render` would have set, log what it would have logged, and return
    its HTML: the worker's rendering of `markdown`, taken in place of MkDocs' own."""
    for name, level, message in rendered.records:
        logging.getLogger(name).log(level, message)
    page.markdown = markdown
    page.toc = rendered.toc
    page._title_from_render = rendered.title
    if rendered.error is not None:
        setattr(page, RENDER_ERROR, rendered.error)
    page.present_anchor_ids = rendered.present_anchor_ids
    if rendered.links_to_anchors is not None:
        page.links_to_anchors = {
            target: anchors
            for uri, anchors in rendered.links_to_anchors.items()
            if (target := files.get_file_from_path(uri)) is not None
        }
    return rendered.content


log = logging.getLogger("mkdocs.plugins.postmortems")
# Set to 0 to render every page in MkDocs' process (scripts/bench_offload.py measures both ways).
OFF_SWITCH = "POSTMORTEMS_OFFLOAD"


class Offload:
    """The main process's side: which postmortem pages the worker renders, and taking them.

    The pages are shared with the worker in chunks (workers.Shared): it starts from the last page,
    MkDocs from the first. What the plugin calls: `start_offload` once the file list is final,
    `claim` in `on_page_markdown` (last of all plugins), `deliver` in `on_page_content` (first),
    `cancel` when the build ends.
    """

    def __init__(
        self,
        worker: Worker,
        setup: Setup,
        pages: Sequence[tuple[str, str]],
        chunk_size: int = 16,
        steal: bool = True,
    ) -> None:
        self.setup = setup
        self.taken = 0
        self._chunk_of: dict[str, int] = {}
        self._results: dict[int, dict[str, Rendered]] = {}
        self._shared: Shared[tuple[str, str], dict[str, Rendered]] | None = None
        self._claimed: dict[str, tuple[Rendered, str]] = {}
        if worker.future(install, setup) is None:
            return
        self._shared = Shared(worker, functools.partial(render_pages, setup.token), pages, chunk_size, steal)
        for index, chunk in enumerate(self._shared.chunks):
            for uri, _source in chunk:
                self._chunk_of[uri] = index

    @staticmethod
    def still_valid(rendered: Rendered, page: Page, files: Files) -> bool:
        """Whether the page's links find in the final file list what they found in the worker's:
        the same files at the same URLs (asked the way MkDocs asks, of the site's own `Files`,
        whatever a plugin made of it); and the page is where the worker had it."""
        if file_row(page.file) != rendered.own:
            return False
        for path, row in rendered.lookups.items():
            found = files.get_file_from_path(path)
            if (None if found is None else file_row(found)) != row:
                return False
        return True

    def take(self, uri: str) -> Rendered | None:
        """The worker's rendering of page `uri`, or None: then MkDocs renders it."""
        index = self._chunk_of.pop(uri, None)
        if index is None or self._shared is None:
            return None
        if index not in self._results:
            self._results[index] = self._shared.result(index) or {}
        return self._results[index].pop(uri, None)

    def claim(self, markdown: str, page: Page, files: Files) -> str:
        """`markdown` unchanged when MkDocs must convert it; "" when the worker's HTML will be
        delivered instead. `page.markdown` is what MkDocs read (the text the worker converted);
        `markdown` what the plugins made of it: only an unchanged page is taken."""
        if not self._chunk_of or not same_markdown(markdown, page.markdown or ""):
            return markdown
        rendered = self.take(page.file.src_uri)
        if rendered is None or not self.still_valid(rendered, page, files):
            return markdown
        self._claimed[page.file.src_uri] = (rendered, markdown)
        self.taken += 1
        return ""

    def deliver(self, html: str, page: Page, files: Files) -> str:
        """The page's HTML: the worker's for a claimed page (and what `Page.render` would have
        set on the page), else `html` as MkDocs converted it."""
        claimed = self._claimed.pop(page.file.src_uri, None)
        return html if claimed is None else put(page, *claimed, files)

    def cancel(self) -> None:
        if self._shared is not None:
            self._shared.cancel()
        self._chunk_of.clear()
        self._results.clear()
        self._claimed.clear()


def start_offload(
    worker: Worker, config: Any, files: Files, sources: Mapping[str, str], steal: bool = True
) -> Offload | None:
    """Hand the worker the Markdown of the pages in `sources` (src_uri → what MkDocs will read)
    that MkDocs will build; None when nothing can be offloaded."""
    if not worker.running or os.environ.get(OFF_SWITCH) == "0":
        return None
    setup = make_setup(config, files, token=id(files) ^ time.monotonic_ns())
    if setup is None:
        log.debug("postmortems: Markdown extensions cannot be named in another process; no offload")
        return None
    pages = [
        (f.src_uri, sources[f.src_uri])
        for f in files.documentation_pages()
        if f.src_uri in sources and not f.inclusion.is_excluded()
    ]
    return Offload(worker, setup, pages, steal=steal)
