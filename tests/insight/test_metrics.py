"""Spec §3 figures on hand-made cases: durations, business days, windows, repeats, completion."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers import item, record
from postmortems.insight.knowledge import build_knowledge
from postmortems.insight.metrics import (
    business_days,
    completion_rate,
    find_repeats,
    in_window,
    incident_figures,
    monthly_report,
    mtta,
    mttd,
    mttr,
    mttr_spread_by_severity,
    percentile,
    period_figures,
    repeat_rate,
    running_month,
    spread,
    time_to_postmortem,
)
from postmortems.insight.scoring import load_model
from postmortems.records.model import Impact

D = dt.date


def test_durations_in_minutes() -> None:
    r = record(
        "A",
        "2025-03-15T14:23:00Z",
        detected_at="2025-03-15T14:25:00Z",
        acknowledged_at="2025-03-15T14:27:30Z",
        resolved_at="2025-03-15T15:10:00Z",
    )
    assert mttr(r) == 47.0 and mttd(r) == 2.0 and mtta(r) == 2.5


def test_mtta_falls_back_to_started_and_missing_values_are_none() -> None:
    r = record("A", "2025-03-15T14:00:00Z", acknowledged_at="2025-03-15T14:10:00Z")
    assert mtta(r) == 10.0 and mttr(r) is None and mttd(r) is None


def test_timezones_are_normalised_before_subtracting() -> None:
    r = record("A", "2025-03-15T16:00:00+02:00", resolved_at="2025-03-15T14:30:00Z")
    assert mttr(r) == 30.0


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (D(2025, 3, 14), D(2025, 3, 17), 1),  # Friday → Monday
        (D(2025, 3, 17), D(2025, 3, 17), 0),  # same day
        (D(2025, 3, 15), D(2025, 3, 16), 0),  # Saturday → Sunday
        (D(2025, 3, 14), D(2025, 3, 28), 10),  # two weeks
        (D(2025, 3, 15), D(2025, 3, 17), 1),  # resolved on a Saturday, published Monday
    ],
)
def test_business_days(start: dt.date, end: dt.date, expected: int) -> None:
    assert business_days(start, end) == expected


def test_time_to_postmortem_uses_the_resolved_date() -> None:
    r = record("A", "2025-03-14T22:00:00Z", resolved_at="2025-03-14T23:50:00Z", published_at="2025-03-19")
    assert time_to_postmortem(r) == 3


def test_window_is_exclusive_at_the_start_and_inclusive_of_as_of() -> None:
    as_of = D(2025, 6, 30)
    assert in_window(D(2025, 6, 30), as_of, 90)
    assert in_window(D(2025, 4, 2), as_of, 90)
    assert not in_window(D(2025, 4, 1), as_of, 90)  # exactly 90 days before
    assert not in_window(D(2025, 7, 1), as_of, 90)


def test_repeats_need_a_shared_service_and_a_shared_factor_or_related() -> None:
    records = [
        record("A", "2025-01-01T00:00:00Z", contributing_factors=["retry-storm"]),
        record("B", "2025-02-01T00:00:00Z", contributing_factors=["retry-storm"]),  # repeat of A
        record("C", "2025-02-10T00:00:00Z", contributing_factors=["retry-storm"], services=["other"]),
        record("D", "2025-02-15T00:00:00Z", contributing_factors=["config-drift"], related=["A"]),
        record("E", "2025-03-01T00:00:00Z", contributing_factors=["config-drift"]),  # repeat of D only
        record("F", "2025-06-01T00:00:00Z", contributing_factors=["retry-storm"]),  # > 90 days after B
    ]
    repeats = find_repeats(records, 90)
    assert repeats == {"A": [], "B": ["A"], "C": [], "D": ["A"], "E": ["D"], "F": []}
    assert repeat_rate(records, repeats) == 0.5
    assert repeat_rate([], repeats) is None


def test_repeat_window_edge_is_exclusive() -> None:
    records = [
        record("A", "2025-01-01T12:00:00Z", contributing_factors=["x"]),
        record("B", "2025-04-01T12:00:00Z", contributing_factors=["x"]),  # exactly 90 days later
        record("C", "2025-04-01T12:00:01Z", contributing_factors=["y"], related=["A"]),
    ]
    assert find_repeats(records, 90) == {"A": [], "B": [], "C": []}
    assert find_repeats(records, 91)["B"] == ["A"]


def test_completion_rate_counts_items_due_by_as_of_and_excludes_wontfix() -> None:
    as_of = D(2025, 6, 1)
    items = [
        item("on time", "2025-05-01", "done", "2025-04-30"),
        item("late", "2025-05-01", "done", "2025-05-03"),
        item("done, no date", "2025-05-01", "done"),
        item("overdue", "2025-05-15", "in-progress"),
        item("not due yet", "2025-07-01", "open"),
        item("dropped", "2025-05-01", "wontfix"),
    ]
    assert completion_rate(items, as_of) == 0.5
    assert completion_rate(items[4:], as_of) is None
    assert [i.title for i in items if i.is_overdue(as_of)] == ["overdue"]


def test_knowledge_leaves_drafts_out_of_every_figure() -> None:
    records = [
        record(
            "A",
            "2025-05-01T00:00:00Z",
            resolved_at="2025-05-01T01:00:00Z",
            action_items=[item("x", "2025-05-02")],
        ),
        record(
            "B",
            "2025-05-02T00:00:00Z",
            status="draft",
            resolved_at="2025-05-02T05:00:00Z",
            action_items=[item("y", "2025-05-02")],
        ),
    ]
    kb = build_knowledge(
        records,
        None,
        as_of=D(2025, 5, 31),
        severities=["SEV-1", "SEV-2"],
        repeat_window_days=90,
        model=load_model(),
    )
    assert [r.id for r in kb.records] == ["A"] and [r.id for r in kb.drafts] == ["B"]
    assert len(kb.items) == 1 and len(kb.overdue) == 1
    view = kb.services["payments-api"]
    assert view.mttr_mean_window == 60.0 and len(view.in_window) == 1
    assert kb.report[-1]["incidents"] == 1


def test_monthly_report_rows_cover_every_month_to_as_of() -> None:
    records = [
        record(
            "A",
            "2025-01-10T00:00:00Z",
            severity="SEV-1",
            resolved_at="2025-01-10T02:00:00Z",
            contributing_factors=["x"],
            action_items=[item("i", "2025-02-01", "done", "2025-01-20")],
        ),
        record(
            "B",
            "2025-03-05T00:00:00Z",
            severity="SEV-2",
            resolved_at="2025-03-05T01:00:00Z",
            contributing_factors=["x"],
            impact=Impact(user_pct=5),
        ),
        record("C", "2025-03-20T00:00:00Z", severity="SEV-2", resolved_at="2025-03-20T03:00:00Z"),
    ]
    figures = incident_figures(records, 90)
    rows = monthly_report(records, figures, ["SEV-1", "SEV-2"], D(2025, 4, 2))
    assert [r["month"] for r in rows] == ["2025-01", "2025-02", "2025-03", "2025-04"]
    march = rows[2]
    assert march["incidents_by_severity"] == {"SEV-1": 0, "SEV-2": 2}
    assert march["mttr_minutes_mean"] == 120.0 and march["mttr_minutes_median"] == 120.0
    assert march["repeat_rate"] == 0.5
    assert rows[1]["action_item_completion_rate"] == 1.0 and rows[0]["action_items_completed"] == 1
    assert rows[3]["incidents"] == 0 and rows[3]["repeat_rate"] is None


@pytest.mark.parametrize(
    ("percent", "expected"),
    [(10, 1.0), (25, 3.0), (50, 5.0), (75, 8.0), (90, 9.0), (100, 10.0), (1, 1.0)],
)
def test_percentile_is_nearest_rank(percent: int, expected: float) -> None:
    """The ⌈p × n / 100⌉-th smallest: of ten values the ninth for p90, the third for p25."""
    assert percentile([10, 9, 8, 7, 6, 5, 4, 3, 2, 1, None], percent) == expected
    assert percentile([None], percent) is None


def test_spread_of_skewed_durations() -> None:
    """Most incidents short, one very long: the mean sits right of most, the box does not."""
    minutes = [12.0, 15.0, 18.0, 20.0, 25.0, 30.0, 35.0, 45.0, 60.0, 2880.0, None]
    found = spread(minutes)
    assert found is not None
    assert (found.count, found.low, found.high) == (10, 12.0, 2880.0)
    assert (found.p10, found.p25, found.median, found.p75, found.p90) == (12.0, 18.0, 27.5, 45.0, 60.0)
    assert spread([None]) is None and spread([]) is None
    one = spread([7.0])
    assert one is not None and one.p10 == one.median == one.p90 == 7.0


def test_mttr_spread_by_severity_counts_the_days_given() -> None:
    records = [
        record("A", "2025-02-28T23:00:00Z", severity="SEV-1", resolved_at="2025-03-01T01:00:00Z"),
        record("B", "2025-03-01T00:00:00Z", severity="SEV-1", resolved_at="2025-03-01T00:30:00Z"),
        record("C", "2025-03-31T10:00:00Z", severity="SEV-2", resolved_at="2025-03-31T11:00:00Z"),
        record("D", "2025-04-01T00:00:00Z", severity="SEV-2", resolved_at="2025-04-01T09:00:00Z"),
        record("E", "2025-03-10T00:00:00Z", severity="SEV-3"),  # not resolved
    ]
    figures = incident_figures(records, 90)
    found = mttr_spread_by_severity(
        records, figures, ["SEV-1", "SEV-2", "SEV-3"], D(2025, 3, 1), D(2025, 3, 31)
    )
    assert list(found) == ["SEV-1", "SEV-2", "SEV-3"]
    sev1, sev2 = found["SEV-1"], found["SEV-2"]
    assert sev1 is not None and (sev1.count, sev1.median) == (1, 30.0)
    assert sev2 is not None and (sev2.count, sev2.median) == (1, 60.0)
    assert found["SEV-3"] is None


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (D(2026, 11, 20), ("2026-11", 20, 30, "2026-10", D(2026, 10, 1), D(2026, 10, 20))),
        (D(2026, 11, 1), ("2026-11", 1, 30, "2026-10", D(2026, 10, 1), D(2026, 10, 1))),
        # The month before is shorter than the days elapsed: it is compared whole.
        (D(2026, 3, 30), ("2026-03", 30, 31, "2026-02", D(2026, 2, 1), D(2026, 2, 28))),
        (D(2024, 3, 29), ("2024-03", 29, 31, "2024-02", D(2024, 2, 1), D(2024, 2, 29))),
        (D(2026, 1, 15), ("2026-01", 15, 31, "2025-12", D(2025, 12, 1), D(2025, 12, 15))),
        # A month's last day closes it (windows end at the end of as_of's day).
        (D(2026, 11, 30), None),
        (D(2024, 2, 29), None),
        (D(2026, 12, 31), None),
    ],
)
def test_running_month_and_the_days_it_is_compared_on(
    as_of: dt.date, expected: tuple[object, ...] | None
) -> None:
    found = running_month(as_of)
    if expected is None:
        assert found is None
    else:
        assert found is not None
        assert (
            found.month,
            found.days,
            found.month_days,
            found.previous,
            found.previous_first,
            found.previous_last,
        ) == expected


def test_period_figures_count_the_first_days_as_a_month_counts_its_own() -> None:
    """October's first 20 days against November to the 20th: incidents, MTTR and repeats of the
    incidents started in those days; items created with them, completed and due in them."""
    records = [
        record(
            "A",
            "2026-10-03T00:00:00Z",
            severity="SEV-1",
            resolved_at="2026-10-03T01:00:00Z",
            contributing_factors=["x"],
            action_items=[
                item("due in the days", "2026-10-15", "done", "2026-10-10"),
                item("due later", "2026-10-25"),
            ],
        ),
        record(
            "B",
            "2026-10-20T23:59:00Z",
            severity="SEV-2",
            resolved_at="2026-10-21T02:59:00Z",
            contributing_factors=["x"],
        ),
        record("C", "2026-10-21T00:00:00Z", severity="SEV-2", resolved_at="2026-10-21T10:00:00Z"),
        record("D", "2026-11-05T00:00:00Z", severity="SEV-2", resolved_at="2026-11-05T00:10:00Z"),
    ]
    figures = incident_figures(records, 90)
    as_of = D(2026, 11, 20)
    first = period_figures(records, figures, ["SEV-1", "SEV-2"], D(2026, 10, 1), D(2026, 10, 20), as_of)
    assert first["incidents"] == 2 and first["incidents_by_severity"] == {"SEV-1": 1, "SEV-2": 1}
    assert first["mttr_minutes_median"] == 120.0 and first["mttr_minutes_p90"] == 180.0
    assert first["repeat_incidents"] == 1 and first["repeat_rate"] == 0.5
    assert first["action_items_created"] == 2 and first["action_items_completed"] == 1
    assert first["action_items_due"] == 1 and first["action_item_completion_rate"] == 1.0
    # The whole month is exactly its row of the monthly report.
    rows = {r["month"]: r for r in monthly_report(records, figures, ["SEV-1", "SEV-2"], as_of)}
    whole = period_figures(records, figures, ["SEV-1", "SEV-2"], D(2026, 10, 1), D(2026, 10, 31), as_of)
    assert {"month": "2026-10", **whole} == rows["2026-10"]
    so_far = period_figures(records, figures, ["SEV-1", "SEV-2"], D(2026, 11, 1), D(2026, 11, 30), as_of)
    assert {"month": "2026-11", **so_far} == rows["2026-11"]
