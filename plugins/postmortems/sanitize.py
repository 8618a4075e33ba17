"""Postmortem bodies are written by hundreds of people: their rendered HTML is cleaned with
nh3 (the Rust ammonia sanitizer) so raw `<script>`, event handlers and `javascript:` links in
Markdown are inert, while everything Markdown and its usual extensions produce survives."""

from __future__ import annotations

import nh3

TAGS = set(nh3.ALLOWED_TAGS) | {
    "details", "summary", "figure", "figcaption", "mark", "del", "ins", "kbd", "sub", "sup", "span", "div",
    "table", "thead", "tbody", "tr", "th", "td", "caption", "colgroup", "col", "pre", "code", "hr", "br",
    "h1", "h2", "h3", "h4", "h5", "h6", "img", "dl", "dt", "dd",
}  # fmt: skip
ATTRIBUTES = {
    "*": {"class", "id", "title", "lang", "dir"},
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"align", "colspan", "rowspan"},
    "td": {"align", "colspan", "rowspan"},
    "ol": {"start"},
    "code": {"class"},
}
SCHEMES = {"http", "https", "mailto"}


def clean(html: str) -> str:
    """HTML with only safe tags, attributes and URL schemes (relative URLs are kept)."""
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=SCHEMES,
        link_rel=None,
        strip_comments=True,
    )
