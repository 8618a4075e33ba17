"""The loop's definitions (spec §7 to §10) on hand-made records: decision states (the factor
decision too), score deltas across a window's edge, promotion and time to epic, periods and
targets met or not (or not judged), the postmortem policy's business days, maturity, the digest."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pytest
from helpers import item, record
from postmortems.insight.decisions import decision_state, latest_decision, time_to_epic
from postmortems.insight.knowledge import build_knowledge
from postmortems.insight.loop import Loop, build_loop
from postmortems.insight.maturity import level_counts, maturity_of
from postmortems.insight.metrics import add_business_days, business_days, median, p90
from postmortems.insight.policy import (
    Policy,
    deadline_passed,
    is_on_time,
    is_overdue,
    on_time_share,
    parse_policy,
)
from postmortems.insight.scoring import load_model
from postmortems.insight.targets import is_met, relative_change
from postmortems.records.model import Impact, Postmortem, Service, Slo
from postmortems.records.modernization import Decision, Target, Targets, default_rubric

D = dt.date
AS_OF = D(2026, 11, 20)  # a Friday


def decision(subject: str, kind: str, on: str, **fields: Any) -> Decision:
    """A decision about a service (or `factor:name`), as records.modernization reads one."""
    decided = D.fromisoformat(on)
    review = fields.pop("review_on", None)
    about = {"factor": subject[7:]} if subject.startswith("factor:") else {"service": subject}
    if kind in ("promote_to_epic", "bundle_with_existing"):
        fields.setdefault("epic", "MOD-1")
        fields.setdefault("owner", "@em")
    return Decision(
        position=0,
        line=None,
        decision=kind,
        decided_on=decided,
        review_on=D.fromisoformat(review) if review else decided + dt.timedelta(days=90),
        **about,
        **fields,
    )


def hot(ident: str, started: str, service: str, **fields: Any) -> Postmortem:
    """An incident that alone scores 17 (bundle_with_existing) under the default model: burn 14
    (5), one incident (1), MTTR 150 min (3), 40% of users (5), $200k (3)."""
    r = record(
        ident,
        started,
        services=[service],
        slos=[Slo("availability", burn_rate=14)],
        impact=Impact(user_pct=40, revenue_usd=200_000),
        **fields,
    )
    r.resolved_at = r.started_at + dt.timedelta(minutes=150)
    return r


def cold(ident: str, started: str, service: str, **fields: Any) -> Postmortem:
    """An incident that scores 1 (hygiene): one incident in the window, nothing else."""
    r = record(ident, started, services=[service], **fields)
    r.resolved_at = r.started_at + dt.timedelta(minutes=10)
    return r


def loop_of(
    records: Sequence[Postmortem],
    decisions: Sequence[Decision] = (),
    *,
    as_of: dt.date = AS_OF,
    catalog: dict[str, Service] | None = None,
    targets: Targets | None = None,
    policy: Policy | None = None,
) -> Loop:
    kb = build_knowledge(
        records,
        catalog,
        as_of=as_of,
        severities=("SEV-1", "SEV-2", "SEV-3", "SEV-4"),
        repeat_window_days=90,
        model=load_model(),
        policy=policy,
    )
    numbered = [Decision(**{**d.__dict__, "position": n}) for n, d in enumerate(decisions)]
    return build_loop(kb, numbered, default_rubric(), targets)


# --------------------------------------------------------------------------- decision states


def test_decision_states_and_the_factor_decision() -> None:
    records = [
        hot("A1", "2026-11-01T10:00:00Z", "alpha"),
        cold("B1", "2026-11-01T10:00:00Z", "beta"),
        hot("G1", "2026-11-01T10:00:00Z", "gamma"),
        hot("D1", "2026-11-01T10:00:00Z", "delta"),
        hot("E1", "2026-11-01T10:00:00Z", "eps"),
        hot("Z1", "2026-10-15T10:00:00Z", "zeta", contributing_factors=["retry-storm"]),
        hot("H1", "2026-11-10T10:00:00Z", "eta"),
        cold("H2", "2026-08-22T10:00:00Z", "eta", contributing_factors=["retry-storm"]),  # out of the window
        hot("T1", "2026-11-01T10:00:00Z", "theta"),
        hot("I1", "2026-11-01T10:00:00Z", "iota"),
        cold("O1", "2026-11-01T10:00:00Z", "omicron"),
    ]
    decisions = [
        decision("gamma", "promote_to_epic", "2026-06-01", review_on="2026-08-30"),
        decision("delta", "promote_to_epic", "2026-06-01", review_on="2026-08-30", status="done"),
        decision("eps", "bundle_with_existing", "2026-06-01", review_on="2026-11-20"),
        decision("factor:retry-storm", "bundle_with_existing", "2026-10-01", epic="MOD-7"),
        decision("theta", "hygiene", "2026-09-01"),
        decision("theta", "rejected", "2026-09-01"),  # the same day: the last in the file wins
        decision("iota", "promote_to_epic", "2026-12-01"),  # after as_of: not taken yet
        decision("omicron", "hygiene", "2026-09-01"),
    ]
    loop = loop_of(records, decisions)
    states = {row.name: row.state for row in loop.rows}
    assert states == {
        "alpha": "needs_decision",
        "beta": "none",
        "gamma": "review_due",  # review_on passed, work still planned
        "delta": "decided",  # review_on passed but the work is done
        "eps": "decided",  # review_on is today: not past yet
        "zeta": "decided",  # by the retry-storm decision: it had a retry-storm incident in the window
        "eta": "needs_decision",  # its retry-storm incident left the window (as_of − 90 days)
        "theta": "decided",
        "iota": "needs_decision",
        "omicron": "decided",  # a hygiene service with a decision
    }
    rows = loop.by_service
    assert rows["zeta"].decision is not None and rows["zeta"].decision.epic == "MOD-7"
    assert rows["theta"].decision is not None and rows["theta"].decision.decision == "rejected"
    assert rows["alpha"].score.band == "bundle_with_existing" and rows["beta"].score.band == "hygiene"
    factor_row = next(r for r in loop.decisions if r.decision.factor == "retry-storm")
    assert factor_row.services == ["zeta"]
    assert [r.in_force for r in loop.decisions] == [True, True, True, True, True, True, False, True]


def test_latest_decision_and_state_functions_on_their_own() -> None:
    a = decision("svc", "hygiene", "2026-01-01")
    b = decision("factor:f", "promote_to_epic", "2026-02-01", review_on="2026-03-01")
    assert latest_decision([a, b], "svc", []) is a
    assert latest_decision([a, b], "svc", ["f"]) is b
    assert latest_decision([a, b], "other", []) is None
    assert decision_state(False, None, AS_OF) == "needs_decision"
    assert decision_state(True, None, AS_OF) == "none"
    assert decision_state(True, b, AS_OF) == "review_due"
    assert decision_state(True, decision("s", "hygiene", "2026-01-01", status="dropped"), AS_OF) == "decided"


# --------------------------------------------------------------------------- score deltas


def test_score_deltas_across_the_windows_edge() -> None:
    records = [
        hot("K1", "2026-08-22T10:00:00Z", "kappa"),  # as_of − 90 days: out today, in a week ago
        hot("L1", "2026-11-13T23:00:00Z", "lam"),  # as_of − 7 days: counted on both days
        hot("M1", "2026-11-14T00:30:00Z", "mu"),  # after as_of − 7: only counted today
        hot("N1", "2026-10-21T10:00:00Z", "nu"),  # as_of − 30 days: counted on both days
    ]
    rows = loop_of(records).by_service
    assert (rows["kappa"].score.score, rows["kappa"].delta_7d, rows["kappa"].delta_30d) == (0, -17, -17)
    assert (rows["lam"].score.score, rows["lam"].delta_7d, rows["lam"].delta_30d) == (17, 0, 17)
    assert (rows["mu"].delta_7d, rows["mu"].delta_30d) == (17, 17)
    assert (rows["nu"].delta_7d, rows["nu"].delta_30d) == (0, 0)


# --------------------------------------------------------------------------- promotion, time to epic


def promotion_case() -> tuple[list[Postmortem], list[Decision]]:
    p1 = record(
        "P1",
        "2026-06-01T10:00:00Z",
        resolved_at="2026-06-01T12:00:00Z",
        published_at="2026-06-10",
        action_items=[
            item("a: retry budget", "2026-07-01", epic="MOD-1"),
            item("b: won't do", "2026-07-01", status="wontfix", epic="MOD-1"),
            item("c: breaker", "2026-07-01", status="done", epic="MOD-2"),
            item("d: dashboards", "2026-07-01", epic="MOD-3"),
            item("e: runbook", "2026-07-01"),
            item("f: later epic", "2026-07-01", epic="MOD-4"),
        ],
    )
    p2 = record(
        "P2",
        "2026-07-01T10:00:00Z",
        status="review",
        action_items=[item("g: timeouts", "2026-08-01", epic="MOD-2")],
    )
    decisions = [
        decision(
            "payments-api", "promote_to_epic", "2026-06-05", epic="MOD-1", status="done"
        ),  # before publication
        decision("payments-api", "bundle_with_existing", "2026-06-20", epic="MOD-2"),
        decision("ledger-service", "hygiene", "2026-06-20", epic="MOD-3"),
        decision("checkout-web", "promote_to_epic", "2026-12-01", epic="MOD-4"),  # after as_of
        decision("search-service", "rejected", "2026-06-20"),
    ]
    return [p1, p2], decisions


def test_promotion_funnel_and_time_to_epic() -> None:
    records, decisions = promotion_case()
    loop = loop_of(records, decisions)
    funnel = loop.funnel
    # a, c, d, e, f, g count (b is wontfix); a, c and g name the epic of a promote or bundle decision
    # taken by as_of (d's is a hygiene decision's, f's decision comes after as_of).
    assert (funnel.incidents, funnel.action_items, funnel.promoted_items) == (2, 6, 3)
    assert (funnel.epics, funnel.done) == (2, 1)
    assert funnel.promotion_rate == 0.5
    # a: the decision (06-05) came before publication (06-10): 0 days; c: 06-20 − 06-10 = 10 days;
    # g: its postmortem has no published_at.
    assert (funnel.time_to_epic_median, funnel.time_to_epic_p90) == (5.0, 10.0)
    by_epic = {(row.decision.epic, row.decision.decision): row for row in loop.decisions}
    assert by_epic[("MOD-1", "promote_to_epic")].promoted_action_items == 1
    assert by_epic[("MOD-1", "promote_to_epic")].incidents == ["P1"]
    assert by_epic[("MOD-2", "bundle_with_existing")].promoted_action_items == 2
    assert by_epic[("MOD-2", "bundle_with_existing")].incidents == ["P1", "P2"]
    assert by_epic[("MOD-3", "hygiene")].promoted_action_items == 1  # items naming its epic
    assert (
        by_epic[(None, "rejected")].promoted_action_items == 0 and by_epic[(None, "rejected")].incidents == []
    )


def test_time_to_epic_of_one_item() -> None:
    records, _decisions = promotion_case()
    first = {"MOD-1": D(2026, 6, 5), "MOD-2": D(2026, 6, 20)}
    p1, p2 = records
    a, _b, c, d = p1.action_items[:4]
    assert time_to_epic(a, p1, first) == 0
    assert time_to_epic(c, p1, first) == 10
    assert time_to_epic(d, p1, first) is None  # no decision names MOD-3 here
    assert time_to_epic(p2.action_items[0], p2, first) is None


@pytest.mark.parametrize(
    ("values", "middle", "ninetieth"),
    [
        ([], None, None),
        ([7], 7.0, 7.0),
        ([3, 1], 2.0, 3.0),
        (list(range(1, 11)), 5.5, 9.0),  # rank ceil(0.9 × 10) = 9, not 10
        (list(range(1, 12)), 6.0, 10.0),  # rank ceil(9.9) = 10
        ([5, None, 1, 9], 5.0, 9.0),
    ],
)
def test_median_and_p90_nearest_rank(
    values: list[float | None], middle: float | None, ninetieth: float | None
) -> None:
    assert median(values) == middle
    assert p90(values) == ninetieth


# --------------------------------------------------------------------------- targets and periods


def paged(ident: str, started: str, minutes: int, **fields: Any) -> Postmortem:
    r = record(ident, started, paged_outside_hours=True, **fields)
    r.resolved_at = r.started_at + dt.timedelta(minutes=minutes)
    return r


def targets_case() -> list[Postmortem]:
    return [
        paged("R1", "2026-08-22T23:59:00Z", 100, teams=["payments"]),  # as_of − 90: the previous period
        paged(
            "R2",
            "2026-08-24T10:00:00Z",  # a Monday: the current period
            120,
            teams=["payments", "core"],
            severity="SEV-1",
            published_at="2026-08-27",  # 3 business days later: on time
            action_items=[
                item("Add a breaker", "2026-09-01", status="done", done_at="2026-08-30"),
                item("Load test", "2026-10-01"),
                item("Later", "2026-11-25"),
            ],
        ),
        paged("R3", "2026-05-24T10:00:00Z", 500),  # as_of − 180: in neither period
        paged("R4", "2026-05-25T10:00:00Z", 200, teams=["payments"]),
        record(
            "D1", "2026-11-02T10:00:00Z", status="draft", severity="SEV-2", resolved_at="2026-11-02T11:00:00Z"
        ),  # a draft waiting for its postmortem: counts in the policy's figures only
    ]


TARGETS = Targets(
    90,
    (
        Target("repeat_rate", "change", -0.5),
        Target("mttr_median", "change", -0.2),
        Target("paged_outside_hours", "change", -0.4),
        Target("action_items_promoted", "at_least", 0.7),
        Target("action_item_completion", "at_least", 0.8),
        Target("postmortems_on_time", "at_least", 0.95),
        Target("time_to_epic_median", "at_most", 7),
    ),
    "modernization/targets.yaml",
)


def test_targets_over_two_periods_met_not_met_and_not_judged() -> None:
    loop = loop_of(targets_case(), targets=TARGETS)
    got = {row.name: (row.archive.previous, row.archive.current, row.archive.met) for row in loop.targets}
    assert got == {
        "repeat_rate": (0.0, 0.0, None),  # a previous value of 0 cannot be judged
        "mttr_median": (150.0, 120.0, True),  # (120 − 150) / 150 = −0.2 ≤ −0.2
        "paged_outside_hours": (2.0, 1.0, True),  # R1 and R4 before, R2 now: −0.5 ≤ −0.4
        "action_items_promoted": (None, 0.0, False),  # no epics at all; the previous period had no items
        "action_item_completion": (None, 0.5, False),  # due 09-01 done on time, due 10-01 still open
        # Before: R1 and R4 (SEV-2, never published) late. Now: R2 on time, the draft D1 (its
        # deadline 11-09 passed) not.
        "postmortems_on_time": (0.0, 0.5, False),
        "time_to_epic_median": (None, None, None),  # no promoted item
    }
    assert [row.name for row in loop.targets] == [t.name for t in TARGETS.targets]  # file order
    mttr = next(row for row in loop.targets if row.name == "mttr_median")
    assert mttr.archive.change == -0.2
    assert mttr.teams["core"].previous is None and mttr.teams["core"].current == 120.0
    assert mttr.teams["core"].met is None
    assert (mttr.teams["payments"].previous, mttr.teams["payments"].current) == (150.0, 120.0)


def test_met_rules() -> None:
    change = Target("repeat_rate", "change", -0.5)
    assert is_met(change, 0.3, 0.15) is True  # −0.5 exactly, whatever floats make of 0.15 − 0.3
    assert is_met(change, 0.3, 0.16) is False
    assert (
        is_met(change, 0, 0.1) is None
        and is_met(change, None, 0.1) is None
        and is_met(change, 0.2, None) is None
    )
    assert is_met(Target("x", "at_least", 0.7), None, 0.7) is True
    assert is_met(Target("x", "at_least", 0.7), 0.9, 0.69) is False
    assert is_met(Target("x", "at_most", 7), None, 7.5) is False
    assert is_met(Target("x", "at_most", 7), None, None) is None
    assert relative_change(4, 5) == 0.25


# --------------------------------------------------------------------------- the policy


def test_business_days_and_deadlines() -> None:
    friday = D(2026, 11, 13)
    assert business_days(friday, D(2026, 11, 16)) == 1  # to Monday
    assert add_business_days(friday, 5) == D(2026, 11, 20)
    assert add_business_days(friday, 1) == D(2026, 11, 16)
    assert add_business_days(friday, 0) == friday


@pytest.mark.parametrize(
    ("as_of", "overdue", "passed"),
    [
        (D(2026, 11, 20), False, True),  # 5 business days after Friday 11-13: the deadline is today
        (D(2026, 11, 22), False, True),  # Sunday: still 5
        (D(2026, 11, 23), True, True),  # Monday: 6
        (D(2026, 11, 19), False, False),
    ],
)
def test_overdue_after_five_business_days(as_of: dt.date, overdue: bool, passed: bool) -> None:
    policy = Policy()
    r = record(
        "X", "2026-11-13T09:00:00Z", status="review", severity="SEV-2", resolved_at="2026-11-13T10:00:00Z"
    )
    assert is_overdue(r, policy, as_of) is overdue
    assert deadline_passed(r, policy, as_of) is passed
    draft = record(
        "Y", "2026-11-13T09:00:00Z", status="draft", severity="SEV-1", resolved_at="2026-11-13T10:00:00Z"
    )
    assert is_overdue(draft, policy, as_of) is overdue  # a draft is an incident waiting for its postmortem
    for not_required in (
        record(
            "Z", "2026-11-13T09:00:00Z", status="review", severity="SEV-3", resolved_at="2026-11-13T10:00:00Z"
        ),
        record("W", "2026-11-13T09:00:00Z", status="review", severity="SEV-1"),  # not resolved: no deadline
        record(
            "V",
            "2026-11-13T09:00:00Z",
            severity="SEV-1",
            resolved_at="2026-11-13T10:00:00Z",
            published_at="2026-11-30",
        ),
    ):
        assert not is_overdue(not_required, policy, D(2026, 12, 31))


def test_on_time_and_the_share() -> None:
    policy = Policy()
    resolved = "2026-11-13T10:00:00Z"
    on_time = record(
        "A", "2026-11-13T09:00:00Z", severity="SEV-1", resolved_at=resolved, published_at="2026-11-20"
    )
    late = record(
        "B", "2026-11-13T09:00:00Z", severity="SEV-2", resolved_at=resolved, published_at="2026-11-23"
    )
    sev3 = record(
        "C", "2026-11-13T09:00:00Z", severity="SEV-3", resolved_at=resolved, published_at="2026-11-14"
    )
    waiting = record(
        "D", "2026-11-16T09:00:00Z", severity="SEV-1", status="draft", resolved_at="2026-11-16T10:00:00Z"
    )
    assert is_on_time(on_time, policy) and not is_on_time(late, policy) and not is_on_time(sev3, policy)
    # As of 11-20: A's deadline passed (today), B's too, D's (11-23) not yet; C is not required.
    assert on_time_share([on_time, late, sev3, waiting], policy, D(2026, 11, 20)) == 0.5
    assert on_time_share([on_time, late, sev3, waiting], policy, D(2026, 11, 23)) == round(1 / 3, 4)
    assert on_time_share([sev3], policy, D(2026, 11, 23)) is None
    loop = loop_of([on_time, late, sev3, waiting], as_of=D(2026, 11, 24))
    assert [o.record.id for o in loop.overdue] == ["D"]


def test_policy_option() -> None:
    scale = ("SEV-1", "SEV-2", "SEV-3")
    assert parse_policy(None, scale) == Policy()
    assert parse_policy({"deadline_business_days": 3}, scale) == Policy(("SEV-1", "SEV-2"), 3)
    assert parse_policy({"required_severities": "SEV-1"}, scale) == Policy(("SEV-1",), 5)
    for bad, fragment in (
        ({"required_severities": ["SEV-9"]}, "SEV-9 not on the severity scale"),
        ({"deadline_business_days": "5 days"}, "must be a whole number"),
        ({"deadline": 5}, "unknown key(s) deadline"),
        ("SEV-1", "must be a mapping"),
    ):
        with pytest.raises(ValueError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
            parse_policy(bad, scale)


# --------------------------------------------------------------------------- maturity


@pytest.mark.parametrize(
    ("criteria", "level", "next_level", "missing"),
    [
        ((), "none", "bronze", ("slos-alerting", "red-dashboards")),
        (("slos-alerting",), "none", "bronze", ("red-dashboards",)),
        (("slos-alerting", "red-dashboards", "canary-deploys"), "bronze", "silver", ("timeouts-breakers", "runbooks-in-repo")),
        (("canary-deploys", "timeouts-breakers", "runbooks-in-repo"), "none", "bronze", ("slos-alerting", "red-dashboards")),
        (
            ("slos-alerting", "red-dashboards", "canary-deploys", "timeouts-breakers", "runbooks-in-repo",
             "chaos-quarterly", "load-tests-ci", "ai-code-tested", "not-a-criterion"),
            "gold", None, (),
        ),
    ],
)  # fmt: skip
def test_maturity_levels(
    criteria: tuple[str, ...], level: str, next_level: str | None, missing: tuple[str, ...]
) -> None:
    found = maturity_of(default_rubric(), criteria)
    assert (found.level, found.next_level, found.missing) == (level, next_level, missing)
    assert "not-a-criterion" not in found.met
    assert list(found.met) == [c for c in (x.id for x in default_rubric().criteria) if c in criteria]


def test_maturity_per_catalog_service_and_counts() -> None:
    catalog = {
        "a": Service("a", maturity=("slos-alerting", "red-dashboards")),
        "b": Service("b", maturity=("slos-alerting",)),
        "c": Service("c"),
    }
    loop = loop_of([cold("X", "2026-11-01T00:00:00Z", "not-in-catalog")], catalog=catalog)
    assert {name: m.level for name, m in loop.maturity.items()} == {"a": "bronze", "b": "none", "c": "none"}
    assert loop.levels == {"none": 2, "bronze": 1, "silver": 0, "gold": 0}
    assert loop.by_service["not-in-catalog"].maturity.level == "none"
    assert level_counts(default_rubric(), []) == {"none": 0, "bronze": 0, "silver": 0, "gold": 0}


# --------------------------------------------------------------------------- the digest


def test_digest_top_five_published_and_due_open() -> None:
    records = [
        hot("S1", "2026-11-16T10:00:00Z", "svc-b", published_at="2026-11-14"),  # as_of − 6: in
        hot("S2", "2026-10-01T10:00:00Z", "svc-a", published_at="2026-11-13"),  # as_of − 7: out
        hot("S3", "2026-10-02T10:00:00Z", "svc-c", published_at="2026-11-20"),
        hot("S4", "2026-10-03T10:00:00Z", "svc-d"),
        hot("S5", "2026-10-04T10:00:00Z", "svc-e"),
        cold(
            "S6",
            "2026-10-05T10:00:00Z",
            "svc-f",
            published_at="2026-11-21",  # after as_of: out
            action_items=[
                item("due as_of − 7", "2026-11-13"),
                item("due as_of − 6", "2026-11-14", status="in-progress"),
                item("done in time", "2026-11-15", status="done"),
                item("due today", "2026-11-20"),
            ],
        ),
        cold("S7", "2026-10-06T10:00:00Z", "svc-g", action_items=[item("also due as_of − 6", "2026-11-14")]),
    ]
    digest = loop_of(records).digest
    # Five services score 17: svc-b's incident is new this week (delta_7d 17), the rest tie on
    # delta 0 and go by name; svc-f and svc-g (1 each) are left out.
    assert [e.service for e in digest.top] == ["svc-b", "svc-a", "svc-c", "svc-d", "svc-e"]
    assert [(e.score, e.delta_7d, e.state) for e in digest.top][:2] == [
        (17, 17, "needs_decision"),
        (17, 0, "needs_decision"),
    ]
    assert digest.top[0].newest_incident == "S1" and digest.top[0].epic is None
    assert [r.id for r in digest.published] == ["S1", "S3"]
    assert [(row.record.id, row.item.title) for row in digest.due_open] == [
        ("S6", "due as_of − 6"),
        ("S7", "also due as_of − 6"),
        ("S6", "due today"),
    ]
