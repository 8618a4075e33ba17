"""What a service or team page opens with (its fact card), and the incidents a text names."""

from __future__ import annotations

import re

from helpers import item, knowledge, record
from hypothesis import given, settings
from hypothesis import strategies as st
from postmortems.insight.knowledge import mentioned_ids, recurring_factors


def test_recurring_factors_are_those_named_more_than_once_most_frequent_first() -> None:
    records = [
        record("A-1", "2026-01-01T00:00:00Z", contributing_factors=["retry-storm", "missing-timeout"]),
        record("A-2", "2026-02-01T00:00:00Z", contributing_factors=["missing-timeout", "missing-timeout"]),
        record("A-3", "2026-03-01T00:00:00Z", contributing_factors=["retry-storm", "missing-timeout", "dns"]),
        record("A-4", "2026-04-01T00:00:00Z", contributing_factors=["alpha", "dns"]),
    ]
    # One postmortem listing a factor twice counts once; ties by slug.
    assert recurring_factors(records) == [("missing-timeout", 3), ("dns", 2), ("retry-storm", 2)]
    assert recurring_factors(records[:1]) == []
    assert recurring_factors([]) == []


def test_mentioned_ids_are_known_ids_named_in_the_text_once_each_without_its_own() -> None:
    known = {"INC-2025-011", "INC-2025-014", "INC-2026-037", "OPS-7"}
    text = (
        "As in [INC-2025-011](../2025/inc-2025-011.md), and INC-2025-011 again; not INC-2025-0111, "
        "not XINC-2025-014, ticket PAY-388; (OPS-7). This is INC-2026-037."
    )
    assert mentioned_ids(text, known, own="INC-2026-037") == ["INC-2025-011", "OPS-7"]
    assert mentioned_ids("", known) == []


def test_summary_counts_the_window_and_lists_the_latest_five() -> None:
    rows = [
        # as_of 2026-11-20, window 90 days: from 2026-08-23 on
        record("S-1", "2026-01-05T10:00:00Z", resolved_at="2026-01-05T11:00:00Z", contributing_factors=["f"]),
        record("S-2", "2026-08-22T10:00:00Z", resolved_at="2026-08-22T12:00:00Z", contributing_factors=["f"]),
        record(
            "S-3",
            "2026-09-01T10:00:00Z",
            resolved_at="2026-09-01T10:30:00Z",
            contributing_factors=["f"],
            action_items=[item("a", "2026-10-01"), item("b", "2027-01-01"), item("c", "2026-01-01", "done")],
        ),
        record("S-4", "2026-10-01T10:00:00Z", resolved_at="2026-10-01T11:30:00Z"),
        record("S-5", "2026-10-02T10:00:00Z"),
        record("S-6", "2026-11-20T23:00:00Z", resolved_at="2026-11-21T01:00:00Z", teams=["payments"]),
        record("S-7", "2026-11-21T00:00:00Z", status="draft"),
    ]
    kb = knowledge(rows)
    summary = kb.summary(kb.services["payments-api"])
    assert (summary.incidents, summary.in_window) == (6, 4)
    assert summary.mttr_median_window == 90  # 30, 90, 120 (S-5 has no resolved_at)
    assert summary.repeats_window == 1  # S-3 repeats S-2 (shared factor within 90 days)
    assert (summary.open_items, summary.overdue_items) == (2, 1)
    assert [(f.factor, f.count, f.url) for f in summary.recurring] == [("f", 3, "patterns/factors/f/")]
    assert [r.id for r in summary.latest] == ["S-6", "S-5", "S-4", "S-3", "S-2"]
    team = kb.summary(kb.teams["payments"])
    assert (team.incidents, team.in_window, team.recurring) == (1, 1, [])


_NAIVE = re.compile(r"(?<![A-Za-z0-9-])[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+(?![A-Za-z0-9-])")


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet="INCOPSx-01 .[]()\n", max_size=80),
    known=st.sets(
        st.sampled_from(["INC-1", "INC-10", "INC-1-0", "OPS-0", "S-1", "C-0", "x-x", "INC"]), max_size=5
    ),
)
def test_mentioned_ids_find_what_every_dashed_word_would(text: str, known: set[str]) -> None:
    """The literal-start pattern (id_pattern) finds the same ids as testing every dashed word."""
    naive = list(dict.fromkeys(w for w in _NAIVE.findall(text) if w in known))
    assert mentioned_ids(text, known) == naive
