"""The modernization score (spec §4): the worked example, grading edges, rounding, overrides."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from helpers import record
from postmortems.insight.scoring import (
    ScoringError,
    grade,
    load_model,
    round_half_away,
    score_service,
    score_values,
)
from postmortems.records.model import Impact, Service, Slo

WORKED = {
    "slo_burn": 14, "repeats": 3, "mttr": 140, "blast_radius": 40, "dependency_centrality": "high",
    "revenue_impact": 420_000, "effort": 5, "ai_risk": True,
}  # fmt: skip


def test_worked_example_scores_24_promote_to_epic() -> None:
    score = score_values("svc", WORKED, load_model())
    assert score.breakdown == {
        "slo_burn": 5, "repeats": 4, "mttr": 3, "blast_radius": 5, "dependency_centrality": 4,
        "revenue_impact": 3, "effort": -2, "ai_risk": 2,
    }  # fmt: skip
    assert (score.score, score.band) == (24, "promote_to_epic")


def test_worked_example_from_records() -> None:
    """The same example built from incidents in the window: three incidents of one service."""
    common = {"services": ["checkout"], "resolved_at": None}
    records = [
        record(
            "A",
            "2025-05-01T00:00:00Z",
            **common,
            slos=[Slo("a", burn_rate=14)],
            impact=Impact(user_pct=40, revenue_usd=400_000),
            effort_days=3,
            ai_risk=True,
        ),
        record("B", "2025-05-10T00:00:00Z", **common, impact=Impact(revenue_usd=20_000), effort_days=2),
        record("C", "2025-05-20T00:00:00Z", **common),
    ]
    for r, minutes in zip(records, (100, 160, 160), strict=True):
        r.resolved_at = r.started_at + dt.timedelta(minutes=minutes)
    service = Service("checkout", dependency_centrality="high")
    score = score_service("checkout", service, records, load_model(), dt.date(2025, 6, 1))
    assert (score.score, score.band) == (24, "promote_to_epic")
    assert score.incidents == ["A", "B", "C"]
    later = score_service("checkout", service, records, load_model(), dt.date(2025, 8, 10))
    assert later.incidents == ["C"]  # A and B left the 90-day window


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, "none"), (0.5, "none"), (1, "low"), (1.9, "low"), (2, "medium"), (5, "high"), (50, "high")],
)
def test_grade_value_reaching_threshold(value: float | None, expected: str) -> None:
    assert grade(value, {"low": 1, "medium": 2, "high": 5}) == expected


def test_grade_levels_and_booleans() -> None:
    levels = {"low": "low", "medium": "medium", "high": "high"}
    assert [grade(v, levels) for v in ("low", "medium", "high", None)] == ["low", "medium", "high", "none"]
    assert grade(True, {"high": True}) == "high" and grade(False, {"high": True}) == "none"


def test_rounding_is_half_away_from_zero() -> None:
    assert [round_half_away(v) for v in (2.5, -2.5, 1.8, -1.8, 0.4)] == [3, -3, 2, -2, 0]


def test_band_edges() -> None:
    model = load_model()
    bands = [b.name for b in model.bands]
    assert bands == ["promote_to_epic", "bundle_with_existing", "hygiene"]
    low = dict(WORKED, ai_risk=False, revenue_impact=None)  # 24 - 2 - 3 = 19
    assert score_values("s", low, model).band == "bundle_with_existing"
    lower = dict(low, slo_burn=None)  # 14
    assert score_values("s", lower, model).band == "hygiene"


def test_override_file_is_laid_over_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "scoring.yaml"
    path.write_text("factors:\n  ai_risk:\n    weight: 10\nbands:\n  - {name: all, min_score: null}\n")
    model = load_model(str(path))
    score = score_values("s", WORKED, model)
    assert score.breakdown["ai_risk"] == 10 and score.breakdown["slo_burn"] == 5
    assert score.band == "all"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("factors:\n  speed: {weight: 1}\n", "unknown factor"),
        ("factors: [1, 2]\n", "missing or has a bad value"),
        ("bands:\n  - {name: x, min_score: 3}\n", "last band"),
        ("factors:\n  mttr: {weight: 1, thresholds: {huge: 3}}\n", "unknown level"),
        ("a: [\n", "not valid YAML"),
    ],
)
def test_bad_model_files_are_clear_errors(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "scoring.yaml"
    path.write_text(text)
    with pytest.raises(ScoringError, match=fragment):
        load_model(str(path))
