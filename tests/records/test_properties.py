"""Property-based tests: whatever a file holds, reading it gives a record or our own problems,
never an exception; and what the validator accepts survives a round trip through the JSON."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import markdown
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from postmortems.insight.knowledge import build_knowledge
from postmortems.insight.loop import build_loop
from postmortems.insight.scoring import load_model
from postmortems.records.archive import build_archive, read_file
from postmortems.records.model import FIELDS, Problem
from postmortems.records.modernization import default_rubric, loop_files, read_loop_files
from postmortems.records.parse import load_yaml, split_front_matter
from postmortems.records.sanitize import clean, needs_cleaning
from postmortems.records.validate import OUT_OF_FIGURES, Rules
from postmortems.site.export import api_makers
from postmortems.site.loop_export import loop_makers
from strategies import files

RULES = Rules(as_of=dt.date(2026, 11, 20))
MODEL = load_model()


def _reject(name: str) -> None:
    raise AssertionError(f"non-standard JSON constant {name}")


KEYS = [*FIELDS, "x"]  # every field, and one the schema does not know

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True),
    st.text(max_size=30),
    st.dates(),
    st.datetimes(timezones=st.none() | st.just(dt.timezone.utc)),
    st.sampled_from(["SEV-1", "P2", "final", "draft", "payments-api", "2025-03-15T14:23:00Z", "../x", "é"]),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from([*KEYS, "name", "title", "due"]), inner, max_size=4)
    ),
    max_leaves=12,
)
VALID: dict[str, Any] = {
    "id": "INC-2025-001",
    "title": "T",
    "status": "review",
    "severity": "SEV-2",
    "services": ["payments-api"],
    "started_at": "2025-03-15T14:23:00Z",
    "resolved_at": "2025-03-15T15:00:00Z",
}
# Mostly-valid records with any field replaced by anything: the validator's interesting region.
fronts = st.builds(
    lambda base, extra: {**base, **extra},
    st.fixed_dictionaries({}, optional={k: st.just(v) for k, v in VALID.items()}),
    st.dictionaries(st.sampled_from(KEYS), values, max_size=6),
)


def _dump(front: dict[str, Any]) -> str | None:
    try:
        return yaml.safe_dump(front, allow_unicode=True)
    except yaml.YAMLError:
        return None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(front=fronts, body=st.text(max_size=400))
def test_any_front_matter_gives_a_record_or_problems(front: dict[str, Any], body: str) -> None:
    dumped = _dump(front)
    text = f"---\n{dumped}---\n{body}" if dumped is not None else body
    entry, problems = read_file("p.md", text.encode("utf-8", "surrogatepass"), RULES, 1 << 20)
    assert all(isinstance(p, Problem) and p.path == "p.md" for p in problems)
    if entry.record is None:
        assert any(p.level == "error" for p in problems) or not text.strip()
    else:
        record = entry.record
        assert record.started_at.tzinfo is not None
        times = [
            record.started_at,
            record.detected_at,
            record.acknowledged_at,
            record.mitigated_at,
            record.resolved_at,
        ]
        present = [t for t in times if t is not None]
        assert present == sorted(present)  # the validator never lets a negative duration through
        kb = build_knowledge(
            [record],
            None,
            as_of=RULES.as_of or dt.date.today(),
            severities=RULES.severities,
            repeat_window_days=90,
            model=MODEL,
        )
        loop = build_loop(kb, [], default_rubric(), None)
        for name, make in {**api_makers(kb), **loop_makers(kb, loop, "https://x.example/")}.items():
            content = make()
            if name.endswith(".json"):
                json.loads(content, parse_constant=_reject)  # strict JSON: no NaN or Infinity


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(text=files)
def test_front_matter_written_by_hand_gives_problems_on_its_lines_never_an_exception(text: str) -> None:
    """Bare values as people type them: impossible dates, huge numbers, lying tags, deep nesting."""
    entry, problems = read_file("pm/p.md", text.encode("utf-8"), RULES, 1 << 22)
    lines = text.count("\n") + 1
    for problem in problems:
        assert isinstance(problem, Problem) and problem.path == "pm/p.md"
        assert problem.line is None or 1 <= problem.line <= lines
        assert not problem.message.startswith("internal error"), problem.message  # no bug of ours was hit
    if entry.body is None:  # not text (a NUL byte): reported, not published
        assert any(p.level == "error" and p.line is None for p in problems)
    elif entry.record is None:  # its page is published; the error says it is not counted
        assert any(p.level == "error" and p.message.endswith(OUT_OF_FIGURES) for p in problems), problems


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=600))
def test_any_bytes_never_raise(data: bytes) -> None:
    archive = build_archive([("p.md", data), ("q.md", b"---\n" + data)], RULES, None)
    for entry in archive.entries.values():
        if entry.record is None:
            assert any(p.path == entry.path and p.level == "error" for p in archive.problems)


@settings(max_examples=200, deadline=None)
@given(body=st.text(alphabet=st.sampled_from("|-#`~ \n:abc123"), max_size=500))
def test_bodies_with_table_and_fence_noise_never_raise(body: str) -> None:
    text = (
        "---\nid: A-1\ntitle: t\nstatus: draft\nseverity: SEV-1\nservices: [a]\nstarted_at: 2025-01-01\n---\n"
    )
    entry, problems = read_file(
        "p.md", (text + "## Action Items\n" + body + "\n## Timeline\n" + body).encode(), RULES, 1 << 20
    )
    assert entry.record is not None
    for problem in problems:
        assert problem.line is None or problem.line >= 1


MARKDOWN_PIECES = st.sampled_from(
    [
        "[a](javascript:alert(1))",
        "[a](JaVaScRiPt:x)",
        "<script>x</script>",
        "<img src=x onerror=y>",
        "text",
        '{: onclick="x" }',
        "&#106;avascript:x",
        "[r]: data:text/html,x",
        "`code`",
        "| a | b |",
        "\n",
        "# h",
        "*e*",
        "<https://x>",
        "![i](vbscript:x)",
        "[l](../x.md)",
        "- item",
        "```\n<b>\n```",
    ]
)


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(MARKDOWN_PIECES, max_size=8))
def test_skipping_the_sanitizer_is_only_done_when_it_would_change_nothing(pieces: list[str]) -> None:
    """The fast path (no cleaning when the source has nothing risky) must never skip real work."""
    source = " ".join(pieces)
    html = markdown.markdown(source, extensions=["tables", "attr_list", "admonition"])
    if not needs_cleaning(source):
        assert clean(html) == html
        assert "javascript" not in html.lower() and "onerror" not in html and "onclick" not in html


RISKY = re.compile(r"[<{&]|script:|data:", re.IGNORECASE)


@settings(max_examples=500)
@given(source=st.text(alphabet="scriptdaSCRIPTDA:<{&x \u0130\u0131\u017f\u0307\u212a", max_size=24))
def test_the_sanitizer_fast_path_flags_whatever_a_case_blind_search_flags(source: str) -> None:
    """needs_cleaning uses substring tests for speed: never fewer hits than the regex it replaced."""
    if RISKY.search(source):
        assert needs_cleaning(source)


def _front_matter_by_lines(text: str) -> tuple[str | None, int, int]:
    """The plain line-by-line reading split_front_matter must agree with (its first version)."""
    lines = text.split("\n")
    if not text.startswith("---") or len(lines) == 1 or lines[0][3:].strip():
        return None, 0, 1
    for number, line in enumerate(lines[1:], start=2):
        if line.rstrip() in ("---", "..."):
            return "\n".join(lines[1 : number - 1]) + ("\n" if number > 2 else ""), 2, number + 1
    return "\n".join(lines[1:]), 2, 0


FRONT_PIECES = st.sampled_from(
    ["---", "...", "--- ", "...\t", "----", "-- -", "a: 1", " ---", "x", "\u3000", "\n"]
)


@settings(max_examples=500)
@given(pieces=st.lists(FRONT_PIECES, max_size=12))
def test_front_matter_closes_at_the_first_closing_line(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert split_front_matter(text) == _front_matter_by_lines(text)


yaml_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.dates()
    | st.datetimes(timezones=st.just(dt.timezone.utc)),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8) | st.integers(), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(value=st.dictionaries(st.text(max_size=10), yaml_values, max_size=6), flow=st.booleans())
def test_front_matter_loads_as_pyyaml_safe_load_does(value: dict[str, Any], flow: bool) -> None:
    source = yaml.safe_dump(value, default_flow_style=flow, allow_unicode=True)
    data, lines, _problems = load_yaml("p.md", source, 2)
    assert data == yaml.safe_load(source)
    assert set(lines) >= {(str(key),) for key in data}


LOOP_KEYS = ["decisions", "levels", "targets", "period_days", "service", "factor", "decision", "decided_on",
             "epic", "owner", "review_on", "status", "done_on", "budget_days", "target_maturity", "criteria",
             "id", "name", "change", "at_least", "at_most", "repeat_rate", "postmortems_on_time"]  # fmt: skip
loop_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(LOOP_KEYS), inner, max_size=5)
    ),
    max_leaves=16,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(decisions=loop_values, rubric=loop_values, targets=loop_values, raw=st.binary(max_size=80))
def test_the_loops_files_never_raise(decisions: Any, rubric: Any, targets: Any, raw: bytes) -> None:
    """Whatever the decisions, rubric and targets files hold, reading them gives values and
    problems of the file, and the loop and its JSON are computed from them."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "modernization").mkdir()
        for name, value in (("prioritized", decisions), ("maturity", rubric), ("targets", targets)):
            dumped = _dump(value if isinstance(value, dict) else {"decisions": value})
            (root / "modernization" / f"{name}.yaml").write_bytes(
                dumped.encode() if dumped is not None else raw
            )
        inputs = read_loop_files(
            loop_files(folder, None, None, None),
            window_days=90,
            as_of=RULES.as_of,
            services=["a"],
            factors=["f"],
        )
    assert all(isinstance(p, Problem) and p.path.startswith("modernization/") for p in inputs.problems)
    assert inputs.rubric.levels
    record = read_file("p.md", (("---\n" + yaml.safe_dump(VALID) + "---\n").encode()), RULES, 1 << 20)[
        0
    ].record
    assert record is not None
    kb = build_knowledge([record], None, as_of=RULES.as_of or dt.date.today(), severities=RULES.severities,
                         repeat_window_days=90, model=MODEL)  # fmt: skip
    loop = build_loop(kb, inputs.decisions, inputs.rubric, inputs.targets)
    for make in loop_makers(kb, loop, "").values():
        json.loads(make(), parse_constant=_reject)
