"""Postmortem bodies are written by hundreds of people: their rendered HTML is cleaned with
nh3 (the Rust ammonia sanitizer) so raw `<script>`, event handlers and `javascript:` links in
Markdown are inert, while everything Markdown and its usual extensions produce survives."""

from __future__ import annotations

import re

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


_ANCHOR = re.compile(r"<(/?)a\b([^>]*)>")


def _unlink(html: str) -> str:
    """Anchors the sanitizer left without an href become spans: Material's instant navigation
    calls `new URL(a.href)` on every clicked link and throws on an empty one."""
    converted = False

    def swap(match: re.Match[str]) -> str:
        nonlocal converted
        if match.group(1):  # a closing tag: anchors cannot nest, so it closes the last opening one
            return "</span>" if converted else match.group(0)
        converted = "href=" not in match.group(2)
        return f"<span{match.group(2)}>" if converted else match.group(0)

    return _ANCHOR.sub(swap, html)


def clean(html: str) -> str:
    """HTML with only safe tags, attributes and URL schemes (relative URLs are kept)."""
    return _unlink(
        nh3.clean(
            html,
            tags=TAGS,
            attributes=ATTRIBUTES,
            url_schemes=SCHEMES,
            link_rel=None,
            strip_comments=True,
        )
    )


def needs_cleaning(markdown: str) -> bool:
    """Whether a Markdown body could render to HTML that `clean` would change (most cannot).

    It could with raw HTML or an autolink (<), attribute lists ({: onclick=…}), entities that can
    spell a scheme (&#106;), and the dangerous schemes themselves; a body with none of them renders
    to safe HTML. Substring tests, six times faster than one case-blind regex over the body.
    """
    if "<" in markdown or "{" in markdown or "&" in markdown:
        return True
    if ":" not in markdown:
        return False
    # casefold finds what a case-blind regex finds (ſ folds to s, K to k), but for the Turkish
    # İ and ı, which a case-blind regex takes for "i": mapped here.
    folded = markdown.casefold()
    if "\u0131" in folded or "\u0307" in folded:
        folded = folded.translate(_TURKISH_I)
    return "script:" in folded or "data:" in folded


_TURKISH_I = str.maketrans({"\u0131": "i", "\u0307": None})  # ı; İ folds to i + U+0307
