"""The knowledge base's index pages in the site's navigation."""

from __future__ import annotations

from collections.abc import Sequence

from mkdocs.structure import StructureItem
from mkdocs.structure.nav import (
    Navigation,
    Section,
    _add_parent_links,
    _add_previous_and_next_links,
    _get_by_type,
)
from mkdocs.structure.pages import Page


def place_index_pages(nav: Navigation, ours: Sequence[Page], site_nav_given: bool) -> Navigation:
    """Put the index pages in the navigation unless the site's own `nav` already places them.

    MkDocs' automatic nav would show each index page in a section named after its folder;
    those sections are replaced by the pages themselves, in a fixed order, after the site's
    own pages. A site `nav` that lists none of them gets a "Knowledge base" section.
    """
    if not ours or (site_nav_given and any(page in nav.pages for page in ours)):
        return nav
    mine = {id(page) for page in ours}

    def only_ours(item: StructureItem) -> bool:
        if isinstance(item, Section):
            return all(only_ours(child) for child in item.children)
        return id(item) in mine

    items = [item for item in nav.items if not only_ours(item)]
    if site_nav_given:
        items.append(Section("Knowledge base", list(ours)))
    else:
        items.extend(ours)
    for item in items:
        item.parent = None
    nav.items = items
    nav.pages = _get_by_type(items, Page)
    _add_previous_and_next_links(nav.pages)
    _add_parent_links(items)
    return nav
