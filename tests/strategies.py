"""Hypothesis strategies for postmortem files as people (and accidents) write them: front matter
as YAML *text*, so values stay bare the way a person types them (`started_at: 2025-02-30T10:00:00Z`
is a YAML timestamp, which is where an impossible date used to raise), with any YAML value in
any field, dates out of range, deep nesting, huge numbers, lying tags and odd Unicode. Shared by
the property tests of the records, the build and the command line."""

from __future__ import annotations

import json

from hypothesis import strategies as st
from postmortems.records.model import FIELDS
from postmortems.records.validate import PAGE_KEYS

KEYS = [*FIELDS, *sorted(PAGE_KEYS), "x", "servcies"]  # every field, the page keys, and two unknown

ODD_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"])
    | st.sampled_from("\u202e\u200b\u0301é😀<>&\"'#:|"),
    max_size=40,
)


def _moment(year: int, month: int, day: int, hour: int, minute: int, zone: str) -> str:
    return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:00{zone}"


calendar_texts = st.one_of(
    st.builds(
        _moment,
        st.integers(0, 10000),
        st.integers(0, 13),
        st.integers(0, 32),
        st.integers(0, 25),
        st.integers(0, 61),
        st.sampled_from(["Z", "", "+02:00", "+25:00", "-23:59"]),
    ),
    st.builds(
        lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}",
        st.integers(0, 10000),
        st.integers(0, 13),
        st.integers(0, 32),
    ),
)
scalars = st.one_of(
    calendar_texts,
    st.integers(-(10**30), 10**30).map(str),
    st.integers(1, 6000).map(lambda digits: "9" * digits),  # past a float, and past str()'s digit limit
    st.floats(allow_nan=True).map(repr).map(lambda text: text.replace("inf", ".inf").replace("nan", ".nan")),
    st.sampled_from(["1.0e+999", "true", "no", "null", "~", "''", "SEV-1", "P2", "final", "draft", "[]", "{}"]),
    st.sampled_from(["!!int abc", "!!float x", "!!bool maybe", "!!timestamp soon", "!!binary zz", "!!set {a}",
                     "!!python/object:os.system x", "*undefined", "&anchor [1]", "!custom 3"]),
    ODD_TEXT.map(lambda text: json.dumps(text, ensure_ascii=False)),  # a YAML double-quoted string
)  # fmt: skip


def _nest(value: str, depth: int, mapping: bool) -> str:
    for _ in range(depth):
        value = f"{{k: {value}}}" if mapping else f"[{value}]"
    return value


values = st.one_of(
    scalars,
    st.lists(scalars, max_size=4).map(lambda items: "[" + ", ".join(items) + "]"),
    st.dictionaries(st.sampled_from(["name", "title", "due", "kind", "users_affected", "exclude"]), scalars, max_size=3)
    .map(lambda items: "{" + ", ".join(f"{k}: {v}" for k, v in items.items()) + "}"),
    st.builds(_nest, scalars, st.integers(1, 80), st.booleans()),
)  # fmt: skip

VALID_LINES = {
    "id": "INC-2025-001",
    "title": "Checkout's 5xx after the 2.4.1 deploy",
    "status": "review",
    "severity": "SEV-2",
    "services": "[payments-api]",
    "started_at": "2025-03-15T14:23:00Z",
    "resolved_at": "2025-03-15T15:10:00Z",
}


@st.composite
def front_matter(draw: st.DrawFn) -> str:
    """A front matter block: some of a valid record's lines, and any of the keys with any value."""
    lines = {key: value for key, value in VALID_LINES.items() if draw(st.booleans())}
    lines.update(draw(st.dictionaries(st.sampled_from(KEYS), values, max_size=6)))
    return "---\n" + "".join(f"{key}: {value}\n" for key, value in lines.items()) + "---\n"


bodies = st.one_of(
    ODD_TEXT,
    st.lists(
        st.sampled_from(["## Summary", "## Action Items", "| a | b |", "|---|---|", "| x | y | z |", "- item",
                         "```", "<script>x</script>", "_The technical cause, and why our safeguards did not stop it. "
                         "Blameless: systems, not people._", "", "> quote"]),
        max_size=10,
    ).map("\n".join),
)  # fmt: skip
files = st.builds(lambda front, body: front + body, front_matter(), bodies)
