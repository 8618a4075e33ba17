"""Golden cases for reading files: bytes, front matter lines, sections, tables, legacy header."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from postmortems.records.legacy import parse_legacy_header, shown_body
from postmortems.records.parse import decode, load_yaml, parse_document, parse_table, split_row

UTC = dt.timezone.utc


def test_front_matter_keeps_the_file_line_of_every_key_and_list_item() -> None:
    text = "---\nid: INC-1\ntitle: T\nservices:\n  - a\n  - b\naction_items:\n  - title: x\n    due: 2025-01-01\n---\nbody\n"
    doc = parse_document("p.md", text)
    assert doc.front["services"] == ["a", "b"]
    assert doc.lines[("id",)] == 2
    assert doc.lines[("services", 1)] == 6
    assert doc.lines[("action_items", 0, "due")] == 9
    assert doc.body_line == 11
    assert doc.body == "body\n"


def test_yaml_error_names_the_file_line() -> None:
    doc = parse_document("p.md", "---\nid: INC-1\ntitle: [unclosed\nstatus: final\n---\n")
    assert doc.fatal
    (problem,) = doc.problems
    assert problem.level == "error" and problem.path == "p.md"
    assert problem.line in (3, 4, 5)
    assert "not valid YAML" in problem.message


def test_unclosed_front_matter_is_reported_on_line_one() -> None:
    doc = parse_document("p.md", "---\nid: INC-1\ntitle: T\n\n## Summary\n")
    assert doc.fatal
    assert doc.problems[0].line == 1
    assert "not closed" in doc.problems[0].message


def test_duplicate_keys_are_warned_about() -> None:
    doc = parse_document("p.md", "---\nid: A\nid: B\n---\n")
    assert doc.front["id"] == "B"
    assert [p.line for p in doc.problems] == [3]
    assert "given twice" in doc.problems[0].message


@pytest.mark.parametrize(
    "source",
    [
        "a: &x [1, 2]\nb: *x\n",  # an alias: the same list twice
        "base: &b {x: 1}\nmore:\n  <<: *b\n  y: 2\n",  # a merge key
        "s: !!set {a, b}\n",
        "o: !!omap [{a: 1}, {b: 2}]\n",
        "raw: !!binary aGVsbG8=\n",
        "1: one\n2010-01-02: date key\ntrue: yes\n~: null key\n",
        "when: 2025-03-01T10:00:00Z\nday: 2025-03-01\nf: 1.5e3\nn: .nan\nhex: 0x1F\nq: '1'\n",
        "? [a, b]\n: list key\n",
        "r: &r [*r]\n",  # recursive
    ],
)
def test_front_matter_values_are_what_pyyaml_safe_load_gives(source: str) -> None:
    """The direct constructor and its fall-back to PyYAML's give safe_load's value, or its error."""
    try:
        expected = yaml.safe_load(source)
    except yaml.YAMLError:
        data, _lines, problems = load_yaml("p.md", source, 2)
        assert data is None and "not valid YAML" in problems[0].message
        return
    data, lines, _problems = load_yaml("p.md", source, 2)
    if source.startswith("o:") or source.startswith("r:"):
        assert repr(data) == repr(expected)  # nan != nan; a recursive list has no ==
    else:
        assert data == expected or (source.startswith("when") and repr(data) == repr(expected))
    assert lines[()] == 2 and all(isinstance(line, int) for line in lines.values())


def test_custom_tags_are_an_error_with_the_file_line() -> None:
    data, _lines, problems = load_yaml("p.md", "id: !python/name:os.system x\n", 2)
    assert data is None and problems[0].line == 2 and "not valid YAML" in problems[0].message


def test_sections_by_heading_case_insensitive_with_aliases_and_fences() -> None:
    body = (
        "## SUMMARY\nshort\n\n## Customer impact\nusers\n\n```\n## Root Cause\nnot a heading\n```\n"
        "## Root cause\nthe cause\n### detail\nmore\n## Lessons Learned\nlearn\n"
    )
    doc = parse_document("p.md", "---\nid: A\n---\n" + body)
    assert set(doc.sections) == {"summary", "impact", "root_cause", "lessons_learned"}
    assert doc.sections["summary"].text == "short"
    assert "not a heading" in doc.sections["impact"].text  # the fenced heading stays in Impact
    assert doc.sections["root_cause"].text == "the cause\n### detail\nmore"
    assert doc.sections["root_cause"].line == 14


def test_table_rows_with_escaped_pipes_and_wrong_cell_counts() -> None:
    assert split_row("| a \\| b | c |") == ["a | b", "c"]
    doc = parse_document(
        "p.md",
        "---\nid: A\n---\n## Action Items\n\n| # | Action | Owner |\n|---|:---:|---|\n| 1 | x | @a |\n| 2 | y |\n"
        "| 3 | z | @c | extra |\n\nafter\n",
    )
    headers, rows, issues = parse_table(doc.sections["action_items"])
    assert headers == ["#", "Action", "Owner"]
    assert [r.cells["Action"] for r in rows] == ["x", "y", "z"]
    assert rows[1].cells["Owner"] == ""
    assert [line for line, _ in issues] == [9, 10]


def test_legacy_header_maps_fields_and_a_range_that_passes_midnight() -> None:
    text = (
        "# Postmortem: Payment Service Outage\n\n**Incident ID:** INC-2025-034\n**Date:** 2025-03-15\n"
        "**Severity:** SEV-1\n**Duration:** 95 minutes (23:10 – 00:45 UTC)\n"
        "**Services:** payments-api, api-gateway\n**Status:** Resolved\n\n## Summary\nx\n"
    )
    header = parse_legacy_header("p.md", text)
    assert header is not None
    fields, lines, consumed = header.fields, header.lines, header.consumed
    assert fields["id"] == "INC-2025-034"
    assert fields["title"] == "Payment Service Outage"
    assert fields["services"] == ["payments-api", "api-gateway"]
    assert fields["status"] == "final"
    assert fields["started_at"] == dt.datetime(2025, 3, 15, 23, 10, tzinfo=UTC)
    assert fields["resolved_at"] == dt.datetime(2025, 3, 16, 0, 45, tzinfo=UTC)
    assert lines[("severity",)] == 5
    assert consumed == [1, 3, 4, 5, 6, 7, 8]


def test_legacy_status_draft_and_review_stay() -> None:
    for status, expected in (("Draft", "draft"), ("REVIEW", "review"), ("Monitoring", "final")):
        text = f"# T\n**Incident ID:** X-1\n**Date:** 2025-01-01\n**Status:** {status}\n"
        header = parse_legacy_header("p.md", text)
        assert header is not None and header.fields["status"] == expected


def test_decode_bom_crlf_binary_invalid_utf8_and_size() -> None:
    text, problems = decode("p.md", b"\xef\xbb\xbf---\r\nid: A\r\n---\r\n", 1000)
    assert text == "---\nid: A\n---\n" and not problems
    assert decode("p.md", b"abc\x00def", 1000)[0] is None
    text, problems = decode("p.md", b"line1\nline2 \xff\n", 1000)
    assert text is None and problems[0].line == 2 and "UTF-8" in problems[0].message
    text, problems = decode("p.md", b"x" * 2000, 1000)
    assert text is None and "limit" in problems[0].message


TEAM_TEMPLATE = """\
# Incident: Checkout down on Sunday

