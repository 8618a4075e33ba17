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
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url
from mkdocs.utils.meta import get_data

from ..insight.knowledge import Knowledge, build_knowledge
from ..insight.loop import Loop, build_loop
from ..insight.policy import Policy
from ..insight.report import month_report
from ..insight.scoring import Model
from ..records.archive import (
    Archive,
    archive_hint,
    assemble,
    collector_paused,
    describe,
    internal_error,
    read_for_site,
)
from ..records.catalog import check_maturity, load_catalog
from ..records.model import Problem, Service
from ..records.modernization import LoopFiles, read_loop_files
from ..records.parse import parse_sections
from ..records.sanitize import clean
from ..records.validate import Rules
from . import export, feeds, loop_export, placeholders, search, searchbox
from .charts import service_charts, target_charts, team_charts, trend_charts
from .compat import (
    Language,
    QuietTargets,
    default_language_only,
    i18n_language,
    nav_shaped_by_plugin,
    plugins_from,
    without_external_urls,
)
from .nav import NavChoice, place_index_pages
from .pagefind import PagefindError
from .pages import ASSETS, Layout, PageData, PageSpec, RowCache, page_specs
from .parts import PostmortemParts, escape_our_templates
from .render import RENDER_ERROR, Offload, guard, same_markdown, start_offload, unrendered
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
    report_months: int
    ticket_url: str
    sanitize: bool
    loop: LoopFiles  # the decisions, rubric and targets files
    policy: Policy
    header_search: bool
    backstage_types: tuple[str, ...] = ("service",)
    nav: NavChoice = NavChoice()  # noqa: RUF009 - frozen: one shared default is safe


def report(problem: Problem) -> None:
    {"error": log.error, "warning": log.warning, "info": log.info}[problem.level](str(problem))


