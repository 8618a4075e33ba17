"""What the knowledge base needs to know about the site's other plugins, and the little it does
for them.

A team adds this plugin to a site it already has, with its own plugins. Most of them need
nothing from us beyond running our events at the right moment (the priorities in plugin.py say
why each one is where it is); a few need a fact found here:

- mkdocs-static-i18n rebuilds the file list of every language from the files' sources (a
  generated file has none) and builds each further language with a nested `build()`: the
  knowledge base is built once, with the default language, and the other languages link to it.
- mkdocs-awesome-nav and mkdocs-awesome-pages-plugin shape the nav from the user's own files:
  the nav they give is the user's, which the `nav: auto` option leaves as it is.
- mkdocs-macros-plugin renders postmortem bodies as Jinja templates: `postmortems validate`
  checks that they parse (cli/macros.py), and what macros made of a page feeds the explorer.
- Material's privacy plugin fetches every external stylesheet, script or JSON file that a
  script of the site names: the plugin's copy of plotly.js names none (`without_external_urls`).

Plugins are recognised by the module of their class, not the name they were given in
mkdocs.yml (`i18n`, `material/i18n` ... are all the same plugin).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# The top-level modules of the plugins that shape the nav from the user's own files.
NAV_PLUGINS = ("mkdocs_awesome_nav", "mkdocs_awesome_pages_plugin")
I18N = "mkdocs_static_i18n"
MACROS = "mkdocs_macros"


def _from(plugin: object, modules: tuple[str, ...]) -> bool:
    name = type(plugin).__module__
    return any(name == module or name.startswith(module + ".") for module in modules)


def plugins_from(config: Any, *modules: str) -> list[object]:
    """The site's plugins whose class lives in one of `modules` (or a module under one), in the
    order of mkdocs.yml."""
    return [plugin for plugin in config.plugins.values() if _from(plugin, modules)]


@dataclass(frozen=True)
class Language:
    """The language mkdocs-static-i18n is building now, and its default one."""

    current: str
    default: str

    @property
    def is_default(self) -> bool:
        return self.current == self.default


def i18n_language(config: Any) -> Language | None:
    """The language being built when mkdocs-static-i18n is on, else None.

    Read from the plugin's own attributes (`current_language`, `default_language`), which it
    sets in its `on_config` (priority -100, before ours reads them in `on_files`).
    """
    for plugin in plugins_from(config, I18N):
        default = getattr(plugin, "default_language", None)
        current = getattr(plugin, "current_language", None) or default
        if isinstance(default, str) and isinstance(current, str):
            return Language(current, default)
    return None


def nav_shaped_by_plugin(config: Any) -> bool:
    """Whether a plugin builds the nav from the user's own nav files (.nav.yml, .pages)."""
    return bool(plugins_from(config, *NAV_PLUGINS))


# Material's privacy plugin: what it finds in a script and downloads (its `assets_expr_map`
# for ".js"). Kept the same, so that what it would fetch is exactly what is blanked.
_FETCHED_BY_PRIVACY = re.compile(r"[\"'](?:https?:)?//[^\"']+\.(?:css|js(?:on)?)[\"']")


def external_urls(text: str) -> list[str]:
    """The quoted external stylesheet, script and JSON URLs in a script, as privacy finds them."""
    return [match.group(0)[1:-1] for match in _FETCHED_BY_PRIVACY.finditer(text)]


def without_external_urls(text: str) -> str:
    """A script with every quoted external .css/.js/.json URL replaced by an empty string.

    plotly.min.js names the style files of its map traces (basemaps, contextmaps), which
    Material's privacy plugin would download (and fails to, offline). The knowledge base draws
    no maps, so the string is emptied; the script's length changes, its syntax does not.
    """
    return _FETCHED_BY_PRIVACY.sub(lambda match: match.group(0)[0] * 2, text)


class QuietTargets(logging.Filter):
    """Drops MkDocs' notes that a nav entry or link points at a file excluded from the build,
    for the files of `uris`: in another language's build of mkdocs-static-i18n, the knowledge
    base's pages are excluded on purpose (they are the default language's, linked to there)."""

    LOGGERS = ("mkdocs.structure.nav", "mkdocs.structure.pages")

    def __init__(self, uris: Iterable[str]) -> None:
        super().__init__()
        self.quoted = {f"'{uri}'" for uri in uris}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.INFO:
            return True
        message = record.getMessage()
        if "excluded from the built site" not in message:
            return True
        return not any(uri in message for uri in self.quoted)

    def install(self) -> None:
        for name in self.LOGGERS:
            logging.getLogger(name).addFilter(self)

    def remove(self) -> None:
        for name in self.LOGGERS:
            logging.getLogger(name).removeFilter(self)


def default_language_only(file: Any, language: Language) -> None:
    """Mark a file of the knowledge base as existing in the default language only, the way
    mkdocs-static-i18n marks its own files: Material's language switcher then offers the other
    languages' home pages (configured in `extra.alternate`), not a page that was not built."""
    file.locale = language.default
    file.localization = None
    file.locale_alternate_of = language.current
    file.norm_src_uri = file.src_uri
    file.alternates = {language.default: file}
