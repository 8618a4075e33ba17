"""The parts of a postmortem page around its body: the meta line, the action items as text, the
facts card and the action items table.

Why in parts, and why marks: the four are rendered by one template call
(`partials/parts.html`, which includes the overridable partials) while the worker converts
Markdown beside this process. The meta line and the action items as text go into the page's
content before the search plugins index it, so search results show severity and service and
find action items; the card and the table are put in their place afterwards, in
`on_page_context`, which keeps them out of the search index. Only this module knows the marks.
"""

from __future__ import annotations

from typing import Any

import jinja2
from mkdocs.exceptions import PluginError
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url

from .formats import duration, label, month_label, month_name, number, same_days

PARTS = "postmortems/partials/parts.html"
PART_MARK = "<!-- postmortems:part -->"  # between the four parts in what parts.html renders
CARD_MARK = "<!-- postmortems:card -->"  # where the card goes, once search has indexed the page
# Around the plain-text action items search indexes; the table replaces them after indexing.
ITEMS_START, ITEMS_END = "<!-- postmortems:items -->", "<!-- /postmortems:items -->"


def escape_our_templates(env: jinja2.Environment) -> jinja2.Environment:
    """Autoescape every template under postmortems/ (ours and their overrides), and only those:
    Material's own templates expect raw strings. Also adds the filters our templates use."""
    previous = env.autoescape

    def choose(name: str | None) -> bool:
        if name and name.startswith("postmortems/"):
            return True
        return bool(previous(name) if callable(previous) else previous)

    env.autoescape = choose
    env.filters["pm_duration"] = duration  # our templates' one duration style
    env.filters["pm_month"] = month_name
    env.filters["pm_label"] = label  # a slug (band, factor, trigger, decision) as people read it
    env.filters["pm_number"] = number
    env.filters["pm_month_to"] = month_label  # {{ key | pm_month_to(pm.kb.running) }}
    env.filters["pm_same_days"] = same_days
    return env


class PostmortemParts:
    """One build's parts: `around` a page's body before search, `finish` the page after it."""

    def __init__(self) -> None:
        self._template: jinja2.Template | None = None  # looked up once: each lookup checks the file's date
        self._late: dict[str, tuple[str, str]] = {}  # card and table of pages not finished yet

    def around(self, body: str, page: Page, env: jinja2.Environment, **context: Any) -> str:
        """The page's content for the search plugins: meta line, body, action items as text."""
        if self._template is None:
            self._template = env.get_template(PARTS)
        base_url = get_relative_url(".", page.url)
        parts = self._template.render(page=page, base_url=base_url, **context).split(PART_MARK)
        if len(parts) != 4:
            raise PluginError(
                f"postmortems: {PARTS} made {len(parts)} parts, not 4: an override of it must keep "
                f"the three '{PART_MARK}' marks between the meta line, the action items as text, "
                "the card and the action items table"
            )
        meta, items, card, table = parts
        self._late[page.file.src_uri] = (card, table)
        if items.strip():
            items = ITEMS_START + items + ITEMS_END
        return meta + CARD_MARK + body + items

    def finish(self, page: Page) -> None:
        """Put the card and the action items table in place, once search has read the page."""
        late = self._late.pop(page.file.src_uri, None)
        content = page.content
        if late is None or not content or CARD_MARK not in content:
            return
        card, table = late
        content = content.replace(CARD_MARK, card, 1)
        start, end = content.rfind(ITEMS_START), content.rfind(ITEMS_END)
        if 0 <= start < end:
            content = content[:start] + table + content[end + len(ITEMS_END) :]
        page.content = content
