"""The MkDocs plugin: a thin layer that feeds MkDocs' files to the pure modules and hands
their results back as virtual pages, assets and JSON.

Build flow: `on_config` resets state and loads the catalog and scoring model; `on_files` reads
every postmortem once (shared with the worker process), validates the archive, computes the
knowledge, adds the generated files and hands the postmortems' Markdown to the worker
(render.py); `on_page_read_source` gives MkDocs the body we already read (so the file is not
read, nor its YAML parsed, twice); `on_page_markdown` sets the page's title and template and,
last of all plugins, swaps in the worker's rendering where nothing changed the Markdown;
`on_page_content` adds the meta line and the action items as text (indexed by search) and marks
where `on_page_context`, after the search plugins ran, puts the header card and the action
items table; `on_page_context` also passes the data to the templates."""

from __future__ import annotations

import datetime as dt
import functools
import gc
import html
import json
import logging
import os
import time
from typing import Any

import jinja2
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure import StructureItem
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import (
    Navigation,
    Section,
    _add_parent_links,
    _add_previous_and_next_links,
    _get_by_type,
)
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url
from mkdocs.utils.templates import TemplateContext

from ..insight.knowledge import Knowledge, build_knowledge
from ..insight.report import month_report
from ..insight.scoring import Model, ScoringError, load_model
from ..records.archive import (
    DEFAULT_CATALOG,
    DEFAULT_MAX_FILE_KB,
    DEFAULT_PATH,
    Archive,
    assemble,
    collector_paused,
    read_for_site,
)
from ..records.catalog import load_catalog
from ..records.model import Problem
from ..records.sanitize import clean
from ..records.validate import DEFAULT_ALIASES, DEFAULT_SEVERITIES, Rules
from . import export, feeds, search
from .charts import service_charts, team_charts, trend_charts
from .pages import ASSETS, Layout, PageData, PageSpec, RowCache, page_specs
from .render import Offload, Rendered, make_setup, put
from .workers import Job, Shared, Worker

log = logging.getLogger("mkdocs.plugins.postmortems")
# What the worker's jobs need, imported as it starts (while MkDocs is still starting up).
PRELOAD = ("lunr", "postmortems.records.archive", "postmortems.site.render", "postmortems.site.search")
PACKAGE_DIR = os.path.dirname(__file__)
# Where the facts card goes in a postmortem's content; it is put there once search has indexed it.
CARD_MARK = "<!-- postmortems:card -->"
# Around the plain-text action items search indexes; the table replaces them after indexing.
ITEMS_START, ITEMS_END = "<!-- postmortems:items -->", "<!-- /postmortems:items -->"
# The meta line, action items as text, card and action items table of a postmortem page, in one
# render (partials/parts.html), split at PART_MARK.
PARTS = "postmortems/partials/parts.html"
PART_MARK = "<!-- postmortems:part -->"


class PostmortemsConfig(base.Config):
    path = c.Type(str, default=DEFAULT_PATH)
    """Folder under docs_dir that holds the postmortems."""
    catalog = c.Type(str, default=DEFAULT_CATALOG)
    """Service catalog, relative to docs_dir; it is read, not published."""
    backstage = c.ListOfItems(c.Type(str), default=[])
    """Backstage catalog-info.yaml files, relative to the config file."""
    as_of = c.Optional(c.Type((str, dt.date)))
    """The date every figure is computed for (YYYY-MM-DD); default: the build date (UTC)."""
    repeat_window_days = c.Type(int, default=90)
    severities = c.ListOfItems(c.Type(str), default=list(DEFAULT_SEVERITIES))
    severity_aliases = c.Type(dict, default=dict(DEFAULT_ALIASES))
    show_drafts = c.Type(bool, default=False)
    """Publish drafts in `mkdocs build` too (they are always shown by `mkdocs serve`)."""
    legacy = c.Choice(("warn", "info"), default="warn")
    """How legacy bold-header files are reported: a warning (fails --strict) or info."""
    api_dir = c.Type(str, default="api")
    pages = c.Type(dict, default={})
    """Folder of each generated page kind, e.g. {services: catalog}."""
    scoring = c.Optional(c.Type(str))
    """Scoring model YAML laid over the default one, relative to the config file."""
    max_file_kb = c.Type(int, default=DEFAULT_MAX_FILE_KB)
    feeds = c.Type(bool, default=True)
    table_limit = c.Type(int, default=100)
    """Incidents listed on a service, team or pattern page (the newest; the rest via the explorer)."""
    sanitize = c.Type(bool, default=True)
    """Clean the HTML of postmortem bodies (raw <script>, event handlers, javascript: links)."""
    parallel = c.Type(bool, default=True)
    """Use a second process (when there is a second core) for parsing, the explorer's index and
    the Markdown of postmortem pages; the site is the same either way."""


