"""The knowledge base's index pages in the site's navigation (the `nav` option)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mkdocs.structure import StructureItem
from mkdocs.structure.nav import (
    Navigation,
    Section,
    _add_parent_links,
    _add_previous_and_next_links,
    _get_by_type,
)
from mkdocs.structure.pages import Page

DEFAULT_SECTION = "Knowledge base"


@dataclass(frozen=True)
class NavChoice:
    """The `nav` option: `auto`, `off`, or `{section: NAME}` (mode "section")."""

    mode: str = "auto"
    section: str = DEFAULT_SECTION


def place_index_pages(nav: Navigation, ours: Sequence[Page], choice: NavChoice, site_nav: bool) -> Navigation:
    """Put the index pages in the navigation as `choice` says.

    `site_nav`: the nav is the site's own, written in mkdocs.yml's `nav` or built by a plugin from
    the user's nav files (awesome-nav, awesome-pages); else it is MkDocs' automatic one.

    - `auto`: a nav of the site's own that places any of the index pages is left as it is; one
      that places none gets them in a "Knowledge base" section at its end. MkDocs' automatic nav
      would show each index page in a section named after its folder: those sections are
      replaced by the pages themselves, in a fixed order, after the site's own pages.
    - `section`: the index pages, wherever the nav had them, move into the section of that
      name (made at the end of the nav if there is none); sections left empty go.
    - `off`: the nav is not touched.
    """
    if not ours or choice.mode == "off":
        return nav
    mine = {id(page) for page in ours}
    if choice.mode == "section":
        items = _without(nav.items, mine)
        target = next((i for i in items if isinstance(i, Section) and i.title == choice.section), None)
        if target is None:
            items.append(Section(choice.section, list(ours)))
        else:
            target.children.extend(ours)
    elif site_nav:
        if any(page in nav.pages for page in ours):
            return nav
        items = [*nav.items, Section(DEFAULT_SECTION, list(ours))]
    else:

        def only_ours(item: StructureItem) -> bool:
            if isinstance(item, Section):
                return all(only_ours(child) for child in item.children)
            return id(item) in mine

        items = [item for item in nav.items if not only_ours(item)]
        items.extend(ours)
    for item in items:
        item.parent = None
    nav.items = items
    nav.pages = _get_by_type(items, Page)
    _add_previous_and_next_links(nav.pages)
    _add_parent_links(items)
    return nav


def _without(items: Sequence[StructureItem], mine: set[int]) -> list[StructureItem]:
    """The items with the pages in `mine` taken out, at any depth; sections left empty go."""
    kept: list[StructureItem] = []
    for item in items:
        if isinstance(item, Section):
            item.children = _without(item.children, mine)
            if item.children:
                kept.append(item)
        elif id(item) not in mine:
            kept.append(item)
    return kept
