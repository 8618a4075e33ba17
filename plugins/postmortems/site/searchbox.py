"""The search box in every page's header: the plugin's own, on the Pagefind index (search.py).

Why ours and not Material's: Material's box fetches its search plugin's whole index on every
page as soon as the page opens (at 10,000 postmortems, 15 MB before the reader has typed
anything), and its index is stemmed differently from what a reader types. Ours is a form that
goes to the explorer with `?text=` (it works without JavaScript), and once the reader focuses
it, it loads Pagefind's script and the index pieces each query needs, and shows the first
results as they type with a link to all of them in the explorer.

It takes the place of Material's `partials/search.html` (searchbox/partials/search.html, placed
after the site's custom_dir: a site's own partial wins). Material's header draws that partial
only when Material's search plugin is on; without it, Material's own header is used with that
condition lifted, patched in memory when the theme's environment is made, so the header stays
Material's, version after version. A site's own `partials/header.html` is left as it is.
"""

from __future__ import annotations

import importlib.util
import logging
import os

import jinja2
from mkdocs.config.defaults import MkDocsConfig

log = logging.getLogger("mkdocs.plugins.postmortems")
TEMPLATES = os.path.join(os.path.dirname(__file__), "searchbox")
HEADER = "partials/header.html"
# What Material's header (9.x) asks before it draws the search box, and what it is replaced with.
CONDITION = '{% if "material/search" in config.plugins %}'
SETTING = '{% set search = config.plugins["material/search"] | attr("config") %}'
LIFTED = ("{% if true %}", '{% set search = {"enabled": true} %}')


def install(config: MkDocsConfig) -> None:
    """Our partials/search.html right after the site's custom_dir."""
    if TEMPLATES not in config.theme.dirs:
        config.theme.dirs.insert(1 if config.theme.custom_dir else 0, TEMPLATES)


def prepare(env: jinja2.Environment, config: MkDocsConfig, explorer_url: str) -> None:
    """Give the box the explorer's URL; without Material's search plugin, lift the header's
    condition for drawing it."""
    env.globals["pm_search"] = {"explorer": explorer_url}
    if "material/search" in config.plugins or env.loader is None:
        return
    try:
        source, filename, _uptodate = env.loader.get_source(env, HEADER)
    except jinja2.TemplateNotFound:
        return  # not Material: nothing to lift
    if not _is_materials(filename):
        return  # the site's own header
    if CONDITION not in source or SETTING not in source:
        log.warning(
            "postmortems: Material's partials/header.html no longer asks for its search plugin as "
            "this plugin expects, so the header shows no search box; add `search` to the site's "
            "plugins, or set the plugin's header_search: false"
        )
        return
    patched = source.replace(CONDITION, LIFTED[0]).replace(SETTING, LIFTED[1])
    env.loader = jinja2.ChoiceLoader([jinja2.DictLoader({HEADER: patched}), env.loader])


def _is_materials(filename: str | None) -> bool:
    spec = importlib.util.find_spec("material")
    if filename is None or spec is None or spec.origin is None:
        return False
    return os.path.realpath(filename).startswith(os.path.realpath(os.path.dirname(spec.origin)) + os.sep)