def _log(problem: Problem) -> None:
    {"error": log.error, "warning": log.warning, "info": log.info}[problem.level](str(problem))


class PostmortemsPlugin(BasePlugin[PostmortemsConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        self.worker = Worker(PRELOAD)  # kept across `mkdocs serve` rebuilds; stopped on shutdown
        self.steal = True  # False: never cancel the worker's chunks (tests: every page from the worker)
        self._reset()

    def _reset(self) -> None:
        self.archive = Archive()
        self.kb: Knowledge | None = None
        self.layout = Layout({}, True)
        self.specs: dict[str, PageSpec] = {}
        self.model: Model | None = None
        self.rules = Rules()
        self.env: jinja2.Environment | None = None
        self.bodies: dict[str, str] = {}
        self.index_job: Job[str] | None = None
        self.api_dir = "api"
        self.errors_by_path: dict[str, list[Problem]] = {}
        self.rows: RowCache | None = None
        self.page_data: dict[str, PageData] = {}
        self.offload: Offload | None = None
        self.rendered: dict[str, tuple[Rendered, str]] = {}
        self.parts: jinja2.Template | None = None  # partials/parts.html, looked up once a build
        self.late: dict[str, tuple[str, str]] = {}  # card and action items table, put in after search

    # ------------------------------------------------------------------ config

    @event_priority(0)  # no ordering needs: it only reads our own options
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        gc.unfreeze()  # in case the previous build failed before on_post_build
        if self.offload is not None:
            self.offload.cancel()
        self._reset()
        if self.config.parallel:
            self.worker.start()
        else:
            self.worker.stop()
        as_of: Any = self.config.as_of
        if isinstance(as_of, str):
            try:
                as_of = dt.date.fromisoformat(as_of)
            except ValueError:
                raise PluginError(f"postmortems: as_of '{as_of}' is not a date (YYYY-MM-DD)") from None
        self.as_of: dt.date = as_of or dt.datetime.now(dt.timezone.utc).date()
        aliases = {str(k): str(v) for k, v in self.config.severity_aliases.items()}
        self.rules = Rules(
            tuple(self.config.severities),
            aliases,
            self.as_of,
            "warning" if self.config.legacy == "warn" else "info",
        )
        config_dir = os.path.dirname(config.config_file_path or ".")
        try:
            scoring = os.path.join(config_dir, self.config.scoring) if self.config.scoring else None
            self.model = load_model(scoring)
        except ScoringError as exc:
            raise PluginError(f"postmortems: {exc}") from None
        self.layout = Layout(
            {str(k): str(v) for k, v in self.config.pages.items()}, config.use_directory_urls
        )
        # Package templates go after the site's custom_dir, so theme_overrides/ wins.
        templates = os.path.join(PACKAGE_DIR, "templates")
        if templates not in config.theme.dirs:
            position = 1 if config.theme.custom_dir else 0
            config.theme.dirs.insert(position, templates)
        css = f"{ASSETS}/postmortems.css"
        if css not in config.extra_css:
            config.extra_css.append(css)
        script = f"{ASSETS}/postmortems.js"
        if script not in [str(s) for s in config.extra_javascript]:
            config.extra_javascript.append(script)
        return config

    # ------------------------------------------------------------------ files

    @event_priority(-50)  # after other plugins added or removed files, so we see the final set
    def on_files(self, files: Files, config: MkDocsConfig) -> Files:
        prefix = self.config.path.strip("/") + "/"
        catalog_file = files.get_file_from_path(self.config.catalog)
        if catalog_file is not None:
            catalog_file.inclusion = InclusionLevel.EXCLUDED
        catalog, problems = load_catalog(config.docs_dir, self.config.catalog, [])
        if self.config.backstage:
            extra, more = load_catalog(
                os.path.dirname(config.config_file_path or "."), None, self.config.backstage
            )
            problems += more
            if extra:
                catalog = {**extra, **(catalog or {})}
        for problem in problems:
            _log(problem)

        sources = [f for f in files if f.src_uri.startswith(prefix) and f.src_uri.endswith(".md")]
        blobs: list[tuple[str, bytes]] = []
        for file in sources:
            try:
                blobs.append((file.src_uri, file.content_bytes))
            except OSError as exc:
                _log(Problem("error", file.src_uri, None, f"cannot read the file: {exc.strerror}"))
                file.inclusion = InclusionLevel.EXCLUDED
        # Shared with the worker: it reads from the last file back, this process from the first.
        read = functools.partial(read_for_site, rules=self.rules, max_bytes=self.config.max_file_kb * 1024)
        shared = Shared(self.worker, read, blobs, 64)
        with collector_paused():
            self.archive = assemble(shared.results(read), catalog)
        for problem in self.archive.problems:
            _log(problem)
            if problem.level == "error":
                self.errors_by_path.setdefault(problem.path, []).append(problem)

        by_uri = {f.src_uri: f for f in sources}
        for path, entry in self.archive.entries.items():
            file = by_uri[path]
            if entry.body is None:
                file.inclusion = InclusionLevel.EXCLUDED
                continue
            self.bodies[path] = entry.body
            if entry.record is not None:
                entry.record.url = file.url
                if entry.record.is_draft and not self.config.show_drafts:
                    file.inclusion = InclusionLevel.DRAFT
                    continue
            if file.inclusion in (InclusionLevel.UNDEFINED, InclusionLevel.INCLUDED):
                file.inclusion = InclusionLevel.NOT_IN_NAV

        assert self.model is not None
        self.kb = build_knowledge(
            self.archive.records,
            catalog,
            as_of=self.as_of,
            severities=self.rules.severities,
            repeat_window_days=self.config.repeat_window_days,
            model=self.model,
            url_for=lambda kind, key: self.layout.url(kind, key),
        )
        for spec in page_specs(self.kb, self.layout):
            if files.get_file_from_path(spec.src_uri) is not None:
                log.info(f"postmortems: {spec.src_uri} exists in the docs; the generated page is not added")
                continue
            meta = {"title": html.escape(spec.title), "template": spec.template}
            content = f"---\n{json.dumps(meta)}\n---\n\n{_md_text(spec.description)}\n"
            inclusion = InclusionLevel.INCLUDED if spec.in_nav else InclusionLevel.NOT_IN_NAV
            files.append(File.generated(config, spec.src_uri, content=content, inclusion=inclusion))
            self.specs[spec.src_uri] = spec

        kb = self.kb
        makers = {f"{self.api_dir}/{name}": make for name, make in export.api_makers(kb).items()}
        makers[f"{self.api_dir}/explorer.json"] = lambda: search.explorer_data(kb)
        if self.config.feeds:
            makers.update(feeds.feed_makers(kb, self.layout, config.site_url or "", config.site_name))
        outputs = {uri: File.generated(config, uri, content="") for uri in makers}
        for file in outputs.values():
            files.append(file)
        for name in sorted(os.listdir(os.path.join(PACKAGE_DIR, "assets"))):
            files.append(
                File.generated(
                    config, f"{ASSETS}/{name}", abs_src_path=os.path.join(PACKAGE_DIR, "assets", name)
                )
            )
        for uri, path in search.vendor_assets(ASSETS).items():
            files.append(File.generated(config, uri, abs_src_path=path))
        # The file list is complete (the JSON and feeds are named, not yet written): the worker
        # can start on the Markdown while this process writes them.
        self._start_offload(files, config)
        for uri, make in makers.items():
            outputs[uri].content_string = make()
        # After the Markdown chunks: the worker takes jobs in order, and the index is needed last.
        self.index_job = self.worker.submit(search.build_index, search.index_documents(kb))
        # The archive and everything computed from it live until the build ends: keep them out of
        # the collector's full passes, which otherwise walk them again and again (at 10,000
        # postmortems the collector's time went from 5.3 s to 4.5 s). Unfrozen when the build ends.
        gc.freeze()
        return files

    def _start_offload(self, files: Files, config: MkDocsConfig) -> None:
        """Hand the Markdown of the postmortem pages MkDocs will build to the worker (render.py)."""
        if not self.config.parallel or not self.worker.running:
            return
        setup = make_setup(config, files, token=id(self) ^ time.monotonic_ns())
        if setup is None:
            log.debug("postmortems: Markdown extensions cannot be named in another process; no offload")
            return
        pages = [
            (f.src_uri, _page_source(self.bodies[f.src_uri]))
            for f in files.documentation_pages()
            if f.src_uri in self.bodies and not f.inclusion.is_excluded()
        ]
        self.offload = Offload(self.worker, setup, pages, steal=self.steal)

    # ------------------------------------------------------------------ navigation

    @event_priority(-50)  # after other plugins shaped the nav, so our pages land in its final form
    def on_nav(self, nav: Navigation, config: MkDocsConfig, files: Files) -> Navigation:
        """Put the index pages in the navigation unless the site's own `nav` already places them.

        MkDocs' automatic nav would show each index page in a section named after its folder;
        those sections are replaced by the pages themselves, in a fixed order, after the site's
        own pages. A site `nav` that lists none of them gets a "Knowledge base" section.
        """
        ours = [
            f.page
            for spec in self.specs.values()
            if spec.in_nav
            and (f := files.get_file_from_path(spec.src_uri)) is not None
            and f.page is not None
        ]
        if not ours or (config.nav is not None and any(page in nav.pages for page in ours)):
            return nav
        mine = {id(page) for page in ours}

        def only_ours(item: StructureItem) -> bool:
            if isinstance(item, Section):
                return all(only_ours(child) for child in item.children)
            return id(item) in mine

        items = [item for item in nav.items if not only_ours(item)]
        if config.nav is None:
            items.extend(ours)
        else:
            items.append(Section("Knowledge base", list(ours)))
        for item in items:
            item.parent = None
        nav.items = items
        nav.pages = _get_by_type(items, Page)
        _add_previous_and_next_links(nav.pages)
        _add_parent_links(items)
        return nav

    # ------------------------------------------------------------------ pages

    @event_priority(0)  # only answers for our own postmortem files
    def on_page_read_source(self, page: Page, config: MkDocsConfig) -> str | None:
        body = self.bodies.get(page.file.src_uri)
        if body is None:
            return None
        return _page_source(body)

    @event_priority(100)  # first, so other plugins see the title and template of a postmortem
    def _on_page_markdown_meta(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        entry = self.archive.entries.get(page.file.src_uri)
        if entry is None:
            return markdown
        record = entry.record
        title = record.title if record is not None else entry.title or page.file.name
        # MkDocs and Material print page.title unescaped (titles from Markdown are HTML): escape it here.
        page.meta = {
            **entry.page_meta,
            "title": html.escape(title),
            "template": "postmortems/postmortem.html",
        }
        return markdown

    @event_priority(-100)  # last: only Markdown no plugin changed is taken from the worker
    def _on_page_markdown_take(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        offload = self.offload
        # page.markdown is what MkDocs read (from on_page_read_source), the text the worker
        # converted; `markdown` is what the plugins made of it. Equal (usually the same object): take.
        if offload is None or markdown != page.markdown or not offload.still_valid(files):
            return markdown
        rendered = offload.take(page.file.src_uri)
        if rendered is None:
            return markdown
        self.rendered[page.file.src_uri] = (rendered, markdown)
        return ""  # MkDocs converts nothing; `_on_page_content_put` puts the worker's HTML in

    on_page_markdown = CombinedEvent(_on_page_markdown_meta, _on_page_markdown_take)

    @event_priority(0)  # only adds a setting for our own templates
    def on_env(self, env: jinja2.Environment, config: MkDocsConfig, files: Files) -> jinja2.Environment:
        _escape_our_templates(env)
        self.rows = RowCache(env)
        return env

    @event_priority(1000)  # before anything else sees the content: it is the page's own HTML
    def _on_page_content_put(self, html_text: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        """What `Page.render` would have set and logged, from the worker's rendering."""
        taken = self.rendered.pop(page.file.src_uri, None)
        return html_text if taken is None else put(page, *taken, files)

    @event_priority(50)  # before other plugins read the content, so they see the meta line
    def _on_page_content_meta(self, html_text: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        entry = self.archive.entries.get(page.file.src_uri)
        if entry is None or self.kb is None:
            return html_text
        if self.env is None:  # MkDocs' own environment only exists from on_env, after this event
            self.env = _escape_our_templates(config.theme.get_env())
        parts = self._render_parts(page, config, self._page_data(page)).split(PART_MARK)
        if len(parts) != 4:
            raise PluginError(
                f"postmortems: {PARTS} made {len(parts)} parts, not 4: an override of it must keep "
                f"the three '{PART_MARK}' marks between the meta line, the action items as text, "
                "the card and the action items table"
            )
        meta, items, card, table = parts
        # Rendered here, while the worker converts Markdown beside this process; put in by
        # on_page_context, after the search plugins indexed the page.
        self.late[page.file.src_uri] = (card, table)
        if items.strip():
            items = ITEMS_START + items + ITEMS_END
        body = clean(html_text) if self.config.sanitize and entry.risky else html_text
        return meta + CARD_MARK + body + items

    on_page_content = CombinedEvent(_on_page_content_put, _on_page_content_meta)

    def _render_parts(self, page: Page, config: MkDocsConfig, data: PageData) -> str:
        """partials/parts.html for a postmortem page, rendered outside MkDocs' page context."""
        if self.parts is None:  # looked up once: each lookup checks the file's date
            assert self.env is not None
            self.parts = self.env.get_template(PARTS)
        base_url = get_relative_url(".", page.url)
        return self.parts.render(page=page, base_url=base_url, config=config, pm=data, brief=False)

    @event_priority(-100)  # after the search plugins indexed the content: the card is shown, not indexed
    def on_page_context(
        self, context: TemplateContext, /, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext:
        if self.kb is None:
            return context
        context["pm"] = self._page_data(page)  # type: ignore[typeddict-unknown-key]
        late = self.late.pop(page.file.src_uri, None)
        content = page.content
        if late is not None and content and CARD_MARK in content:
            card, table = late
            content = content.replace(CARD_MARK, card, 1)
            start, end = content.rfind(ITEMS_START), content.rfind(ITEMS_END)
            if 0 <= start < end:
                content = content[:start] + table + content[end + len(ITEMS_END) :]
            page.content = content
        return context

    def _page_data(self, page: Page) -> PageData:
        """The template data of a page, built once (postmortem pages need it in two events)."""
        data = self.page_data.get(page.file.src_uri)
        if data is not None:
            data.rows = self.rows  # on_env may have come between the two
            return data
        data = self.page_data[page.file.src_uri] = self._new_page_data(page)
        return data

    def _new_page_data(self, page: Page) -> PageData:
        assert self.kb is not None
        base = get_relative_url(".", page.url)
        data = PageData(
            self.kb,
            self.layout,
            api_dir=self.api_dir,
            base=base + "/",
            rows=self.rows,
            table_limit=self.config.table_limit,
        )
        spec = data.spec = self.specs.get(page.file.src_uri)
        if spec is not None:
            if spec.kind == "trends":
                data.charts = trend_charts(self.kb)
            elif spec.kind == "service":
                data.charts = service_charts(self.kb, self.kb.services[spec.key])
            elif spec.kind == "team":
                data.charts = team_charts(self.kb, self.kb.teams[spec.key])
            elif spec.kind == "report":
                data.report = month_report(self.kb, spec.key)
        entry = self.archive.entries.get(page.file.src_uri)
        if entry is not None:
            data.record = entry.record
            data.problems = self.errors_by_path.get(entry.path, [])
        return data

    @event_priority(0)
    def on_build_error(self, *, error: Exception) -> None:
        gc.unfreeze()

    @event_priority(0)
    def on_shutdown(self) -> None:
        self.worker.stop()

    @event_priority(0)
    def on_post_build(self, config: MkDocsConfig) -> None:
        gc.unfreeze()
        if self.offload is not None:
            log.debug(f"postmortems: the worker rendered the Markdown of {self.offload.taken} pages")
            self.offload.cancel()
        if self.kb is None:
            return
        if self.index_job is not None:
            # Written here, not as a File: it was being built in a second process during the build.
            path = os.path.join(config.site_dir, self.api_dir, "explorer-index.json")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(self.index_job.result())
            self.index_job = None
        errors = sum(1 for p in self.archive.problems if p.level == "error")
        warnings = sum(1 for p in self.archive.problems if p.level == "warning")
        log.info(
            f"postmortems: {len(self.kb.records)} published, {len(self.kb.drafts)} drafts, "
            f"{errors} errors, {warnings} warnings (as of {self.as_of})"
        )


def _page_source(body: str) -> str:
    """What MkDocs reads for a postmortem page, and the worker renders: the body after a blank
    line, which stops MkDocs' meta parser (the front matter is already parsed)."""
    return "\n" + body


def _escape_our_templates(env: jinja2.Environment) -> jinja2.Environment:
    """Autoescape every template under postmortems/ (ours and their overrides), and only those:
    Material's own templates expect raw strings."""
    previous = env.autoescape

    def choose(name: str | None) -> bool:
        if name and name.startswith("postmortems/"):
            return True
        return bool(previous(name) if callable(previous) else previous)

    env.autoescape = choose
    return env


_MD_SAFE = str.maketrans(
    {**{ch: f"&#{ord(ch)};" for ch in "\\`*_[](){}#!|'\""}, "&": "&amp;", "<": "&lt;", ">": "&gt;"}
)


def _md_text(text: str) -> str:
    """Plain text made safe to place in Markdown: no HTML, no link or emphasis syntax."""
    return text.translate(_MD_SAFE)
