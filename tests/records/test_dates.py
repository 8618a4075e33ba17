"""Dates and durations as teams write them in legacy headers: read exactly, or refused with the
reason, never guessed; and what is wrong with a date that is not on the calendar."""

from __future__ import annotations

import datetime as dt

import pytest
from postmortems.records.dates import (
    Duration,
    calendar_error,
    iso_error,
    option_date,
    read_date,
    read_duration,
)

UTC = dt.timezone.utc


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("47 minutes", 47),
        ("1h 35m", 95),
        ("1h35m", 95),
        ("1 hour 35 minutes", 95),
        ("1 hour and 35 minutes", 95),
        ("2 hours 10 minutes", 130),
        ("2 hours", 120),
        ("1.5 hours", 90),
        ("1:35", 95),
        ("95 min", 95),
        ("~40 mins of degraded checkout", 40),
        ("1 day 2 h", 1560),
    ],
)
def test_durations_in_every_common_form(text: str, minutes: float) -> None:
    reading = read_duration(text)
    assert reading == read_duration(text) and reading.note is None
    assert reading.value == Duration(minutes)


@pytest.mark.parametrize(
    ("text", "minutes", "start", "end"),
    [
        ("47 minutes (14:23 – 15:10 UTC)", 47, (14, 23), (15, 10)),
        ("1h 35m (23:10 - 00:45 UTC)", 95, (23, 10), (0, 45)),
        ("14:23–15:10", None, (14, 23), (15, 10)),
        ("from 09:00 to 10:30 GMT", None, (9, 0), (10, 30)),
        # A time zone after each time of the range, or after the last only, with or without spaces.
        ("1 hour 35 minutes (14:23 UTC – 15:58 UTC)", 95, (14, 23), (15, 58)),
        ("1 hour 35 minutes (14:23–15:58 UTC)", 95, (14, 23), (15, 58)),
        ("1 hour 35 minutes (14:23 UTC - 15:58 UTC)", 95, (14, 23), (15, 58)),
        ("95 min (14:23 UTC-15:58 UTC)", 95, (14, 23), (15, 58)),
        ("95 min (14:23Z – 15:58Z)", 95, (14, 23), (15, 58)),
        ("from 14:23 GMT until 15:58 GMT", None, (14, 23), (15, 58)),
        ("14:23 UTC to 15:58", None, (14, 23), (15, 58)),
        ("1h 35m (23:10 UTC – 00:45 UTC)", 95, (23, 10), (0, 45)),
        ("(14:23 – 15:58 h)", None, (14, 23), (15, 58)),  # one letter after a time is no zone
        # A word after a time that is no zone name stays out of the range, as before zones were read.
        ("1:00 to 2:00 in total", None, (1, 0), (2, 0)),
        ("14:23 - 15:10 and then 47 min", 47, (14, 23), (15, 10)),
        ("14:23 – 15:10 ist die Zeit", None, (14, 23), (15, 10)),
    ],
)
def test_durations_with_a_time_range(
    text: str, minutes: float | None, start: tuple[int, int], end: tuple[int, int]
) -> None:
    assert read_duration(text).value == Duration(minutes, start, end)


def test_a_range_that_disagrees_with_the_amount_is_used_with_a_note() -> None:
    reading = read_duration("50 minutes (14:23 – 15:10 UTC)")
    assert reading.value == Duration(50, (14, 23), (15, 10))
    assert (
        reading.note
        == "has a time range of 47 minutes but says 50 minutes: the time range is used; check which is right"
    )


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("about an hour", "is not a duration: write it as '47 minutes', '1h 35m' or '14:23 – 15:10 UTC'"),
        (
            "95",
            "cannot be read as a duration: its numbers have no unit (write '95 minutes', '1h 35m' or '1:35')",
        ),
        ("47 minutes, then 10 minutes", "cannot be read as a duration: it holds more than one amount"),
        ("2h 2h", "cannot be read as a duration: it names the same unit twice"),
        ("40 minutes (14:20 – 15:00 CET)", "has a time range in CET, not UTC: write it in UTC"),
        ("40 minutes (14:20 CET – 15:00 CET)", "has a time range in CET, not UTC: write it in UTC"),
        ("40 minutes (14:20 UTC – 15:00 CEST)", "has a time range in CEST, not UTC: write it in UTC"),
        ("40 minutes (14:20 PST - 15:00)", "has a time range in PST, not UTC: write it in UTC"),
        ("40 minutes (14:20 – 15:00 +02:00)", "has a time range in +02:00, not UTC: write it in UTC"),
        (
            "2:00 pm - 3:00 pm",
            "cannot be read as a duration: its numbers have no unit (write '95 minutes', '1h 35m' or '1:35')",
        ),
        ("14:00 – 15:00 and 16:00 – 17:00", "holds more than one time range"),
    ],
)
def test_a_duration_that_could_be_read_two_ways_is_refused(text: str, why: str) -> None:
    assert read_duration(text).value is None
    assert read_duration(text).note == why


