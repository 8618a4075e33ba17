"""One build of the knowledge base: what the plugin's events hand their work to.

`SiteBuild` lives from `on_config` to `on_post_build` and holds the build's state: the archive
read from MkDocs' files, the knowledge computed from it, the generated pages, the data each
template gets, the parts around postmortem bodies and the worker's share of the work. Each
method is one step of MkDocs' build, named after the event that calls it.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import html
import importlib.util
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jinja2
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url
from mkdocs.utils.meta import get_data

from ..insight.knowledge import Knowledge, build_knowledge
from ..insight.report import month_report
from ..insight.scoring import Model
from ..records.archive import Archive, assemble, collector_paused, read_for_site
from ..records.catalog import load_catalog
from ..records.model import Problem, Service
from ..records.sanitize import clean
from ..records.validate import Rules
from . import export, feeds, search, searchbox
from .charts import service_charts, team_charts, trend_charts
from .nav import place_index_pages
from .pagefind import PagefindError
from .pages import ASSETS, Layout, PageData, PageSpec, RowCache, page_specs
from .parts import PostmortemParts, escape_our_templates
from .render import Offload, start_offload
from .workers import Shared, Worker

log = logging.getLogger("mkdocs.plugins.postmortems")
PACKAGE_DIR = os.path.dirname(__file__)
PLOTLY = f"{ASSETS}/vendor/plotly.min.js"  # served from the site, taken from the installed package


def plotly_source() -> str:
    spec = importlib.util.find_spec("plotly")  # found, not imported: its import costs 60 ms
    assert spec is not None and spec.origin is not None, "plotly is a dependency of the plugin"
    return os.path.join(os.path.dirname(spec.origin), "package_data", "plotly.min.js")


# Page meta that keeps a page out of Material's search index: postmortems and the generated pages
# are found by the plugin's search (at 10,000 postmortems, Material's index would be 40 MB).
NOT_IN_MATERIAL_SEARCH = {"exclude": True}


@dataclass(frozen=True)
class Options:
    """The plugin's options one build uses, resolved (dates parsed, paths made absolute)."""

    path: str
    catalog: str
    backstage: tuple[str, ...]
    as_of: dt.date
    repeat_window_days: int
    show_drafts: bool
    api_dir: str
    pages: dict[str, str]
    max_file_kb: int
    feeds: bool
    table_limit: int
    sanitize: bool
    header_search: bool


def report(problem: Problem) -> None:
    {"error": log.error, "warning": log.warning, "info": log.info}[problem.level](str(problem))


