"""Maturity levels (spec §8): which level of the rubric each service reaches, and what it
misses for the next one."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..records.modernization import Rubric

NONE = "none"


@dataclass(frozen=True)
class Maturity:
    level: str  # "none" or a level name
    met: tuple[str, ...]  # criteria ids met, rubric order
    next_level: str | None  # None at the top level
    missing: tuple[str, ...]  # criteria ids of the next level and any lower level not met, rubric order


def maturity_of(rubric: Rubric, criteria: Iterable[str]) -> Maturity:
    """A service reaches a level when it meets every criterion of that level and of every level
    below it; its level is the highest it reaches, or none. Ids the rubric lacks are ignored."""
    have = set(criteria)
    met = tuple(c.id for c in rubric.criteria if c.id in have)
    level = NONE
    next_level: str | None = None
    for step in rubric.levels:
        if all(c.id in have for c in step.criteria):
            level = step.name
            continue
        next_level = step.name
        break
    missing: list[str] = []
    if next_level is not None:
        for step in rubric.levels:
            missing.extend(c.id for c in step.criteria if c.id not in have)
            if step.name == next_level:
                break
    return Maturity(level, met, next_level, tuple(missing))


def level_counts(rubric: Rubric, levels: Sequence[Maturity]) -> dict[str, int]:
    """How many services are at each level: none first, then the rubric's, lowest first."""
    counts = {NONE: 0, **{name: 0 for name in rubric.names}}
    for found in levels:
        counts[found.level] += 1
    return counts
