"""Postmortems as mkdocs-macros-plugin will read them: Jinja templates that must parse.

With macros in the site's plugins, every page's Markdown is rendered as a Jinja template before
it is converted, so a postmortem quoting a Helm chart (`{{ .Values.image.tag }}`), a GitHub
Actions expression (`${{ secrets.TOKEN }}`) or a Go template breaks the build (macros logs a
warning and shows an error page; `--strict` fails) while the postmortem itself is valid. This
module lets `postmortems validate` say so first, with the line and the two ways out.

Only the syntax is checked, with macros' own delimiters and Jinja extensions: whether a variable
exists is macros' business at build time. Jinja is imported only when the site uses macros,
so the pre-commit hook of every other site starts as fast as before.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import yaml

from ..records.model import Problem
from ..records.parse import split_front_matter
from .project import Site, archive_files, plugin_entries, read_config

PLUGIN = "macros"
DELIMITERS = {
    "j2_block_start_string": "block_start_string",
    "j2_block_end_string": "block_end_string",
    "j2_variable_start_string": "variable_start_string",
    "j2_variable_end_string": "variable_end_string",
    "j2_comment_start_string": "comment_start_string",
    "j2_comment_end_string": "comment_end_string",
}
FIX = (
    "put it between {% raw %} and {% endraw %}, or add 'render_macros: false' to the front matter "
    "so mkdocs-macros leaves this page as it is"
)


@dataclass(frozen=True)
class Macros:
    """How the site's mkdocs-macros reads pages: its Jinja settings and whether it renders by default."""

    delimiters: dict[str, str]
    extensions: tuple[str, ...]
    render_by_default: bool = True

    @property
    def starts(self) -> tuple[str, ...]:
        """What a page holds if macros has anything to do in it."""
        return (
            self.delimiters.get("variable_start_string", "{{"),
            self.delimiters.get("block_start_string", "{%"),
            self.delimiters.get("comment_start_string", "{#"),
        )


def macros_of(config: dict[str, Any]) -> Macros | None:
    """The site's macros settings (from mkdocs.yml as read by cli.project), or None without it."""
    for entry in plugin_entries(config):
        options: Any = None
        if entry == PLUGIN:
            options = {}
        elif isinstance(entry, dict) and len(entry) == 1 and PLUGIN in entry:
            options = entry[PLUGIN] or {}
        if isinstance(options, dict):
            delimiters = {jinja: str(options[key]) for key, jinja in DELIMITERS.items() if options.get(key)}
            extensions = options.get("j2_extensions") or []
            return Macros(
                delimiters,
                tuple(str(e) for e in extensions) if isinstance(extensions, list) else (),
                options.get("render_by_default", True) is not False,
            )
    return None


def _renders(text: str, macros: Macros) -> bool:
    """Whether macros renders a page with this text (its front matter's `render_macros` rule)."""
    front_text, _first, _body = split_front_matter(text)
    try:
        front = yaml.safe_load(front_text) if front_text else None
    except yaml.YAMLError:  # reported by the validator; macros would read no render_macros either
        front = None
    wanted = front.get("render_macros") if isinstance(front, dict) else None
    if wanted is False:
        return False
    return macros.render_by_default or wanted is True


def check_macros(files: Iterable[tuple[str, str]], macros: Macros) -> list[Problem]:
    """A problem for each postmortem (path, text) whose body macros cannot parse.

    The body is parsed as macros will see it, with the front matter's lines left blank so that
    line numbers are the file's.
    """
    candidates = [(p, t) for p, t in files if any(s in t for s in macros.starts) and _renders(t, macros)]
    if not candidates:
        return []
    import jinja2  # only now: a site with macros and a postmortem that has something for it

    usable = [name for name in macros.extensions if _importable(name)]
    env = jinja2.Environment(extensions=usable, **macros.delimiters)  # type: ignore[arg-type]
    problems = []
    for path, text in candidates:
        _yaml, _first, body_line = split_front_matter(text)
        skipped = max(body_line - 1, 0)
        lines = text.split("\n")
        try:
            env.parse("\n" * skipped + "\n".join(lines[skipped:]))
        except jinja2.TemplateSyntaxError as exc:
            line = exc.lineno if exc.lineno and exc.lineno <= len(lines) else None
            shown = lines[line - 1].strip() if line else ""
            quoted = f" ('{shown[:60]}')" if shown else ""
            problems.append(
                Problem(
                    "error",
                    path,
                    line,
                    "mkdocs-macros (in mkdocs.yml's plugins) cannot read this line as a Jinja template"
                    f"{quoted}: {exc.message}; {FIX}",
                )
            )
    return problems


def site_macros_problems(site: Site) -> list[Problem]:
    """What `check_macros` finds in a site's archive, if the site uses mkdocs-macros (absolute paths)."""
    macros = macros_of(read_config(site.config_file))
    if macros is None:
        return []
    texts = []
    for rel in archive_files(site):
        path = os.path.join(site.docs_dir, rel)
        try:
            with open(path, encoding="utf-8-sig") as handle:
                texts.append((path, handle.read()))
        except (OSError, UnicodeDecodeError):  # reported by the validator
            continue
    return check_macros(texts, macros)


def _importable(name: str) -> bool:
    """A Jinja extension named by its import path that can be found, without importing it."""
    module = name.rsplit(".", 1)[0]
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False
