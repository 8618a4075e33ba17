"""The files of the modernization loop, read like a postmortem: the decisions (§7), the maturity
rubric (§8) and the targets (§9). Each problem with its exact message, key and line; a bad
entry is left out and the others kept; a missing file means none (or the default rubric)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from helpers import front_matter_file
from postmortems.records.catalog import check_maturity, load_catalog
from postmortems.records.model import Problem
from postmortems.records.modernization import (
    check_decision_subjects,
    default_rubric,
    load_decisions,
    load_rubric,
    load_targets,
)
from postmortems.records.parse import parse_document
from postmortems.records.validate import Rules, validate

SHOWN = "modernization/prioritized.yaml"
AS_OF = dt.date(2026, 11, 20)


def decisions(tmp_path: Path, text: str, levels: tuple[str, ...] = ("bronze", "silver", "gold")):  # type: ignore[no-untyped-def]
    path = tmp_path / "prioritized.yaml"
    path.write_text(text, encoding="utf-8")
    return load_decisions(str(path), SHOWN, window_days=90, levels=levels, as_of=AS_OF)


def shown(problems: list[Problem]) -> list[str]:
    return [f"{p.location()}: {p.level}: {p.message}" for p in problems]


GOOD = """\
# Weekly review, 2026-11-13. The list's order is the approved priority.
decisions:
  - service: api-gateway
    decision: promote_to_epic
    decided_on: 2026-06-27
    epic: MOD-123
    title: "Gateway reliability: timeouts & retries"
    owner: "@platform-em"
    budget_days: 40
    target_maturity: silver
    status: in-progress
    approved_by: ["@cto"]
  - factor: retry-storm
    decision: bundle-with-existing     # dashes are fine
    decided_on: 2026-07-03
    epic: MOD-77
    owner: "@sre-lead"
  - service: search-service
    decision: hygiene
    decided_on: 2026-08-01
    review_on: 2026-09-01
"""


def test_a_good_file_is_read_in_order_with_defaults(tmp_path: Path) -> None:
    found, problems = decisions(tmp_path, GOOD)
    assert problems == []
    assert [d.subject for d in found] == ["api-gateway", "factor retry-storm", "search-service"]
    gateway, storm, search = found
    assert gateway.title == "Gateway reliability: timeouts & retries"
    assert gateway.budget_days == 40 and gateway.target_maturity == "silver"
    assert gateway.status == "in-progress" and gateway.approved_by == ("@cto",)
    assert gateway.review_on == dt.date(2026, 9, 25)  # decided_on + the scoring window (90 days)
    assert gateway.line == 3 and gateway.subject_line == 3
    assert storm.decision == "bundle_with_existing" and storm.status == "planned"
    assert storm.factor == "retry-storm" and storm.service is None and storm.subject_line == 13
    assert search.review_on == dt.date(2026, 9, 1) and search.epic is None


def test_a_missing_or_empty_file_means_no_decisions(tmp_path: Path) -> None:
    assert load_decisions(str(tmp_path / "nope.yaml"), SHOWN, window_days=90) == ([], [])
    assert decisions(tmp_path, "") == ([], [])
    assert decisions(tmp_path, "decisions: []\n") == ([], [])


BAD = """\
decisions:
  - service: api-gateway
    decision: promote_to_epic
    decided_on: 2026-06-27
    owner: "@platform-em"
  - service: payments-api
    decision: bundle_with_existing
    decided_on: 2026-06-27
    epic: MOD-9
  - service: checkout-web
    decision: promote
    decided_on: 2026-06-27
  - service: cart-service
    decision: hygiene
  - service: ledger-service
    factor: retry-storm
    decision: hygiene
    decided_on: 2026-06-27
  - decision: hygiene
    decided_on: 2026-06-27
  - just a string
  - service: search-service
    decision: rejected
    decided_on: 2026-07-10
    review_on: 2026-07-01
    status: finished
    budget_days: lots
    target_maturity: platinum
    ownr: "@x"
  - service: user-profile
    decision: hygiene
    decided_on: 2026-07-10
    status: done
  - service: notifications
    decision: hygiene
    decided_on: 2027-01-05
