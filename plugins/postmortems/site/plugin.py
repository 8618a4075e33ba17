"""The MkDocs plugin: options and events, each handing its work to `build.SiteBuild`.

Build flow: `on_config` resolves the options and starts a `SiteBuild`; `on_files` reads every
postmortem once, computes the knowledge and adds the generated pages, JSON, feeds and assets
(early, or after mkdocs-static-i18n's when it is on);
`on_nav` places the index pages; `on_page_read_source` gives MkDocs the body already read (no
file read, nor YAML parsed, twice); `on_page_markdown` sets a postmortem's title and template
first and, last of all plugins, lets the worker's rendering stand in for MkDocs' own where no
plugin changed the Markdown; `on_page_content` puts the worker's HTML in first and the parts
around the body before the search plugins read it; `on_page_context` passes the data to the
templates after them.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
from typing import Any

import jinja2
from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.config.base import BaseConfigOption, ValidationError
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.utils.templates import TemplateContext

from ..insight.policy import parse_policy
from ..insight.scoring import ScoringError, load_model
from ..records.archive import DEFAULT_CATALOG, DEFAULT_MAX_FILE_KB, DEFAULT_PATH
from ..records.dates import option_date
from ..records.modernization import loop_files
from ..records.validate import DEFAULT_ALIASES, DEFAULT_SEVERITIES, Rules
from .build import PACKAGE_DIR, Options, SiteBuild
from .compat import i18n_language
from .nav import DEFAULT_SECTION, NavChoice
from .workers import Worker

__all__ = ["PACKAGE_DIR", "PostmortemsConfig", "PostmortemsPlugin"]

# What the worker's jobs need, imported as it starts (while MkDocs is still starting up).
PRELOAD = ("postmortems.records.archive", "postmortems.site.render")


class NavOption(BaseConfigOption[NavChoice]):
    """`nav: auto | off | {section: NAME}`."""

    def __init__(self) -> None:
        super().__init__()
        self.default = NavChoice()

    def run_validation(self, value: object) -> NavChoice:
        if isinstance(value, NavChoice):  # the default
            return value
        if value in ("auto", "off"):
            return NavChoice(str(value))
        if isinstance(value, dict) and set(value) == {"section"}:
            name = value["section"]
            if isinstance(name, str) and name.strip():
                return NavChoice("section", name.strip())
        example = f"{{section: {DEFAULT_SECTION}}}"
        raise ValidationError(f"expected 'auto', 'off' or {{section: NAME}} (e.g. {example}), got {value!r}")


class PostmortemsConfig(base.Config):
    path = c.Type(str, default=DEFAULT_PATH)
    """Folder under docs_dir that holds the postmortems."""
    catalog = c.Type(str, default=DEFAULT_CATALOG)
    """Service catalog, relative to docs_dir; it is read, not published."""
    backstage = c.ListOfItems(c.Type(str), default=[])
    """Backstage catalogs relative to the config file: files, folders, globs (Locations followed)."""
    backstage_types = c.ListOfItems(c.Type(str), default=["service"])
    """The Backstage Component types (`spec.type`) that are services."""
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
    ticket_url = c.Type(str, default="")  # e.g. https://jira.example.com/browse/{ticket}
    report_months = c.Type(int, default=36)  # report pages from the first month with an incident among these
    """Incidents listed on a service, team or pattern page (the newest; the rest via the explorer)."""
    sanitize = c.Type(bool, default=True)
    """Clean the HTML of postmortem bodies (raw <script>, event handlers, javascript: links)."""
    parallel = c.Type(bool, default=True)
    """Use a second process (when there is a second core) for parsing and the Markdown of
    postmortem pages; the site is the same either way."""
    nav = NavOption()
    """Where the index pages go in the nav: `auto` (a nav of the site's own that places them is
    left as it is), `off` (never touched) or `{section: NAME}`."""
    extra_keys = c.ListOfItems(c.Type(str), default=[])
    """Front-matter keys of other plugins allowed in postmortems (passed on to the page)."""
    # The modernization loop (spec §7-§10). The files are relative to the config file; a missing
    # file means no decisions, the default rubric, no targets (a warning when the path was set).
    decisions = c.Optional(c.Type(str))
    """The decisions file (default modernization/prioritized.yaml)."""
    maturity = c.Optional(c.Type(str))
    """The maturity rubric (default modernization/maturity.yaml, else the plugin's own)."""
    targets = c.Optional(c.Type(str))
    """The targets file (default modernization/targets.yaml)."""
    policy = c.Type(dict, default={})
    """The postmortem policy: {required_severities: [SEV-1, SEV-2], deadline_business_days: 5}."""
    header_search = c.Type(bool, default=True)
    """The search box in every page's header searches the plugin's Pagefind index (postmortems
    and the site's own pages); false: Material's box and search plugin, for the other pages."""


class PostmortemsPlugin(BasePlugin[PostmortemsConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        self.worker = Worker(PRELOAD)  # kept across `mkdocs serve` rebuilds; stopped on shutdown
        self.steal = True  # False: never cancel the worker's chunks (tests: every page from the worker)
        self.build: SiteBuild | None = None

    @event_priority(0)  # no ordering needs: it only reads our own options
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        previous = self.build
        if previous is not None:  # the previous build failed before on_post_build
            previous.stop()
        if self.config.parallel:
            self.worker.start()
        else:
            self.worker.stop()
        self.build = SiteBuild(*self._resolve(config), self.worker, self.steal)
        # mkdocs-static-i18n builds each further language right after the default one: those
        # builds link to the knowledge base of the default language's (dropped if this is one).
        self.build.primary = previous and (previous.primary or previous)
        self.build.configure(config)
        return config

    def _resolve(self, config: MkDocsConfig) -> tuple[Options, Rules, Any]:
        """The options as one build uses them; a bad date or scoring model stops the build."""
        opts = self.config
        try:
            as_of = option_date(opts.as_of) or dt.datetime.now(dt.timezone.utc).date()
        except ValueError as exc:
            raise PluginError(f"postmortems: as_of '{opts.as_of}' {exc}") from None
        aliases = {str(k): str(v) for k, v in opts.severity_aliases.items()}
        rules = Rules(
            tuple(opts.severities),
            aliases,
            as_of,
            "warning" if opts.legacy == "warn" else "info",
            extra_keys=frozenset(opts.extra_keys),
        )
        config_dir = os.path.dirname(config.config_file_path or ".")
        try:
            model = load_model(os.path.join(config_dir, opts.scoring) if opts.scoring else None)
        except ScoringError as exc:
            raise PluginError(f"postmortems: {exc}") from None
        try:
            policy = parse_policy(opts.policy, rules.severities)
        except ValueError as exc:
            raise PluginError(f"postmortems: {exc}") from None
        options = Options(
            path=opts.path,
            catalog=opts.catalog,
            backstage=tuple(opts.backstage),
            backstage_types=tuple(opts.backstage_types),
            as_of=as_of,
            repeat_window_days=opts.repeat_window_days,
            show_drafts=opts.show_drafts,
            api_dir=opts.api_dir,
            pages={str(k): str(v) for k, v in opts.pages.items()},
            max_file_kb=opts.max_file_kb,
            feeds=opts.feeds,
            table_limit=opts.table_limit,
            report_months=max(1, opts.report_months),
            ticket_url=checked_ticket_url(opts.ticket_url),
            sanitize=opts.sanitize,
            nav=opts.nav,
            loop=loop_files(config_dir, opts.decisions, opts.maturity, opts.targets),
            policy=policy,
            header_search=opts.header_search,
        )
        return options, rules, model

    # The file list is read and our files are added once, at one of two moments:
    @event_priority(10)  # before the plugins that take stock of the pages at the default priority
    # (mkdocs-redirects checks its targets against the pages it saw in its on_files)
    def _on_files_early(self, files: Files, config: MkDocsConfig) -> Files:
        if self.build is None or i18n_language(config) is not None:
            return files
        return self.build.files(files, config)

    @event_priority(-110)  # with mkdocs-static-i18n only: after its on_files (-100), which makes the
    # file list of each language anew from the files' sources (our generated files have none)
    def _on_files_after_i18n(self, files: Files, config: MkDocsConfig) -> Files:
        if self.build is None or i18n_language(config) is None:
            return files
        return self.build.files(files, config)

    on_files = CombinedEvent(_on_files_early, _on_files_after_i18n)

    @event_priority(-50)  # after other plugins shaped the nav (awesome-nav at 100, awesome-pages at
    # 0), so our pages land in its final form; before mkdocs-static-i18n's (-100) translates it
    def on_nav(self, nav: Navigation, config: MkDocsConfig, files: Files) -> Navigation:
        assert self.build is not None
        return self.build.nav(nav, config, files)

    @event_priority(0)  # only answers for our own postmortem files
    def on_page_read_source(self, page: Page, config: MkDocsConfig) -> str | None:
        return None if self.build is None else self.build.read_source(page)

    @event_priority(100)  # first, so other plugins see the title, template and tags of a postmortem
    # (Material's tags plugin reads them at -50, mkdocs-macros its render_macros at 0)
    def _on_page_markdown_meta(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        if self.build is None:
            return markdown
        self.build.page_meta(page)
        return self.build.fill_placeholders(markdown, page)

    @event_priority(-100)  # last: only Markdown no plugin changed is taken from the worker, and the
    # explorer shows what the other plugins (mkdocs-macros) made of a postmortem's text
    def _on_page_markdown_take(self, markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        return markdown if self.build is None else self.build.markdown(markdown, page, files)

    on_page_markdown = CombinedEvent(_on_page_markdown_meta, _on_page_markdown_take)

    @event_priority(0)  # only adds a setting for our own templates and the header's search box
    def on_env(self, env: jinja2.Environment, config: MkDocsConfig, files: Files) -> jinja2.Environment:
        return env if self.build is None else self.build.environment(env, config)

    @event_priority(1000)  # before anything else sees the content: it is the page's own HTML
    def _on_page_content_put(self, html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        offload = self.build.offload if self.build is not None else None
        return html if offload is None else offload.deliver(html, page, files)

    @event_priority(50)  # before other plugins read the content, so they see the meta line
    def _on_page_content_parts(self, html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
        return html if self.build is None else self.build.content(html, page, config)

    on_page_content = CombinedEvent(_on_page_content_put, _on_page_content_parts)

    @event_priority(-100)  # after the search plugins indexed the content: the card is shown, not indexed
    def on_page_context(
        self, context: TemplateContext, /, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext:
        return context if self.build is None else self.build.context(context, page)

    @event_priority(0)  # after any plugin: the build is over either way
    def on_post_build(self, config: MkDocsConfig) -> None:
        if self.build is not None:
            self.build.post_build(config)

    @event_priority(0)
    def on_build_error(self, *, error: Exception) -> None:
        if self.build is not None:
            self.build.stop()
        gc.unfreeze()

    @event_priority(0)  # only adds files to watch
    def on_serve(self, server: Any, /, *, config: MkDocsConfig, builder: Any) -> Any:
        """`mkdocs serve` rebuilds when the review's files change, as it does for the docs."""
        config_dir = os.path.dirname(config.config_file_path or ".")
        scoring = [os.path.join(config_dir, self.config.scoring)] if self.config.scoring else []
        loop = [f.path for f in self.build.options.loop.all()] if self.build is not None else []
        for path in loop + scoring:
            if os.path.isfile(path):
                server.watch(path)
        return server

    @event_priority(0)
    def on_shutdown(self) -> None:
        if self.build is not None:  # `mkdocs serve` stopped in the middle of a build
            self.build.stop_index()
        self.worker.stop()


def checked_ticket_url(template: str) -> str:
    """`ticket_url` must be an http(s) address with `{ticket}` in it: anything else stops the build."""
    if template and (not template.startswith(("https://", "http://")) or "{ticket}" not in template):
        raise PluginError(
            f"postmortems: ticket_url {template!r} must be an http(s) address with {{ticket}} where the "
            "ticket id goes, e.g. https://jira.example.com/browse/{ticket}"
        )
    return template
