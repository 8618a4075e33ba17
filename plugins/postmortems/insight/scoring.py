"""The modernization score of spec §4: a transparent model read from YAML.

The model (weights, thresholds, fractions, bands, window) is data a team edits by pull
request; this module only grades raw values against it. `raw_values()` says how each
factor's raw value is measured; everything else comes from the YAML.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..records.model import Postmortem, Service
from ..records.parse import ValuesLoader, merge_mappings
from .metrics import in_window, mean, mttr

DEFAULT_MODEL = os.path.join(os.path.dirname(__file__), "scoring.yaml")
LEVELS = ("low", "medium", "high")
CENTRALITY_RANK = {"low": 1, "medium": 2, "high": 3}


class ScoringError(ValueError):
    """The scoring model file is unusable; the message says where and why."""


@dataclass(frozen=True)
class Factor:
    name: str
    weight: float
    thresholds: dict[str, Any]
    description: str = ""


@dataclass(frozen=True)
class Band:
    name: str
    min_score: float | None


@dataclass(frozen=True)
class Model:
    window_days: int
    fractions: dict[str, float]
    factors: tuple[Factor, ...]
    bands: tuple[Band, ...]


@dataclass
class FactorScore:
    name: str
    raw: Any
    level: str
    points: int
    weight: float
    description: str


@dataclass
class Score:
    service: str
    score: int
    band: str
    factors: list[FactorScore] = field(default_factory=list)
    incidents: list[str] = field(default_factory=list)

    @property
    def breakdown(self) -> dict[str, int]:
        return {f.name: f.points for f in self.factors}


def round_half_away(value: float) -> int:
    """round() in Python rounds half to even; the spec rounds half away from zero."""
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


def _read(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.load(handle, Loader=ValuesLoader) or {}  # an impossible date stays text
    except OSError as exc:
        raise ScoringError(f"{path}: cannot read the scoring model: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ScoringError(f"{path}: the scoring model is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ScoringError(f"{path}: the scoring model must be a mapping")
    return data


def load_model(path: str | None = None) -> Model:
    """The default model, with the keys of `path` (if any) laid over it."""
    data = _read(DEFAULT_MODEL)
    shown = DEFAULT_MODEL
    if path:
        data = merge_mappings(data, _read(path))
        shown = path
    try:
        fractions = {str(k): float(v) for k, v in data["fractions"].items()}
        fractions.setdefault("none", 0.0)
        factors = tuple(
            Factor(
                name=str(name),
                weight=float(spec["weight"]),
                thresholds=dict(spec.get("thresholds") or {}),
                description=str(spec.get("description", "")),
            )
            for name, spec in data["factors"].items()
            if spec is not None
        )
        bands = tuple(
            Band(str(b["name"]), None if b.get("min_score") is None else float(b["min_score"]))
            for b in data["bands"]
        )
        window = int(data.get("window_days", 90))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ScoringError(f"{shown}: the scoring model is missing or has a bad value for {exc}") from None
    unknown = [f.name for f in factors if f.name not in RAW]
    if unknown:
        raise ScoringError(f"{shown}: unknown factor(s) {', '.join(unknown)}; known: {', '.join(RAW)}")
    for factor in factors:
        for level in factor.thresholds:
            if level not in fractions:
                raise ScoringError(
                    f"{shown}: factor {factor.name} has a threshold for unknown level '{level}'"
                )
    if not bands or bands[-1].min_score is not None:
        raise ScoringError(f"{shown}: the last band must have min_score: null (the default band)")
    return Model(window, fractions, factors, bands)


def grade(value: Any, thresholds: dict[str, Any]) -> str:
    """The highest level whose threshold the value reaches (value ≥ threshold), else 'none'."""
    if value is None or value is False:
        return "none"
    reached = "none"
    for level in LEVELS:
        limit = thresholds.get(level)
        if limit is None:
            continue
        if isinstance(limit, bool):
            ok = value is True and limit
        elif isinstance(limit, str):
            ok = CENTRALITY_RANK.get(str(value), 0) >= CENTRALITY_RANK.get(limit, 99)
        else:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value >= limit
        if ok:
            reached = level
    return reached


def _max(values: list[float | None]) -> float | None:
    found = [v for v in values if v is not None]
    return max(found) if found else None


def _sum(values: list[float | None]) -> float | None:
    found = [v for v in values if v is not None]
    return round(sum(found), 2) if found else None


RawValue = Callable[[list[Postmortem], Service | None], Any]
RAW: dict[str, RawValue] = {
    "slo_burn": lambda rs, svc: _max([s.burn_rate for r in rs for s in r.slos]),
    "repeats": lambda rs, svc: len(rs),
    "mttr": lambda rs, svc: mean(mttr(r) for r in rs),
    "blast_radius": lambda rs, svc: _max([r.impact.user_pct for r in rs]),
    "dependency_centrality": lambda rs, svc: svc.dependency_centrality if svc else None,
    "revenue_impact": lambda rs, svc: _sum([r.impact.revenue_usd for r in rs]),
    "effort": lambda rs, svc: _sum([r.effort_days for r in rs]),
    "ai_risk": lambda rs, svc: any(r.ai_risk for r in rs),
}


def score_values(name: str, raw: dict[str, Any], model: Model) -> Score:
    """Grade raw factor values (factor name → value) into a score."""
    factors = []
    for factor in model.factors:
        value = raw.get(factor.name)
        level = grade(value, factor.thresholds)
        points = round_half_away(factor.weight * model.fractions.get(level, 0.0))
        factors.append(FactorScore(factor.name, value, level, points, factor.weight, factor.description))
    total = sum(f.points for f in factors)
    band = next(b.name for b in model.bands if b.min_score is None or total >= b.min_score)
    return Score(name, total, band, factors)


def score_service(
    name: str,
    service: Service | None,
    records: Sequence[Postmortem],
    model: Model,
    as_of: dt.date,
) -> Score:
    """Score one service over its published incidents in the model's window."""
    window = [
        r
        for r in records
        if name in r.services and not r.is_draft and in_window(r.started_at.date(), as_of, model.window_days)
    ]
    raw = {factor.name: RAW[factor.name](window, service) for factor in model.factors}
    result = score_values(name, raw, model)
    result.incidents = [r.id for r in window]
    return result