"""


def test_every_problem_names_line_key_and_fix_and_the_rest_is_kept(tmp_path: Path) -> None:
    found, problems = decisions(tmp_path, BAD)
    assert shown(problems) == [
        f"{SHOWN}:2: error: 'decisions.0.epic': is required for promote_to_epic: name the epic, e.g. "
        "epic: MOD-123",
        f"{SHOWN}:6: error: 'decisions.1.owner': is required for bundle_with_existing: name the DRI, "
        'e.g. owner: "@platform-em"',
        f"{SHOWN}:11: error: 'decisions.2.decision': 'promote' is not one of promote_to_epic, "
        "bundle_with_existing, hygiene, rejected (did you mean 'promote_to_epic'?)",
        f"{SHOWN}:13: error: 'decisions.3.decided_on': is required: the day of the review, e.g. 2025-06-27",
        f"{SHOWN}:16: error: 'decisions.4.factor': a decision is about a service or a contributing factor, "
        "not both: split it in two entries",
        f"{SHOWN}:19: error: 'decisions.5': says neither 'service' nor 'factor': name what was decided about "
        "(e.g. service: api-gateway, or factor: retry-storm for a platform-level fix)",
        f"{SHOWN}:21: error: 'decisions.6': must be a mapping (- service: payments-api: …): left out",
        f"{SHOWN}:25: error: 'decisions.7.review_on': 2026-07-01 is before the decision (2026-07-10): set a "
        "later review date, or leave it out for 2026-10-08 (decided_on + 90 days)",
        f"{SHOWN}:26: error: 'decisions.7.status': 'finished' is not one of planned, in-progress, done, dropped",
        f"{SHOWN}:27: error: 'decisions.7.budget_days': must be a number, got text 'lots'",
        f"{SHOWN}:28: error: 'decisions.7.target_maturity': 'platinum' is not a level of the maturity rubric: "
        "the levels are bronze, silver, gold",
        f"{SHOWN}:29: warning: 'decisions.7.ownr': unknown key: did you mean 'owner'?",
        f"{SHOWN}:33: warning: 'decisions.8.status': is done: add done_on, the day the work was done",
        f"{SHOWN}:36: info: 'decisions.9.decided_on': 2027-01-05 is after as_of (2026-11-20): the decision "
        "applies from that day",
    ]
    # The bad entries are left out; those with only a bad optional field are kept without it.
    assert [d.subject for d in found] == ["search-service", "user-profile", "notifications"]
    search = found[0]
    assert search.review_on == dt.date(2026, 10, 8) and search.status == "planned"
    assert search.target_maturity is None and search.budget_days is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("decisions:\n  - service: [oops\n", f"{SHOWN}:3: error: the decisions file is not valid YAML"),
        (
            "- service: api-gateway\n",
            f"{SHOWN}:1: error: the decisions file must be a mapping with a top-level",
        ),
        ("decisions: api-gateway\n", f"{SHOWN}:1: error: 'decisions': must be a list of entries"),
        (
            "decision:\n  - service: x\n",
            f"{SHOWN}:1: warning: 'decision': unknown key: did you mean 'decisions'?",
        ),
    ],
)
def test_a_broken_file_is_one_clear_problem(tmp_path: Path, text: str, message: str) -> None:
    found, problems = decisions(tmp_path, text)
    assert found == []
    assert len(problems) == 1 and shown(problems)[0].startswith(message), shown(problems)


def test_unknown_service_or_factor_gets_the_closest_name(tmp_path: Path) -> None:
    found, problems = decisions(
        tmp_path, GOOD.replace("api-gateway", "api-gatewy").replace("retry-storm", "retry-strom")
    )
    assert problems == []
    warnings = check_decision_subjects(found, SHOWN, ["api-gateway", "search-service"], ["retry-storm"])
    assert shown(warnings) == [
        f"{SHOWN}:3: warning: 'decisions.0.service': 'api-gatewy' is not in the service catalog nor any "
        "postmortem: the decision applies to nothing. Did you mean 'api-gateway'?",
        f"{SHOWN}:13: warning: 'decisions.1.factor': 'retry-strom' is not in any postmortem: the decision "
        "applies to nothing. Did you mean 'retry-storm'?",
    ]
    assert len(found) == 3  # kept: they apply to nothing


# --------------------------------------------------------------------------- the rubric


def test_the_default_rubric_is_the_contracts() -> None:
    rubric = default_rubric()
    assert rubric.source is None
    assert rubric.names == ["bronze", "silver", "gold"]
    assert [c.id for c in rubric.criteria] == [
        "slos-alerting",
        "red-dashboards",
        "canary-deploys",
        "timeouts-breakers",
        "runbooks-in-repo",
        "chaos-quarterly",
        "load-tests-ci",
        "ai-code-tested",
    ]
    assert load_rubric(None, "x") == (rubric, [])


def test_a_site_rubric_replaces_the_default_and_bad_entries_are_left_out(tmp_path: Path) -> None:
    path = tmp_path / "maturity.yaml"
    path.write_text(
        "levels:\n"
        "  - name: basic\n"
        "    criteria:\n"
        '      - {id: on-call, title: "An on-call rota that\'s staffed"}\n'
        "      - {id: on-call, title: twice}\n"
        "  - name: none\n"
        "  - name: advanced\n"
        "    criteria:\n"
        "      - {title: no id}\n"
        "      - {id: slo-reviews}\n"
    )
    rubric, problems = load_rubric(str(path), "modernization/maturity.yaml")
    assert shown(problems) == [
        "modernization/maturity.yaml:5: error: 'levels.0.criteria.1.id': criterion 'on-call' is in the rubric "
        "twice: keep one",
        "modernization/maturity.yaml:6: error: 'levels.1.name': 'none' cannot name a level: use lowercase "
        "letters, digits and dashes, e.g. 'missing-index' ('none' is taken)",
        "modernization/maturity.yaml:9: error: 'levels.2.criteria.0.id': is required but missing or empty",
    ]
    assert rubric.names == ["basic", "advanced"]
    assert [(c.id, c.title) for c in rubric.criteria] == [
        ("on-call", "An on-call rota that's staffed"),
        ("slo-reviews", "slo-reviews"),
    ]
    assert rubric.source == "modernization/maturity.yaml"


def test_an_unusable_rubric_falls_back_to_the_default(tmp_path: Path) -> None:
    path = tmp_path / "maturity.yaml"
    path.write_text("levels: []\n")
    rubric, problems = load_rubric(str(path), "m.yaml")
    assert rubric == default_rubric()
    assert shown(problems) == [
        "m.yaml:1: error: 'levels': the rubric has no usable level: the default maturity rubric is used"
    ]


def test_catalog_maturity_unknown_criterion_is_a_warning_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "services.yml").write_text(
        "services:\n"
        "  - name: payments-api\n"
        "    team: payments\n"
        "    maturity: [slos-alerting, red-dashboard, slos-alerting]\n"
        "  - name: api-gateway\n"
        "    maturity:\n"
        "      - slos-alerting\n"
        "      - chaos-monkey\n"
    )
    (tmp_path / "catalog-info.yaml").write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: search-service\n"
        "  annotations:\n    postmortems/maturity: 'slos-alerting, red-dashboards,canary-deploys'\n"
        "spec:\n  type: service\n  owner: group:default/search\n"
    )
    catalog, problems = load_catalog(str(tmp_path), "services.yml", ["catalog-info.yaml"])
    assert problems == [] and catalog is not None
    assert catalog["payments-api"].maturity == ("slos-alerting", "red-dashboard")
    assert catalog["search-service"].maturity == ("slos-alerting", "red-dashboards", "canary-deploys")
    ids = [c.id for c in default_rubric().criteria]
    assert shown(check_maturity(catalog, ids)) == [
        "services.yml:4: warning: service 'payments-api': maturity criterion 'red-dashboard' is not in the "
        "maturity rubric: did you mean 'red-dashboards'?",
        "services.yml:8: warning: service 'api-gateway': maturity criterion 'chaos-monkey' is not in the "
        "maturity rubric: did you mean 'chaos-quarterly'?",
    ]


# --------------------------------------------------------------------------- targets


TARGETS = """\
period_days: 90
targets:
  repeat_rate:            {change: -0.50}
  mttr_median:            {change: -0.20}
  paged_outside_hours:    {change: -0.40}
  action_items_promoted:  {at_least: 0.70}
  action_item_completion: {at_least: 0.80}
  postmortems_on_time:    {at_least: 0.95}
  time_to_epic_median:    {at_most: 7}