class SiteBuild:
    def __init__(self, options: Options, rules: Rules, model: Model, worker: Worker, steal: bool) -> None:
        self.options, self.rules, self.model, self.worker, self.steal = options, rules, model, worker, steal
        self.archive = Archive()
        self.kb: Knowledge | None = None
        self.loop: Loop | None = None
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
        self.own_pages: list[dict[str, Any]] = []  # the site's own pages, for the header's search
        # mkdocs-static-i18n: the default language's build, which a further language's links to.
        self.primary: SiteBuild | None = None
        self.secondary = False
        self.published: dict[str, str] = {}  # src_uri -> url of every page this build publishes
        self.text_outputs: list[tuple[File, Callable[[], str]]] = []  # what shows postmortem text
        self.text_changed = False  # a plugin changed the text of a postmortem's sections
        self.changed_bodies: dict[str, str] = {}  # src_uri -> the Markdown as the plugins left it
        self.pass_tags = False
        self.quiet: QuietTargets | None = None

    # ------------------------------------------------------------------ on_config

    def configure(self, config: MkDocsConfig) -> None:
        """Our templates behind the site's custom_dir (theme_overrides/ wins), our CSS and JS."""
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
        # The URL style is final only now: Material's offline plugin switches use_directory_urls
        # off in its on_config, which may come after ours.
        self.layout = Layout(self.options.pages, config.use_directory_urls)
        # Material's tags plugin reads a page's tags from its meta: give it the postmortems' own.
        self.pass_tags = bool(plugins_from(config, "material.plugins.tags"))
        language = i18n_language(config)
        if language is not None and not language.is_default:
            return self._link_to_primary(files, config, language)
        self.primary = None  # this build is the default language's (or there is only one)
        catalog = self._catalog(files, config)
        sources = self._read(files, catalog)
        if not sources:
            log.warning(self._no_archive(config, language))
        self._include(sources)
        # Like reading, computing allocates much and frees little: the collector's passes over the
        # archive found nothing and cost half the time (at 10,000 postmortems, 2.7 s of 4.3 s).
        with collector_paused():
            self.kb = build_knowledge(
                self.archive.records,
                catalog,
                as_of=self.options.as_of,
                severities=self.rules.severities,
                repeat_window_days=self.options.repeat_window_days,
                model=self.model,
                policy=self.options.policy,
                url_for=self.layout.url,
                texts={e.record.id: e.body for e in self.archive.entries.values() if e.record and e.body},
            )
            self.loop = self._loop(self.kb, catalog)
        self._add_pages(files, config, self.kb)
        outputs = self._add_outputs(files, config, self.kb)
        # The file list is complete (the JSON and feeds are named, not yet written): the worker
        # can start on the Markdown while this process writes them.
        sources_read = {uri: page_source(body) for uri, body in self.bodies.items()}
        self.offload = start_offload(self.worker, config, files, sources_read, steal=self.steal)
        self._start_index(files, config, self.kb)
        for file, make in outputs:
            file.content_string = make()
        shown = (InclusionLevel.INCLUDED, InclusionLevel.NOT_IN_NAV)
        ours = (*self.specs, *self.archive.entries)
        if language is not None:  # the default language of mkdocs-static-i18n: the only one we build
            for uri in ours:
                if (found := files.get_file_from_path(uri)) is not None:
                    default_language_only(found, language)
        self.published = {
            uri: f.url for uri in ours if (f := files.get_file_from_path(uri)) and f.inclusion in shown
        }
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
            extra, more = load_catalog(config_dir, None, self.options.backstage, self.options.backstage_types)
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

    def _no_archive(self, config: MkDocsConfig, language: Language | None) -> str:
        """Why the knowledge base is empty, and where the postmortems probably are: with
        mkdocs-static-i18n's `docs_structure: folder`, in the default language's folder."""
        path = self.options.path.strip("/")
        config_dir = os.path.dirname(config.config_file_path or ".")
        docs = os.path.relpath(config.docs_dir, config_dir).replace(os.sep, "/")
        said = (
            f"postmortems: option 'path': no postmortem files in '{path}/' under docs_dir ('{docs}/'), "
            "so the knowledge base is empty; "
        )
        return said + archive_hint(config.docs_dir, path, language.default if language is not None else None)

    def _loop(self, kb: Knowledge, catalog: dict[str, Service] | None) -> Loop:
        """The loop's files read and checked (their problems logged like a postmortem's), and the
        loop computed from them."""
        records = self.archive.records
        inputs = read_loop_files(
            self.options.loop,
            window_days=self.model.window_days,
            as_of=self.options.as_of,
            services=[*(catalog or {}), *(s for r in records for s in r.services)],
            factors=[f for r in records for f in r.contributing_factors],
        )
        problems = inputs.problems + check_maturity(catalog, [c.id for c in inputs.rubric.criteria])
        for problem in sorted(problems, key=lambda p: (p.path, p.line or 0)):
            report(problem)
        files = self.options.loop
        return build_loop(
            kb,
            inputs.decisions,
            inputs.rubric,
            inputs.targets,
            decisions_file=files.decisions.shown,
            targets_file=files.targets.shown,
        )

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
        for spec in page_specs(kb, self.layout, self.options.report_months):
            if files.get_file_from_path(spec.src_uri) is not None:
                log.info(f"postmortems: {spec.src_uri} exists in the docs; the generated page is not added")
                continue
            meta: dict[str, object] = {
                "title": html.escape(spec.title),
                "template": spec.template,
                "search": dict(NOT_IN_MATERIAL_SEARCH),  # a page's own: plugins may change it
            }
            if spec.wide:
                meta["hide"] = ["toc"]
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
        assert self.loop is not None
        makers = {
            f"{api}/{name}": make
            for name, make in {
                **export.api_makers(kb),
                **loop_export.loop_makers(kb, self.loop, config.site_url or ""),
            }.items()
        }
        shown: dict[str, Callable[[], str]] = {}  # what shows postmortem text: written again if it changed
        if self.options.feeds:
            shown.update(feeds.feed_makers(kb, self.layout, config.site_url or "", config.site_name))
        makers.update(shown)
        outputs = [(File.generated(config, uri, content=""), make) for uri, make in makers.items()]
        for file, _make in outputs:
            files.append(file)
        self.text_outputs = [(file, make) for file, make in outputs if file.src_uri in shown]
        assets = os.path.join(PACKAGE_DIR, "assets")
        for name in sorted(os.listdir(assets)):
            files.append(File.generated(config, f"{ASSETS}/{name}", abs_src_path=os.path.join(assets, name)))
        files.append(vendored(config, PLOTLY, plotly_source()))
        return outputs

    def _link_to_primary(self, files: Files, config: MkDocsConfig, language: Language) -> Files:
        """A further language of mkdocs-static-i18n: the knowledge base is the default language's.

        Nothing is read or written again. The pages the default build published are in this
        build's file list as link targets only (excluded, at the default language's URLs), so
        links and nav entries to them resolve there; templates get the same knowledge.
        """
        primary = self.primary
        if primary is None or primary.kb is None:
            raise PluginError(
                f"postmortems: mkdocs-static-i18n builds '{language.current}' but did not build the "
                f"default language '{language.default}' before it; the knowledge base is built with "
                f"the default language: set 'build: true' for '{language.default}' in the i18n options"
            )
        self.secondary = True
        self.archive, self.kb, self.specs = primary.archive, primary.kb, primary.specs
        self.loop = primary.loop
        self.errors_by_path, self.bodies = primary.errors_by_path, {}
        self.layout = primary.layout
        self.quiet = QuietTargets([*primary.archive.entries, *primary.specs])
        self.quiet.install()
        for uri in (self.options.catalog, *primary.archive.entries, *primary.specs):
            file = files.get_file_from_path(uri)
            if file is None and uri in primary.specs:
                file = File.generated(config, uri, content="", inclusion=InclusionLevel.EXCLUDED)
                files.append(file)
            if file is not None:
                file.inclusion = InclusionLevel.EXCLUDED
                if uri in primary.published:
                    file.url = primary.published[uri]
        return files

    def _start_index(self, files: Files, config: MkDocsConfig, kb: Knowledge) -> None:
        """Hand Pagefind every published postmortem and every page of the site's own; it indexes
        them in its own process while MkDocs builds the pages."""
        self.own_pages = self._own_pages(files)
        self.index = self._new_index(config, kb, self.bodies)

    def _new_index(
        self, config: MkDocsConfig, kb: Knowledge, bodies: dict[str, str]
    ) -> search.SiteIndex | None:
        """A Pagefind index of the postmortems (with these bodies) and the site's own pages,
        being written by Pagefind's process; None (and an error) if Pagefind cannot run."""
        language = str(config.theme.get("language") or "en")
        try:
            pages = [*self.own_pages, *search.entity_records(kb)]
            return search.SiteIndex(language, search.postmortem_records(kb, bodies), pages)
        except PagefindError as exc:
            log.error(f"postmortems: the search index cannot be built: {exc}")
            return None

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
        ours = []
        for spec in self.specs.values():
            file = files.get_file_from_path(spec.src_uri) if spec.in_nav else None
            if file is not None and file.page is None and self.secondary:
                # A link target of another language's build: MkDocs' automatic nav leaves it out.
                Page(html.escape(spec.title), file, config)
            if file is not None and file.page is not None:
                ours.append(file.page)
        site_nav = config.nav is not None or nav_shaped_by_plugin(config)
        return place_index_pages(nav, ours, self.options.nav, site_nav)

    # ------------------------------------------------------------------ pages

    def read_source(self, page: Page) -> str | None:
        body = self.bodies.get(page.file.src_uri)
        if body is None:
            return None
        guard(page)  # its Markdown is the author's: a conversion that raises must not stop the build
        return page_source(body)

    def internal(self, path: str, doing: str, what: str, consequence: str) -> None:
        """An unexpected exception while building one page: that file's error, logged (so
        --strict fails), counted, and listed on its page; the build goes on."""
        problem = internal_error(path, doing, what, consequence)
        report(problem)
        self.archive.problems.append(problem)
        self.errors_by_path.setdefault(path, []).append(problem)
        data = self.page_data.get(path)
        if data is not None and data.problems is not self.errors_by_path[path]:
            data.problems = self.errors_by_path[path]

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
        if self.pass_tags and record is not None and record.tags:
            page.meta["tags"] = list(record.tags)

    def fill_placeholders(self, markdown: str, page: Page) -> str:
        """A page of the site's own with its `<!-- postmortems:factors -->` lists filled in."""
        if self.kb is None or "postmortems:" not in markdown or page.file.src_uri in self.archive.entries:
            return markdown
        filled, unknown = placeholders.fill(markdown, self.kb, self.layout, page.file.src_uri)
        for name in unknown:
            log.warning(
                f"postmortems: {page.file.src_uri}: unknown placeholder '<!-- postmortems:{name} -->': "
                "use factors, tags, triggers or fix-classes"
            )
        return filled

    def markdown(self, markdown: str, page: Page, files: Files) -> str:
        """A postmortem's Markdown as the other plugins left it (this runs last of all).

        Where a plugin changed its text (mkdocs-macros renders its Jinja), the sections the
        explorer and the feeds show are taken from that text; then the worker's rendering of
        the text as read cannot stand in for MkDocs' own (`Offload.claim` checks).
        """
        entry = self.archive.entries.get(page.file.src_uri)
        if entry is None or self.secondary:
            return markdown
        record = entry.record
        if record is not None and not same_markdown(markdown, page.markdown or ""):
            sections = {key: section.text for key, section in parse_sections(markdown, 1).items()}
            if sections != record.sections:
                record.sections = sections
                self.text_changed = True
                self.changed_bodies[page.file.src_uri] = markdown
        return markdown if self.offload is None else self.offload.claim(markdown, page, files)

    def environment(self, env: jinja2.Environment, config: MkDocsConfig) -> jinja2.Environment:
        self.env = escape_our_templates(env)
        self.rows = RowCache(env)
        # Where the explorer and the header's box load Pagefind from, and the index's later parts.
        postmortems = len(self.kb.records) if self.kb is not None else 0
        env.globals["pm_pagefind"] = {
            "script": f"{search.OUTPUT}/pagefind.js",
            "parts": search.part_urls(postmortems),
        }
        if self.options.header_search:
            searchbox.prepare(env, config, self.layout.url("explorer"))
        return env

    def content(self, body: str, page: Page, config: MkDocsConfig) -> str:
        """A postmortem page's content for the search plugins: its parts around the cleaned body.
        Whatever goes wrong with one page is that page's error; the build goes on."""
        entry = self.archive.entries.get(page.file.src_uri)
        if entry is None or self.kb is None:
            return body
        as_text = "its page shows the Markdown as text"
        failed = getattr(page, RENDER_ERROR, None)
        if failed is not None:
            self.internal(entry.path, "converting the Markdown of this postmortem", failed, as_text)
        if self.env is None:  # MkDocs' own environment only exists from on_env, after this event
            self.env = escape_our_templates(config.theme.get_env())
        try:
            if self.options.sanitize and entry.risky:
                body = clean(body)
            return self.parts.around(body, page, self.env, config=config, pm=self.data(page), brief=False)
        except PluginError:  # a site's override of parts.html without its marks: every page has it
            raise
        except Exception as exc:
            self.internal(entry.path, "rendering this postmortem", describe(exc), as_text)
            return unrendered(entry.body or "")

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
            report_months=self.options.report_months,
            ticket_url=self.options.ticket_url,
            loop=self.loop,
            drafts_published=self.options.show_drafts,
        )
        spec = data.spec = self.specs.get(page.file.src_uri)
        try:
            if spec is None:
                pass
            elif spec.kind == "trends":
                paged = data.reports()  # the spread by severity covers the months with a report
                data.charts = trend_charts(kb, str(paged[0]["month"]) if paged else None)
            elif spec.kind == "service":
                data.charts = service_charts(kb, kb.services[spec.key])
            elif spec.kind == "team":
                data.charts = team_charts(kb, kb.teams[spec.key])
            elif spec.kind == "report":
                data.report = month_report(kb, spec.key)
            elif spec.kind == "targets" and self.loop is not None:
                data.charts = target_charts(self.loop)
        except Exception as exc:  # a chart that fails is that page's error, not the site's
            self.internal(page.file.src_uri, "drawing this page's charts", describe(exc), "it has no charts")
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
        if self.quiet is not None:
            self.quiet.remove()
        if self.offload is not None:
            log.debug(f"postmortems: the worker rendered the Markdown of {self.offload.taken} pages")
            self.offload.cancel()

    def post_build(self, config: MkDocsConfig) -> None:
        self._release()
        if self.kb is None or self.secondary:
            return
        if self.index is not None:
            index: search.SiteIndex | None
            index, self.index = self.index, None
            if self.text_changed:  # indexed as read; index what the pages show instead
                index.cancel()
                index = self._new_index(config, self.kb, {**self.bodies, **self.changed_bodies})
            began = time.perf_counter()
            try:
                if index is not None:
                    index.finish(config.site_dir)
                    log.debug(
                        f"postmortems: search index of {index.records} pages in {search.OUTPUT}/ "
                        f"(waited {time.perf_counter() - began:.1f} s for Pagefind after the pages)"
                    )
            except (PagefindError, OSError) as exc:
                if index is not None:
                    index.cancel()
                log.error(f"postmortems: the search index could not be written: {exc}")
        if self.text_changed:  # written with the rest before the pages were built: again
            for file, make in self.text_outputs:
                write_text(file.abs_dest_path, make())
        problems = self.archive.problems
        errors = sum(1 for p in problems if p.level == "error")
        warnings = sum(1 for p in problems if p.level == "warning")
        log.info(
            f"postmortems: {len(self.kb.records)} published, {len(self.kb.drafts)} drafts, "
            f"{errors} errors, {warnings} warnings (as of {self.options.as_of})"
        )


def write_text(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


_VENDORED: dict[tuple[str, float], str | None] = {}  # (path, mtime) -> the script made safe, or None


def vendored(config: MkDocsConfig, uri: str, path: str) -> File:
    """A vendored script, with the external URLs it names blanked (`compat.without_external_urls`:
    Material's privacy plugin would download them); looked at once per file (kept for `serve`)."""
    key = (path, os.path.getmtime(path))
    if key not in _VENDORED:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        safe = without_external_urls(text)
        _VENDORED[key] = None if safe == text else safe
    made = _VENDORED[key]
    if made is None:
        return File.generated(config, uri, abs_src_path=path)
    return File.generated(config, uri, content=made)


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
