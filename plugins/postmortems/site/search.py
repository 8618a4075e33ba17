"""The incident explorer's data: a compact record per incident for facets and results, and a
lunr index over short, telling fields, built at build time with the Python `lunr` package.

Full bodies are left to Material's own search (it already indexes the rendered pages); the
explorer indexes what answers "has this happened before?": id, title, services, factors, tags,
summary and root cause, so its index stays small at 10,000 postmortems.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Container
from typing import Any

from ..insight.knowledge import Knowledge
from ..records.model import Postmortem
from .export import iso

SNIPPET = 240
FIELDS = (
    {"field_name": "id", "boost": 10},
    {"field_name": "title", "boost": 5},
    {"field_name": "facets", "boost": 3},
    {"field_name": "text"},
)
_MARKUP = re.compile(r"[`*_>#|\[\]]+|\((?:https?://|\.\.?/)[^)]*\)")


def plain(text: str, limit: int | None = None) -> str:
    """Markdown to a single line of plain text (the browser escapes it again on display)."""
    flat = " ".join(_MARKUP.sub(" ", text).split())
    if limit is not None and len(flat) > limit:
        flat = flat[: limit - 1].rsplit(" ", 1)[0] + "…"
    return flat


def explorer_record(record: Postmortem, kb: Knowledge) -> dict[str, Any]:
    fig = kb.figures[record.id]
    return {
        "id": record.id,
        "title": record.title,
        "url": record.url,
        "severity": record.severity,
        "status": record.status,
        "services": record.services,
        "teams": record.teams,
        "factors": record.contributing_factors,
        "trigger": record.trigger,
        "started": iso(record.started_at.date()),
        "mttr": fig.mttr,
        "repeat": bool(fig.repeat_of),
        "summary": plain(record.sections.get("summary", ""), SNIPPET),
    }


def index_documents(kb: Knowledge) -> list[dict[str, str]]:
    return [
        {
            "id": record.id,
            "title": record.title,
            "facets": " ".join(
                [
                    *record.services,
                    *record.teams,
                    *record.contributing_factors,
                    *record.tags,
                    record.trigger or "",
                ]
            ).replace("-", " "),
            "text": " ".join(
                [
                    plain(record.sections.get("summary", "")),
                    plain(record.sections.get("root_cause", "")),
                    *(f"{item.ticket or ''} {item.title}" for item in record.action_items),
                ]
            ),
        }
        for record in kb.records
    ]


COMPACT: dict[str, Any] = {"separators": (",", ":"), "ensure_ascii": False, "sort_keys": True}


# lunr's tokenizer splits on these characters, one Python step per character of the text.
_LUNR_BREAK = re.compile("[ \t\n\r\f\v\xa0-]")


def _words(text: str, trim: re.Pattern[str], stop_words: Container[str]) -> list[str]:
    """The tokens of `text` that lunr's default pipeline keeps, as its trimmer leaves them.

    The tokenizer's split, by one regex call; then the trimmer and stop word filter applied here
    too, so that lunr copies and pipes 40% fewer tokens (applied again there, they change nothing).
    """
    words = []
    for word in _LUNR_BREAK.split(str(text).lower()):
        if word:
            match = trim.match(word)
            if match is not None:
                word = match.group(1)
            if word not in stop_words:
                words.append(word)
    return words


def build_index(documents: list[dict[str, str]]) -> str:
    """The serialized lunr index (lunr.js 2.x format) as JSON text.

    lunr's default builder, made cheaper where it can be without changing the index: text is
    split by `_words` (lunr takes a list of words as its tokens, skipping its own tokenizer) and
    the Porter stemmer, the largest cost, runs once per distinct word, not per occurrence. A test
    checks the result against `lunr.lunr`'s, byte for byte.
    """
    if not documents:
        return "{}\n"
    # Imported here: only the explorer needs them.
    from lunr.builder import Builder
    from lunr.stemmer import porter_stemmer, stemmer
    from lunr.stop_word_filter import WORDS, stop_word_filter
    from lunr.token import Token
    from lunr.trimmer import full_re, trimmer

    stems: dict[str, str] = {}

    def stem_word(word: str, _metadata: Any) -> str:
        stemmed = stems.get(word)
        if stemmed is None:
            stemmed = stems[word] = porter_stemmer.stem(word)
        return stemmed

    def stem(token: Token, i: Any = None, tokens: Any = None) -> Token:
        return token.update(stem_word)

    stem.label = stemmer.label  # type: ignore[attr-defined]  # serialised as lunr.js' own stemmer
    builder = Builder()
    builder.pipeline.add(trimmer, stop_word_filter, stem)
    builder.search_pipeline.add(stem)
    builder.ref("id")
    for field in FIELDS:
        name = str(field["field_name"])
        builder.field(
            name,
            boost=field.get("boost", 1),
            extractor=lambda doc, name=name: _words(doc[name], full_re, WORDS),
        )
    for document in documents:
        builder.add(document)
    return json.dumps(builder.build().serialize(), **COMPACT) + "\n"


def explorer_data(kb: Knowledge) -> str:
    """explorer.json: one compact record per incident, for the facets and the result list."""
    data = {
        "as_of": iso(kb.as_of),
        "severities": list(kb.severities),
        "records": [explorer_record(r, kb) for r in sorted(kb.records, key=lambda r: (r.started_at, r.id))],
    }
    return json.dumps(data, **COMPACT) + "\n"


def vendor_assets(assets: str) -> dict[str, str]:
    """Scripts served from the site, taken from installed packages (nothing is copied into the repo)."""
    import mkdocs
    import plotly

    return {
        f"{assets}/vendor/plotly.min.js": os.path.join(
            os.path.dirname(plotly.__file__), "package_data", "plotly.min.js"
        ),
        f"{assets}/vendor/lunr.js": os.path.join(
            os.path.dirname(mkdocs.__file__), "contrib", "search", "templates", "search", "lunr.js"
        ),
    }