"""


def test_the_contracts_targets_file_is_read_in_file_order(tmp_path: Path) -> None:
    path = tmp_path / "targets.yaml"
    path.write_text(TARGETS)
    targets, problems = load_targets(str(path), "modernization/targets.yaml")
    assert problems == [] and targets is not None
    assert targets.period_days == 90
    assert [(t.name, t.written, t.line) for t in targets.targets] == [
        ("repeat_rate", {"change": -0.5}, 3),
        ("mttr_median", {"change": -0.2}, 4),
        ("paged_outside_hours", {"change": -0.4}, 5),
        ("action_items_promoted", {"at_least": 0.7}, 6),
        ("action_item_completion", {"at_least": 0.8}, 7),
        ("postmortems_on_time", {"at_least": 0.95}, 8),
        ("time_to_epic_median", {"at_most": 7.0}, 9),
    ]
    assert load_targets(str(tmp_path / "missing.yaml"), "t.yaml") == (None, [])


def test_bad_targets_are_reported_and_left_out(tmp_path: Path) -> None:
    path = tmp_path / "targets.yaml"
    path.write_text(
        "period_days: 0\n"
        "targets:\n"
        "  repeat_rates: {change: -0.5}\n"
        "  mttr_median: {change: -50}\n"
        "  postmortems_on_time: {at_least: 95}\n"
        "  action_items_promoted: {at_least: 0.7, at_most: 0.9}\n"
        "  time_to_epic_median: {at_most: '7 days'}\n"
        "  paged_outside_hours: {change: -0.4}\n"
    )
    targets, problems = load_targets(str(path), "t.yaml")
    assert shown(problems) == [
        "t.yaml:1: error: 'period_days': 0 is out of range: must be between 1 and 3660",
        "t.yaml:3: warning: 'targets.repeat_rates': unknown target, left out: did you mean 'repeat_rate'?",
        "t.yaml:4: error: 'targets.mttr_median.change': -50 is a percentage: a change is relative, e.g. -0.5 "
        "for -50%",
        "t.yaml:5: error: 'targets.postmortems_on_time.at_least': 95 is a percentage: shares are 0..1, e.g. 0.95",
        "t.yaml:6: error: 'targets.action_items_promoted': must be one comparison: {change: -0.5} (relative to "
        "the previous period), {at_least: 0.7} or {at_most: 7}: left out",
        "t.yaml:7: error: 'targets.time_to_epic_median.at_most': must be a number, got text '7 days'",
    ]
    assert targets is not None and targets.period_days == 90
    assert [t.name for t in targets.targets] == ["paged_outside_hours"]


def test_a_period_longer_than_the_calendar_allows_is_an_error(tmp_path: Path) -> None:
    # Found by the property test: 739,940 days before 2026 is before year 1, and the build ended
    # in an OverflowError. Ten years is the longest period the file may ask for.
    path = tmp_path / "targets.yaml"
    path.write_text("period_days: 739940\ntargets:\n  repeat_rate: {change: -0.5}\n")
    targets, problems = load_targets(str(path), "t.yaml")
    assert shown(problems) == [
        "t.yaml:1: error: 'period_days': 739940 is out of range: must be between 1 and 3660"
    ]
    assert targets is not None and targets.period_days == 90


def test_numbers_too_large_to_be_real_say_so_and_never_raise(tmp_path: Path) -> None:
    # A change of minus 400 nines used to end the build in an OverflowError ({raw:g}).
    path = tmp_path / "targets.yaml"
    path.write_text(
        "targets:\n"
        f"  repeat_rate: {{change: -{'9' * 400}}}\n"
        f"  mttr_median: {{change: -{'9' * 5000}}}\n"
        f"  time_to_epic_median: {{at_most: {'9' * 5000}}}\n"
        "  paged_outside_hours: {change: -0.4}\n"
    )
    targets, problems = load_targets(str(path), "t.yaml")
    assert shown(problems) == [
        "t.yaml:2: error: 'targets.repeat_rate.change': -999…999 (400 digits) is out of range: must be at "
        "least -1",
        "t.yaml:3: error: 'targets.mttr_median.change': -999…999 (5000 digits) is out of range: must be at "
        "least -1",
        "t.yaml:4: error: 'targets.time_to_epic_median.at_most': 9999…999 (5000 digits) is too large to be a "
        "real target: write the real figure",
    ]
    assert targets is not None and [t.name for t in targets.targets] == ["paged_outside_hours"]
    found, problems = decisions(tmp_path, GOOD.replace("budget_days: 40", f"budget_days: {'9' * 5000}"))
    assert shown(problems) == [
        f"{SHOWN}:9: error: 'decisions.0.budget_days': 9999…999 (5000 digits) is too large to be a real "
        "number of days: write the real figure"
    ]
    assert found[0].budget_days is None


# --------------------------------------------------------------------------- epic on action items


def test_epic_is_read_from_front_matter_and_from_the_tables_epic_column() -> None:
    rules = Rules(as_of=AS_OF)
    front = front_matter_file(
        action_items=[
            {"title": "Retry budget in the client", "owner": "@a", "due": "2025-04-01", "epic": "MOD-123"}
        ]
    )
    record, problems = validate(parse_document("pm/x.md", front), rules)
    assert problems == [] and record.action_items[0].epic == "MOD-123"

    table = front_matter_file(
        body="## Action Items\n\n| Action | Owner | Due | Epic |\n|---|---|---|---|\n"
        '| Add the gateway\'s timeouts | @a | 2025-04-01 | MOD-77 |\n| Fix the "retry" loop | @b | 2025-04-02 | |\n'
    )
    record, problems = validate(parse_document("pm/x.md", table), rules)
    assert problems == []
    assert [(i.title, i.epic) for i in record.action_items] == [
        ("Add the gateway's timeouts", "MOD-77"),
        ('Fix the "retry" loop', None),
    ]


def test_an_epic_that_differs_between_front_matter_and_table_is_a_warning() -> None:
    text = front_matter_file(
        action_items=[{"title": "Add the timeouts", "owner": "@a", "due": "2025-04-01", "epic": "MOD-1"}],
        body="## Action Items\n\n| Action | Owner | Due | Epic |\n|---|---|---|---|\n| Add the timeouts | @a | 2025-04-01 | MOD-2 |\n",
    )
    _record, problems = validate(parse_document("pm/x.md", text), Rules(as_of=AS_OF))
    assert [p.message for p in problems] == [
        "'action_items': 'Add the timeouts': epic is 'MOD-1' in the front matter but 'MOD-2' in the table; "
        "the front matter is used"
    ]
    assert problems[0].line == 24  # the table row
