"""Lists of the archive's own slugs in the site's hand-written pages, filled at build time.

A guide that tells authors to reuse the contributing-factor slugs already in use must list
them, and a list written by hand goes stale with the next postmortem. A page of the site holds
a placeholder instead, an HTML comment (so it is harmless where the plugin does not run, and
needs no template syntax that mkdocs-macros would try to read):

    <!-- postmortems:factors -->

and the plugin puts there, before any other plugin sees the page, a table of the slugs in use
with their counts, each linking to its pattern page. `tags`, `triggers` and `fix-classes` work
the same way.
"""

from __future__ import annotations

import posixpath
import re

from ..insight.knowledge import Knowledge
from .pages import PATTERN_FOLDERS, Layout

PLACEHOLDER = re.compile(r"<!--\s*postmortems:([a-z-]+)\s*-->")
KINDS = {folder: kind for kind, folder in PATTERN_FOLDERS.items()}  # "factors" -> "factor"
HEADINGS = {"factor": "Contributing factor", "tag": "Tag", "trigger": "Trigger", "fix_class": "Fix class"}


def fill(markdown: str, kb: Knowledge, layout: Layout, src_uri: str) -> tuple[str, list[str]]:
    """The page's Markdown with each placeholder replaced by its table; and the names of the
    placeholders it did not know (left as they are)."""
    unknown: list[str] = []

    def table(match: re.Match[str]) -> str:
        kind = KINDS.get(match.group(1))
        if kind is None:
            unknown.append(match.group(1))
            return match.group(0)
        return slug_table(kb, layout, kind, posixpath.dirname(src_uri))

    return PLACEHOLDER.sub(table, markdown), unknown


def slug_table(kb: Knowledge, layout: Layout, kind: str, folder: str) -> str:
    """A Markdown table of a pattern kind's keys in use: most incidents first, then by name."""
    views = sorted(kb.patterns[kind].values(), key=lambda v: (-len(v.incidents), v.key))
    if not views:
        return "_None in use yet._"
    rows = [f"| {HEADINGS[kind]} | Incidents | Teams | Last seen |", "|---|---:|---:|---|"]
    for view in views:
        # Slugs, triggers and fix classes are validated ([a-z0-9._-]): safe inside backticks.
        target = posixpath.relpath(layout.src_uri(kind, view.key), folder or ".")
        rows.append(
            f"| [`{view.key}`]({target}) | {len(view.incidents)} | {len(view.teams)} | {view.last_seen} |"
        )
    return "\n".join(rows)