class SiteBuild:
    def __init__(self, options: Options, rules: Rules, model: Model, worker: Worker, steal: bool) -> None:
        self.options, self.rules, self.model, self.worker, self.steal = options, rules, model, worker, steal
        self.archive = Archive()
        self.kb: Knowledge | None = None
        self.layout = Layout(options.pages, True)
        self.specs: dict[str, PageSpec] = {}
        self.bodies: dict[str, str] = {}
        self.errors_by_path: dict[str, list[Problem]] = {}
        self.env: jinja2.Environment | None = None
        self.rows: RowCache | None = None
        self.page_data: dict[str, PageData] = {}
        self.parts = PostmortemParts()
        self.offload: Offload | None = None
        self.index: search.SiteIndex | None = None

    # ------------------------------------------------------------------ on_config

    def configure(self, config: MkDocsConfig) -> None:
        """Our templates behind the site's custom_dir (theme_overrides/ wins), our CSS and JS."""
        self.layout = Layout(self.options.pages, config.use_directory_urls)
        templates = os.path.join(PACKAGE_DIR, "templates")
        if templates not in config.theme.dirs:
            config.theme.dirs.insert(1 if config.theme.custom_dir else 0, templates)
        css, script = f"{ASSETS}/postmortems.css", f"{ASSETS}/postmortems.js"
        if css not in config.extra_css:
            config.extra_css.append(css)
        if script not in [str(s) for s in config.extra_javascript]:
            config.extra_javascript.append(script)
        if self.options.header_search:
            searchbox.install(config)

    # ------------------------------------------------------------------ on_files

    def files(self, files: Files, config: MkDocsConfig) -> Files:
        catalog = self._catalog(files, config)
        sources = self._read(files, catalog)
        self._include(sources)
        self.kb = build_knowledge(
            self.archive.records,
            catalog,
            as_of=self.options.as_of,
            severities=self.rules.severities,
            repeat_window_days=self.options.repeat_window_days,
            model=self.model,
            url_for=self.layout.url,
        )
        self._add_pages(files, config, self.kb)
        outputs = self._add_outputs(files, config, self.kb)
        # The file list is complete (the JSON and feeds are named, not yet written): the worker
        # can start on the Markdown while this process writes them.
        sources_read = {uri: page_source(body) for uri, body in self.bodies.items()}
        self.offload = start_offload(self.worker, config, files, sources_read, steal=self.steal)
        self._start_index(files, config, self.kb)
        for file, make in outputs:
            file.content_string = make()
        # The archive and everything computed from it live until the build ends: keep them out of
        # the collector's full passes, which otherwise walk them again and again (at 10,000
        # postmortems the collector's time went from 5.3 s to 4.5 s). Unfrozen when the build ends.
        gc.freeze()
        return files

    def _catalog(self, files: Files, config: MkDocsConfig) -> dict[str, Service] | None:
        """The service catalog (not published) and the Backstage files laid under it."""
        catalog_file = files.get_file_from_path(self.options.catalog)
        if catalog_file is not None:
            catalog_file.inclusion = InclusionLevel.EXCLUDED
        catalog, problems = load_catalog(config.docs_dir, self.options.catalog, [])
        if self.options.backstage:
            config_dir = os.path.dirname(config.config_file_path or ".")
            extra, more = load_catalog(config_dir, None, list(self.options.backstage))
            problems += more
            if extra:
                catalog = {**extra, **(catalog or {})}
        for problem in problems:
            report(problem)
        return catalog

    def _read(self, files: Files, catalog: dict[str, Service] | None) -> dict[str, File]:
        """Read every postmortem once, shared with the worker: it reads from the last file back,
        this process from the first. Returns the postmortem files by src_uri."""
        prefix = self.options.path.strip("/") + "/"
        sources = [f for f in files if f.src_uri.startswith(prefix) and f.src_uri.endswith(".md")]
        blobs: list[tuple[str, bytes]] = []
        for file in sources:
            try:
                blobs.append((file.src_uri, file.content_bytes))
            except OSError as exc:
                report(Problem("error", file.src_uri, None, f"cannot read the file: {exc.strerror}"))
                file.inclusion = InclusionLevel.EXCLUDED
        read = functools.partial(read_for_site, rules=self.rules, max_bytes=self.options.max_file_kb * 1024)
        shared = Shared(self.worker, read, blobs, 64)
        with collector_paused():
            self.archive = assemble(shared.results(read), catalog)
        for problem in self.archive.problems:
            report(problem)
            if problem.level == "error":
                self.errors_by_path.setdefault(problem.path, []).append(problem)
        return {f.src_uri: f for f in sources}

    def _include(self, by_uri: dict[str, File]) -> None:
        """Postmortems are published out of the nav (index pages list them), drafts as drafts,
        files that could not be read not at all."""
        for path, entry in self.archive.entries.items():
            file = by_uri[path]
            if entry.body is None:
                file.inclusion = InclusionLevel.EXCLUDED
                continue
            self.bodies[path] = entry.body
            if entry.record is not None:
                entry.record.url = file.url
                if entry.record.is_draft and not self.options.show_drafts:
                    file.inclusion = InclusionLevel.DRAFT
                    continue
            if file.inclusion in (InclusionLevel.UNDEFINED, InclusionLevel.INCLUDED):
                file.inclusion = InclusionLevel.NOT_IN_NAV

    def _add_pages(self, files: Files, config: MkDocsConfig, kb: Knowledge) -> None:
        for spec in page_specs(kb, self.layout):
            if files.get_file_from_path(spec.src_uri) is not None:
                log.info(f"postmortems: {spec.src_uri} exists in the docs; the generated page is not added")
                continue
            meta = {
                "title": html.escape(spec.title),
                "template": spec.template,
                "search": dict(NOT_IN_MATERIAL_SEARCH),  # a page's own: plugins may change it
            }
            content = f"---\n{json.dumps(meta)}\n---\n\n{markdown_text(spec.description)}\n"
            inclusion = InclusionLevel.INCLUDED if spec.in_nav else InclusionLevel.NOT_IN_NAV
            files.append(File.generated(config, spec.src_uri, content=content, inclusion=inclusion))
            self.specs[spec.src_uri] = spec

    def _add_outputs(
        self, files: Files, config: MkDocsConfig, kb: Knowledge
    ) -> list[tuple[File, Callable[[], str]]]:
        """The JSON API, the explorer's data and the feeds, named now and written by the caller;
        our assets and the vendored scripts."""
        api = self.options.api_dir
        makers = {f"{api}/{name}": make for name, make in export.api_makers(kb).items()}
        if self.options.feeds:
            makers.update(feeds.feed_makers(kb, self.layout, config.site_url or "", config.site_name))
        outputs = [(File.generated(config, uri, content=""), make) for uri, make in makers.items()]
        for file, _make in outputs:
            files.append(file)
        assets = os.path.join(PACKAGE_DIR, "assets")
        for name in sorted(os.listdir(assets)):
            files.append(File.generated(config, f"{ASSETS}/{name}", abs_src_path=os.path.join(assets, name)))
        files.append(File.generated(config, PLOTLY, abs_src_path=plotly_source()))
        return outputs

    def _start_index(self, files: Files, config: MkDocsConfig, kb: Knowledge) -> None:
        """Hand Pagefind every published postmortem and every page of the site's own; it indexes
        them in its own process while MkDocs builds the pages."""
        language = str(config.theme.get("language") or "en")
        try:
            self.index = search.SiteIndex(language)
            self.index.add(search.postmortem_records(kb, self.bodies))
            self.index.add(self._own_pages(files))
            self.index.write()
        except PagefindError as exc:
            log.error(f"postmortems: the search index cannot be built: {exc}")
            self.stop_index()

    def _own_pages(self, files: Files) -> list[dict[str, Any]]:
        """The site's pages that are neither postmortems nor generated, for the header's search."""
        pages = []
        for file in files.documentation_pages():
            uri = file.src_uri
            if uri in self.archive.entries or uri in self.specs:
                continue
            if file.inclusion in (InclusionLevel.EXCLUDED, InclusionLevel.DRAFT):
                continue
            try:
                markdown, meta = get_data(file.content_string)
            except (OSError, UnicodeDecodeError):
                continue  # MkDocs reports it when it builds the page
            title = search.page_title(markdown, meta, file.name)
            pages.append(search.page_record(file.url, title, markdown))
        return pages

    def stop_index(self) -> None:
        if self.index is not None:
            self.index.cancel()
            self.index = None

    # ------------------------------------------------------------------ on_nav

    def nav(self, nav: Navigation, config: MkDocsConfig, files: Files) -> Navigation:
        ours = [
            f.page
            for spec in self.specs.values()
            if spec.in_nav
            and (f := files.get_file_from_path(spec.src_uri)) is not None
            and f.page is not None
        ]
        return place_index_pages(nav, ours, config.nav is not None)

    # ------------------------------------------------------------------ pages

    def read_source(self, page: Page) -> str | None:
        body = self.bodies.get(page.file.src_uri)
        return None if body is None else page_source(body)

    def page_meta(self, page: Page) -> None:
        """A postmortem's title and template, before other plugins see the page; it is left out
        of Material's search index (the site's search is Pagefind's, search.py)."""
        entry = self.archive.entries.get(page.file.src_uri)
        if entry is None:
            return
        record = entry.record
        title = record.title if record is not None else entry.title or page.file.name
        # MkDocs and Material print page.title unescaped (titles from Markdown are HTML): escape it here.
        page.meta = {
            **entry.page_meta,
            "title": html.escape(title),
            "template": "postmortems/postmortem.html",
            "search": dict(NOT_IN_MATERIAL_SEARCH),  # a page's own: plugins may change it
        }

    def environment(self, env: jinja2.Environment, config: MkDocsConfig) -> jinja2.Environment:
        self.env = escape_our_templates(env)
        self.rows = RowCache(env)
        if self.options.header_search:
            searchbox.prepare(env, config, self.layout.url("explorer"))
        return env

    def content(self, body: str, page: Page, config: MkDocsConfig) -> str:
        """A postmortem page's content for the search plugins: its parts around the cleaned body."""
        entry = self.archive.entries.get(page.file.src_uri)
        if entry is None or self.kb is None:
            return body
        if self.env is None:  # MkDocs' own environment only exists from on_env, after this event
            self.env = escape_our_templates(config.theme.get_env())
        if self.options.sanitize and entry.risky:
            body = clean(body)
        return self.parts.around(body, page, self.env, config=config, pm=self.data(page), brief=False)

    def context(self, context: Any, page: Page) -> Any:
        """The template data (`pm`); a postmortem page's card and table put in after search."""
        if self.kb is None:
            return context
        context["pm"] = self.data(page)
        self.parts.finish(page)
        return context

    def data(self, page: Page) -> PageData:
        """The template data of a page, built once (postmortem pages need it in two events)."""
        data = self.page_data.get(page.file.src_uri)
        if data is None:
            data = self.page_data[page.file.src_uri] = self._new_data(page)
        data.rows = self.rows  # on_env may have come between the two
        return data

    def _new_data(self, page: Page) -> PageData:
        assert self.kb is not None
        kb = self.kb
        data = PageData(
            kb,
            self.layout,
            api_dir=self.options.api_dir,
            base=get_relative_url(".", page.url) + "/",
            rows=self.rows,
            table_limit=self.options.table_limit,
        )
        spec = data.spec = self.specs.get(page.file.src_uri)
        if spec is not None:
            if spec.kind == "trends":
                data.charts = trend_charts(kb)
            elif spec.kind == "service":
                data.charts = service_charts(kb, kb.services[spec.key])
            elif spec.kind == "team":
                data.charts = team_charts(kb, kb.teams[spec.key])
            elif spec.kind == "report":
                data.report = month_report(kb, spec.key)
        entry = self.archive.entries.get(page.file.src_uri)
        if entry is not None:
            data.record = entry.record
            data.problems = self.errors_by_path.get(entry.path, [])
        return data

    # ------------------------------------------------------------------ the end

    def stop(self) -> None:
        """The build failed: drop the worker's pending work and the search index."""
        self.stop_index()
        self._release()

    def _release(self) -> None:
        """The build ended: drop the worker's pending work, let the collector in."""
        gc.unfreeze()
        if self.offload is not None:
            log.debug(f"postmortems: the worker rendered the Markdown of {self.offload.taken} pages")
            self.offload.cancel()

    def post_build(self, config: MkDocsConfig) -> None:
        self._release()
        if self.kb is None:
            return
        if self.index is not None:
            index, self.index = self.index, None
            began = time.perf_counter()
            try:
                index.finish(config.site_dir)
                log.debug(
                    f"postmortems: search index of {index.records} pages in {search.OUTPUT}/ "
                    f"(waited {time.perf_counter() - began:.1f} s for Pagefind after the pages)"
                )
            except (PagefindError, OSError) as exc:
                index.cancel()
                log.error(f"postmortems: the search index could not be written: {exc}")
        problems = self.archive.problems
        errors = sum(1 for p in problems if p.level == "error")
        warnings = sum(1 for p in problems if p.level == "warning")
        log.info(
            f"postmortems: {len(self.kb.records)} published, {len(self.kb.drafts)} drafts, "
            f"{errors} errors, {warnings} warnings (as of {self.options.as_of})"
        )


def page_source(body: str) -> str:
    """What MkDocs reads for a postmortem page, and the worker renders: the body after a blank
    line, which stops MkDocs' meta parser (the front matter is already parsed)."""
    return "\n" + body


_MD_SAFE = str.maketrans(
    {**{ch: f"&#{ord(ch)};" for ch in "\\`*_[](){}#!|'\""}, "&": "&amp;", "<": "&lt;", ">": "&gt;"}
)


def markdown_text(text: str) -> str:
    """Plain text made safe to place in Markdown: no HTML, no link or emphasis syntax."""
    return text.translate(_MD_SAFE)
