"""Dates, times and durations as people write them, and why one is not on the calendar.

Two jobs. For the front matter: a value that looks like an ISO 8601 date or time but names no
real moment (`2025-02-30`, `2025-13-01`, `T25:00`) gets a message that says what is wrong
("February has no day 30"), not Python's "day is out of range for month". For the legacy
header: the dates (`October 5, 2025`, `5 Oct 2025`, `2025/10/05`) and durations (`1h 35m`,
`1 hour 35 minutes`, `1:35`, `95 min`) teams write, read exactly or not at all: a value that
could be read two ways (`05/10/2025`, two separate amounts) is refused with the reason, never
guessed.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
import re
from dataclasses import dataclass

MONTHS = tuple(calendar.month_name[1:])
_MONTH_NUMBERS = {
    **{name.lower(): number for number, name in enumerate(MONTHS, start=1)},
    **{name.lower()[:3]: number for number, name in enumerate(MONTHS, start=1)},
    "sept": 9,
}
_WEEKDAYS = {name.lower(): number for number, name in enumerate(calendar.day_name)}
_WEEKDAYS.update({name[:3]: number for name, number in list(_WEEKDAYS.items())})

UTC = dt.timezone.utc


# --------------------------------------------------------------------------- the calendar


def calendar_error(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> str | None:
    """Why these numbers name no moment ("February has no day 30"), or None when they do."""
    if not 1 <= year <= 9999:
        return f"there is no year {year} here: years run from 0001 to 9999"
    if not 1 <= month <= 12:
        return f"there is no month {month}: months run from 01 to 12"
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        if month == 2 and day == 29:
            return f"February {year} has no day 29: {year} is not a leap year"
        return f"{MONTHS[month - 1]} has no day {day}: it has {last} days"
    if not 0 <= hour <= 23:
        return f"there is no hour {hour}: hours run from 00 to 23"
    if not 0 <= minute <= 59:
        return f"there is no minute {minute}: minutes run from 00 to 59"
    if not 0 <= second <= 59:
        return f"there is no second {second}: seconds run from 00 to 59"
    return None


_ISO_LIKE = re.compile(
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:(?:[Tt]|[ \t]+)(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.\d*)?)?"
    r"(?:[ \t]*(?:[Zz]|([+-])(\d{1,2})(?::?(\d{2}))?))?)?\s*$"
)


# The days a build may be "as of": every window and period is counted back from it (ten years
# of targets' periods twice over, the report's months), and those days must be on the calendar.
AS_OF_RANGE = (dt.date(1900, 1, 1), dt.date(9000, 12, 31))


def option_date(value: object) -> dt.date | None:
    """The `as_of` option as the plugin and the command line read it: a date (a datetime's date),
    YYYY-MM-DD text, or None when it is not set. A text that is no date, or a day outside
    AS_OF_RANGE, raises ValueError whose text says what is wrong with the value ("is not a date:
    February has no day 30: …"), to follow the value in a message."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if value is None:
        return None
    if isinstance(value, str):
        text = value
        try:
            value = dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError("is not a date: " + (iso_error(text) or "write it as YYYY-MM-DD")) from None
    if not isinstance(value, dt.date):
        raise TypeError(type(value).__name__)
    if not AS_OF_RANGE[0] <= value <= AS_OF_RANGE[1]:
        raise ValueError(f"is out of range: as_of must be between {AS_OF_RANGE[0]} and {AS_OF_RANGE[1]}")
    return value


def iso_error(text: str) -> str | None:
    """Why an ISO 8601-looking date or time names no moment, or None (it does, or is no ISO text)."""
    match = _ISO_LIKE.match(text)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups()[:6])
    why = calendar_error(year, month, day, hour, minute, second)
    if why is not None:
        return why
    sign, off_hours, off_minutes = match.group(7), match.group(8), match.group(9)
    if sign and (int(off_hours) > 23 or int(off_minutes or 0) > 59):
        offset = f"{sign}{off_hours}:{off_minutes or '00'}"
        return f"{offset} is not a timezone offset: they run from -23:59 to +23:59"
    return None


def not_on_calendar(text: str) -> str | None:
    """Why a date or time names no moment, whether written as ISO 8601 (`2025-02-30`) or as
    people write it (`February 30, 2025`, `30 Feb 2025 14:23 UTC`): the reason `migrate` gives,
    so the build and `postmortems validate` say the same of a legacy Date. None when it does
    name one, or is no date at all."""
    why = iso_error(text)
    if why is not None:
        return why
    return read_date(text).off_calendar


# --------------------------------------------------------------------------- human dates

OFF_CALENDAR = "is not on the calendar: "  # how every message about such a date begins


@dataclass(frozen=True)
class Reading:
    """What a date, time or duration as written was read as; `value` None means not read, and
    `note` says why. A `note` beside a value says how it was read, for the person to check."""

    value: object
    note: str | None = None
    off_calendar: str | None = None  # why the date names no moment ("February has no day 30")


def _off_calendar(wrong: str) -> Reading:
    return Reading(None, OFF_CALENDAR + wrong, off_calendar=wrong)


_ORDINAL = r"(\d{1,2})(?:st|nd|rd|th)?"
_MONTH_WORD = r"([A-Za-z]{3,9})\.?"
_TIME = re.compile(
    r"(?:^|[\sT,@]|\bat\s)(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([A-Za-z]{1,5}|[+-]\d{2}:?\d{2})?\s*$"
)
_DATE_FORMS = (
    ("ymd", re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")),
    ("mdy", re.compile(rf"^{_MONTH_WORD}\s+{_ORDINAL},?\s+(\d{{4}})$")),
    ("dmy", re.compile(rf"^{_ORDINAL}(?:\s+of)?[\s-]+{_MONTH_WORD}[\s,-]+(\d{{4}})$")),
    ("numeric", re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")),
)
_UTC_NAMES = {"utc", "gmt", "z"}


def _weekday(text: str) -> tuple[int | None, str]:
    """A leading weekday name ("Sunday, ") and the rest of the text."""
    match = re.match(r"^([A-Za-z]+)\.?,?\s+(?=\S)", text)
    if match and match.group(1).lower() in _WEEKDAYS:
        return _WEEKDAYS[match.group(1).lower()], text[match.end() :]
    return None, text


def _day(form: str, groups: tuple[str, ...]) -> tuple[int, int, int] | str:
    """(year, month, day) of a matched date form, or why it cannot be read."""
    if form == "ymd":
        return int(groups[0]), int(groups[1]), int(groups[2])
    if form == "numeric":
        first, second, year = (int(g) for g in groups)
        if first > 12 and second > 12:
            return f"is not a date: neither {first} nor {second} is a month"
        if first > 12 or first == second:
            return year, second, first
        if second > 12:
            return year, first, second
        return f"is ambiguous: it could be {MONTHS[second - 1]} {first} or {MONTHS[first - 1]} {second}"
    if form == "mdy":
        month_word, day_text, year_text = groups
    else:
        day_text, month_word, year_text = groups
    month = _MONTH_NUMBERS.get(month_word.lower())
    if month is None:
        return f"is not a date: '{month_word}' is not a month"
    return int(year_text), month, int(day_text)


def read_date(text: str) -> Reading:
    """A date, or a date and time, as people write them: the value is a `dt.date`, or a
    `dt.datetime` in UTC when a time is given. The note (to follow the text as written) says how
    it was read when it was not plain ISO 8601, or why it could not be."""
    raw = " ".join(text.split())
    if not raw:
        return Reading(None, "is empty")
    moment: tuple[int, int, int] | None = None
    rest = raw
    time_match = _TIME.search(raw)
    if time_match is not None:
        rest = raw[: time_match.start()].rstrip(" ,T@").removesuffix(" at").rstrip(" ,")
    weekday, rest = _weekday(rest)
    why = "write it as YYYY-MM-DD"
    for form, pattern in _DATE_FORMS:
        match = pattern.match(rest)
        if match is None:
            continue
        found = _day(form, match.groups())
        if isinstance(found, str):
            return Reading(None, f"{found}; write it as YYYY-MM-DD")
        wrong = calendar_error(*found)
        if wrong is not None:
            return _off_calendar(wrong)
        moment = found
        plain = form == "ymd" and "-" in rest
        break
    else:
        return Reading(None, f"is not a date this reader knows: {why}")
    day = dt.date(*moment)
    notes = []
    if weekday is not None and weekday != day.weekday():
        said, real = calendar.day_name[weekday], calendar.day_name[day.weekday()]
        notes.append(f"it says {said} but {day.isoformat()} is a {real}: check it")
    if time_match is None:
        if not plain:
            notes.insert(0, f"read as {day.isoformat()}")
        return Reading(day, "; ".join(notes) or None)
    hours, minutes, seconds = (int(g) if g else 0 for g in time_match.groups()[:3])
    zone = time_match.group(4)
    wrong = calendar_error(*moment, hours, minutes, seconds)
    if wrong is not None:
        return _off_calendar(wrong)
    if zone and zone.lower() not in _UTC_NAMES:
        return Reading(None, f"is in {zone}, not UTC: write the time in UTC")
    value = dt.datetime(*moment, hours, minutes, seconds, tzinfo=UTC)
    notes.insert(0, f"read as {value:%Y-%m-%dT%H:%M:%SZ}" + ("" if zone else " (no timezone: UTC)"))
    return Reading(value, "; ".join(notes))


# --------------------------------------------------------------------------- durations

# Zone names a time range may carry besides the UTC ones: common abbreviations, in capitals only,
# so that a word after a time ("2:00 pm", "15:10 and then", "ist") is never taken for a zone.
_ZONE_NAMES = (
    "CET", "CEST", "WET", "WEST", "EET", "EEST", "MSK", "BST", "IST", "JST", "KST", "SGT", "HKT",
    "AEST", "AEDT", "ACST", "AWST", "NZST", "NZDT",
    "EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT", "AKST", "AKDT", "HST",
)  # fmt: skip
# A time zone after a time of a range: a UTC name (any case), a known abbreviation or an offset.
_ZONE = (
    r"(?:\s*((?i:" + "|".join(sorted(_UTC_NAMES, key=len, reverse=True)) + ")"
    + "".join("|" + name for name in sorted(_ZONE_NAMES, key=len, reverse=True))
    + r"|[+-]\d{2}:?\d{2})\b)?"
)  # fmt: skip
# `14:23 – 15:10 UTC`, `14:23–15:10`, `from 14:23 to 15:10 GMT`, `14:23 UTC – 15:10 UTC`.
_RANGE = re.compile(rf"(\d{{1,2}}):(\d{{2}}){_ZONE}\s*(?:[–—-]|to|until)\s*(\d{{1,2}}):(\d{{2}}){_ZONE}")
_UNITS = {
    "d": 1440, "day": 1440, "days": 1440,
    "h": 60, "hr": 60, "hrs": 60, "hour": 60, "hours": 60,
    "m": 1, "min": 1, "mins": 1, "minute": 1, "minutes": 1,
    "s": 1 / 60, "sec": 1 / 60, "secs": 1 / 60, "second": 1 / 60, "seconds": 1 / 60,
}  # fmt: skip
_AMOUNT = re.compile(
    r"(\d+(?:[.,]\d+)?)\s*(" + "|".join(sorted(_UNITS, key=len, reverse=True)) + r")(?![a-z])", re.I
)
_CLOCK = re.compile(r"(?<![\d:])(\d{1,3}):([0-5]\d)(?::([0-5]\d))?(?![\d:])")
_JOINERS = re.compile(r"^[\s,+&]*(?:and)?[\s,+&]*$", re.I)


@dataclass(frozen=True)
class Duration:
    """A Duration header read: its length in minutes and its time range, each when given."""

    minutes: float | None
    start: tuple[int, int] | None = None  # (hour, minute), UTC
    end: tuple[int, int] | None = None


def _amount(text: str, unit: str | None) -> float | str | None:
    """Minutes of an amount such as '1h 35m', '1 hour and 35 minutes', '1:35', '95 min'; None
    when the text holds no amount; a reason when it holds numbers that cannot be read as one."""
    parts = list(_AMOUNT.finditer(text))
    if parts:
        between = [text[a.end() : b.start()] for a, b in itertools.pairwise(parts)]
        if not all(_JOINERS.match(gap) for gap in between):
            return "it holds more than one amount"
        units = [part.group(2).lower() for part in parts]
        if len({_UNITS[name] for name in units}) != len(units):
            return "it names the same unit twice"
        rest = text[: parts[0].start()] + text[parts[-1].end() :]
        if re.search(r"\d", rest):
            return "it holds numbers that are not part of the amount"
        return sum(float(part.group(1).replace(",", ".")) * _UNITS[part.group(2).lower()] for part in parts)
    clock = list(_CLOCK.finditer(text))
    if len(clock) == 1:
        rest = text[: clock[0].start()] + text[clock[0].end() :]
        if re.search(r"\d", rest):
            return "it holds numbers that are not part of the amount"
        hours, minutes, seconds = (int(g) if g else 0 for g in clock[0].groups())
        return hours * 60 + minutes + seconds / 60
    numbers = re.findall(r"\d+(?:[.,]\d+)?", text)
    if len(numbers) == 1 and unit is not None and not clock:
        return float(numbers[0].replace(",", ".")) * _UNITS[unit]
    if numbers:
        return "its numbers have no unit (write '95 minutes', '1h 35m' or '1:35')"
    return None


def read_duration(text: str, unit: str | None = None) -> Reading:
    """A Duration header: an amount, a time range (`14:23 – 15:10 UTC`), or both. The value is a
    `Duration`; a range in another timezone than UTC, or an amount that could be read two ways,
    is not read. `unit` is the one a label gives ("Duration (min)") to a bare number."""
    raw = " ".join(text.split())
    start = end = None
    rest = raw
    ranges = list(_RANGE.finditer(raw))
    if len(ranges) > 1:
        return Reading(None, "holds more than one time range")
    if ranges:
        match = ranges[0]
        hour1, minute1, zone1, hour2, minute2, zone2 = match.groups()
        h1, m1, h2, m2 = (int(g) for g in (hour1, minute1, hour2, minute2))
        for zone in (zone1, zone2):
            if zone and zone.lower() not in _UTC_NAMES:
                return Reading(None, f"has a time range in {zone}, not UTC: write it in UTC")
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            return Reading(None, "has a time range that is not a time of day: hours run from 00 to 23")
        start, end = (h1, m1), (h2, m2)
        rest = raw[: match.start()] + raw[match.end() :]
    amount = _amount(rest, unit)
    if isinstance(amount, str):
        return Reading(None, f"cannot be read as a duration: {amount}")
    if amount is None and start is None:
        return Reading(None, "is not a duration: write it as '47 minutes', '1h 35m' or '14:23 – 15:10 UTC'")
    note = None
    if amount is not None and start is not None and end is not None:
        span = ((end[0] * 60 + end[1]) - (start[0] * 60 + start[1])) % 1440
        if abs(span - amount) >= 1:
            note = (
                f"has a time range of {span} minutes but says {amount:g} minutes: the time range is used; "
                "check which is right"
            )
    return Reading(Duration(amount, start, end), note)


def shown_minutes(minutes: float) -> str:
    """'1 h 35 min' for a note: the reading a person can check against what they wrote."""
    whole = round(minutes)
    hours, rest = divmod(whole, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{rest} min"