**Incident ID:** INC-2025-041
**Date:** October 5, 2025
**Severity:** P2
**Duration:** 1 hour 35 minutes
**Services Affected:** payments-api, checkout
**Status:** Resolved
**Incident Commander:** @maya
**Reported by:** Customer support
**Root cause:** An expired TLS certificate on the PSP's gateway.
**Published:** 2025/10/09

## Summary

Checkout was down.
"""


def test_legacy_header_synonyms_human_dates_and_a_root_cause_line() -> None:
    doc = parse_document("p.md", TEAM_TEMPLATE)
    header = doc.header
    assert header is not None and doc.legacy
    assert header.fields["services"] == ["payments-api", "checkout"]
    assert header.lines[("services",)] == 7
    assert header.fields["started_at"] == dt.date(2025, 10, 5)
    assert header.fields["resolved_at"] == dt.datetime(
        2025, 10, 5, 1, 35, tzinfo=UTC
    )  # from 00:00, as documented
    assert header.fields["published_at"] == dt.date(2025, 10, 9)
    assert header.consumed == [1, 3, 4, 5, 6, 7, 8, 11, 12]  # not the commander's nor the reporter's line
    assert doc.sections["root_cause"].text == "An expired TLS certificate on the PSP's gateway."
    assert doc.sections["root_cause"].line == 11
    notes = {(n.level, n.line, n.message) for n in header.notes}
    assert ("info", 4, "'Date: October 5, 2025' read as 2025-10-05") in notes
    assert (
        "info",
        9,
        "'Incident Commander': the format has no field for the incident commander (the line stays in the body)",
    ) in notes
    # The plugin logs the readings a person should check; migrate shows every note.
    assert [(p.level, p.line, p.message) for p in doc.problems] == [
        ("info", 4, "'Date: October 5, 2025' read as 2025-10-05"),
        ("info", 12, "'Published: 2025/10/09' read as 2025-10-09"),
    ]


@pytest.mark.parametrize(
    ("date", "duration", "started", "resolved", "problem"),
    [
        ("2025-10-05", "95 minutes (23:10 – 00:45 UTC)", "2025-10-05T23:10", "2025-10-06T00:45", None),
        ("2025-10-05 14:00 UTC", "1h 35m", "2025-10-05T14:00", "2025-10-05T15:35", None),
        (
            "2025-10-05",
            "about an hour",
            "2025-10-05",
            None,
            "'Duration: about an hour' is not a duration: write it as '47 minutes', '1h 35m' or '14:23 – 15:10 "
            "UTC': resolved_at is not set (the line stays in the body)",
        ),
        (
            "2025-10-05",
            "50 minutes (14:23 – 15:10 UTC)",
            "2025-10-05T14:23",
            "2025-10-05T15:10",
            "'Duration: 50 minutes (14:23 – 15:10 UTC)' has a time range of 47 minutes but says 50 minutes: the "
            "time range is used; check which is right",
        ),
    ],
)
def test_legacy_times_never_lose_minutes(
    date: str, duration: str, started: str, resolved: str | None, problem: str | None
) -> None:
    text = f"# T\n**Incident ID:** X-1\n**Date:** {date}\n**Duration:** {duration}\n"
    doc = parse_document("p.md", text)
    fields = doc.front
    shown = fields["started_at"].isoformat()[: len(started)]
    assert shown == started
    assert (fields.get("resolved_at") and fields["resolved_at"].isoformat()[:16]) == resolved
    assert [p.message for p in doc.problems if p.level == "warning"] == ([problem] if problem else [])
    assert all(p.line == 4 for p in doc.problems if p.level == "warning")


def test_a_legacy_body_as_shown_has_no_title_or_fields_and_keeps_each_other_line_apart() -> None:
    text = (
        "# Postmortem: Payment <b>Service</b> Outage\n"
        "\n"
        "**Incident ID:** INC-2025-034\n"
        "**Date:** 2025-03-15\n"
        "**Incident Commander:** @maya\n"
        "**Scribe:** @tom\n"
        "**Severity:** SEV-1\n"
        "**Root cause:** A pool ran dry.\n"
        "**Services:** payments-api\n"
        "\n"
        "## Summary\n"
        "\n"
        "It broke.\n"
        "**Bold:** in the body stays as written\n"
        "next line\n"
    )
    header = parse_legacy_header("p.md", text, {"summary"})
    assert header is not None
    assert shown_body(text, header) == (
        "**Incident Commander:** @maya  \n"
        "**Scribe:** @tom\n"
        "\n"
        "## Root cause\n"
        "\n"
        "A pool ran dry.\n"
        "\n"
        "## Summary\n"
        "\n"
        "It broke.\n"
        "**Bold:** in the body stays as written\n"
        "next line\n"
    )