def test_a_bare_number_takes_the_unit_of_its_label() -> None:
    assert read_duration("95", "minutes").value == Duration(95)
    assert read_duration("2", "hours").value == Duration(120)


@pytest.mark.parametrize(
    ("text", "value", "note"),
    [
        ("2025-10-05", dt.date(2025, 10, 5), None),
        ("October 5, 2025", dt.date(2025, 10, 5), "read as 2025-10-05"),
        ("5 Oct 2025", dt.date(2025, 10, 5), "read as 2025-10-05"),
        ("2025/10/05", dt.date(2025, 10, 5), "read as 2025-10-05"),
        ("Sunday, October 5th, 2025", dt.date(2025, 10, 5), "read as 2025-10-05"),
        ("5th of October 2025", dt.date(2025, 10, 5), "read as 2025-10-05"),
        ("Sept. 5 2025", dt.date(2025, 9, 5), "read as 2025-09-05"),
        ("25/10/2025", dt.date(2025, 10, 25), "read as 2025-10-25"),
        (
            "Monday, October 5, 2025",
            dt.date(2025, 10, 5),
            "read as 2025-10-05; it says Monday but 2025-10-05 is a Sunday: check it",
        ),
        (
            "October 5, 2025 14:23 UTC",
            dt.datetime(2025, 10, 5, 14, 23, tzinfo=UTC),
            "read as 2025-10-05T14:23:00Z",
        ),
        (
            "2025-10-05 14:23",
            dt.datetime(2025, 10, 5, 14, 23, tzinfo=UTC),
            "read as 2025-10-05T14:23:00Z (no timezone: UTC)",
        ),
    ],
)
def test_dates_in_common_human_forms_are_read_with_a_note(
    text: str, value: dt.date, note: str | None
) -> None:
    assert read_date(text).value == value
    assert read_date(text).note == note


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("05/10/2025", "is ambiguous: it could be October 5 or May 10; write it as YYYY-MM-DD"),
        ("Octobr 5, 2025", "is not a date: 'Octobr' is not a month; write it as YYYY-MM-DD"),
        ("2025-02-30", "is not on the calendar: February has no day 30: it has 28 days"),
        ("2025-10-05T14:23:00+02:00", "is in +02:00, not UTC: write the time in UTC"),
        ("last Tuesday", "is not a date this reader knows: write it as YYYY-MM-DD"),
    ],
)
def test_a_date_that_cannot_be_read_one_way_is_refused(text: str, why: str) -> None:
    assert read_date(text).value is None
    assert read_date(text).note == why


def test_what_is_wrong_with_a_date_that_is_not_on_the_calendar() -> None:
    assert calendar_error(2024, 2, 29) is None
    assert calendar_error(2025, 4, 31) == "April has no day 31: it has 30 days"
    assert calendar_error(2025, 1, 1, 12, 60) == "there is no minute 60: minutes run from 00 to 59"
    assert iso_error("2025-13-01T10:00:00Z") == "there is no month 13: months run from 01 to 12"
    assert iso_error("2025-03-15T14:23:00Z") is None  # a real moment
    assert iso_error("March 15") is None  # not ISO-like: the caller's generic message applies


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("2026-02-30", "is not a date: February has no day 30: it has 28 days"),
        ("next week", "is not a date: write it as YYYY-MM-DD"),
        # Every window and period is counted back from as_of: a day near year 1 once ended the
        # build in an OverflowError instead of this message.
        ("0001-01-10", "is out of range: as_of must be between 1900-01-01 and 9000-12-31"),
        (dt.date(9999, 12, 31), "is out of range: as_of must be between 1900-01-01 and 9000-12-31"),
    ],
)
def test_as_of_says_what_is_wrong_with_it(value: object, why: str) -> None:
    with pytest.raises(ValueError) as raised:
        option_date(value)
    assert str(raised.value) == why


def test_as_of_reads_dates_datetimes_and_text() -> None:
    assert option_date(None) is None
    assert option_date("2026-11-20") == dt.date(2026, 11, 20)
    assert option_date(dt.datetime(2026, 11, 20, 23, 59)) == dt.date(2026, 11, 20)
    with pytest.raises(TypeError):
        option_date(20261120)
