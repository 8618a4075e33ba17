"""The one duration style and the month labels the pages print."""

from __future__ import annotations

import math

import pytest
from postmortems.site.formats import duration, label, month_name, number


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (None, "–"),
        (math.nan, "–"),
        (-5, "–"),
        (0, "0 min"),
        (0.2, "< 1 min"),
        (45, "45 min"),
        (59.6, "1 h"),
        (95, "1 h 35 min"),
        (105, "1 h 45 min"),
        (38 * 60, "1 d 14 h"),
        (1440, "1 d"),
        (2 * 1440 + 3 * 60 + 20, "2 d 3 h"),
    ],
)
def test_duration_reads_in_one_style(minutes: float | None, text: str) -> None:
    assert duration(minutes) == text


def test_a_column_of_durations_never_mixes_decimals_in() -> None:
    for minutes in range(0, 5 * 1440, 7):
        shown = duration(minutes)
        assert "." not in shown and shown.split()[-1] in {"min", "h", "d"}, shown


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("2026-11", "November 2026"),
        ("1628-01", "January 1628"),
        ("2026-13", "2026-13"),
        (None, ""),
        ("soon", "soon"),
    ],
)
def test_month_names(key: str | None, text: str) -> None:
    assert month_name(key) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (858000.0, "858,000"),
        (2.5, "2.5"),
        (1 / 3, "0.33"),
        (False, "no"),
        (True, "yes"),
        (None, "–"),
        (7, "7"),
        ("high", "high"),
    ],
)
def test_raw_figures_read_as_numbers(value: object, text: str) -> None:
    assert number(value) == text


@pytest.mark.parametrize(
    ("slug", "text"),
    [
        ("slo_burn", "SLO burn"),
        ("blast_radius", "Blast radius"),
        ("ai_risk", "AI risk"),
        ("mttr", "MTTR"),
        ("bundle_with_existing", "Bundle with existing"),
        ("promote_to_epic", "Promote to epic"),
        ("connection-pool-exhaustion", "Connection pool exhaustion"),
        ("missing-index", "Missing index"),
        ("dns-ttl", "DNS TTL"),
        ("ai-code-cleanup", "AI code cleanup"),
        ("config-change", "Config change"),
        ("retry--storm_", "Retry storm"),
        ("x", "X"),
        ("-", "-"),
        ("", ""),
        (None, ""),
    ],
)
def test_slugs_read_as_names(slug: str | None, text: str) -> None:
    assert label(slug) == text
