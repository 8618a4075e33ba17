"""The monthly report: one month against the one before, from the rows of report.json.

The month holding as_of is still running: it is compared with the same first days of the month
before (`Knowledge.same_days_before`), never with a whole month."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..records.model import Postmortem
from .knowledge import Knowledge
from .metrics import RunningMonth, severity_counts


@dataclass
class Line:
    label: str
    now: str
    before: str
    change: str
    direction: str  # better | worse | same | none


@dataclass
class MonthReport:
    month: str
    previous_month: str | None
    partial: bool
    running: RunningMonth | None = None  # with partial: the days elapsed, and those compared
    lines: list[Line] = field(default_factory=list)
    top_factors: list[tuple[str, int]] = field(default_factory=list)
    incidents: list[Postmortem] = field(default_factory=list)


def _show(value: Any, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "%":
        return f"{float(value) * 100:.0f}%"
    if isinstance(value, float):
        return f"{value:g}{unit}"
    return f"{value}{unit}"


def _line(label: str, now: Any, before: Any, unit: str = "", lower_is_better: bool = True) -> Line:
    if now is None or before is None:
        return Line(label, _show(now, unit), _show(before, unit), "–", "none")
    delta = float(now) - float(before)
    change = f"{delta * 100:+.0f} pts" if unit == "%" else f"{delta:+g}{unit}"
    if delta == 0:
        return Line(label, _show(now, unit), _show(before, unit), "no change", "same")
    better = (delta < 0) == lower_is_better
    return Line(label, _show(now, unit), _show(before, unit), change, "better" if better else "worse")


def month_report(kb: Knowledge, month: str) -> MonthReport | None:
    rows = {str(r["month"]): r for r in kb.report}
    row = rows.get(month)
    if row is None:
        return None
    keys = list(rows)
    position = keys.index(month)
    prev = rows[keys[position - 1]] if position > 0 else None
    running = kb.running if kb.running and kb.running.month == month else None
    if running and prev is not None:
        prev = kb.same_days_before

    def get(r: dict[str, Any] | None, key: str) -> Any:
        return None if r is None else r[key]

    report = MonthReport(month, keys[position - 1] if position > 0 else None, running is not None, running)
    report.lines.append(_line("Incidents", row["incidents"], get(prev, "incidents")))
    for sev in kb.severities:
        report.lines.append(
            _line(
                f"  {sev}",
                severity_counts(row)[sev],
                None if prev is None else severity_counts(prev)[sev],
            )
        )
    report.lines.append(_line("MTTR mean", row["mttr_minutes_mean"], get(prev, "mttr_minutes_mean"), " min"))
    report.lines.append(
        _line("MTTR median", row["mttr_minutes_median"], get(prev, "mttr_minutes_median"), " min")
    )
    report.lines.append(_line("MTTR p90", row["mttr_minutes_p90"], get(prev, "mttr_minutes_p90"), " min"))
    report.lines.append(_line("Repeat rate", row["repeat_rate"], get(prev, "repeat_rate"), "%"))
    report.lines.append(
        _line(
            "Action items created",
            row["action_items_created"],
            get(prev, "action_items_created"),
            lower_is_better=False,
        )
    )
    report.lines.append(
        _line(
            "Action items completed",
            row["action_items_completed"],
            get(prev, "action_items_completed"),
            lower_is_better=False,
        )
    )
    report.lines.append(
        _line(
            "Completion rate (items due this month)",
            row["action_item_completion_rate"],
            get(prev, "action_item_completion_rate"),
            "%",
            lower_is_better=False,
        )
    )
    report.lines.append(
        _line(
            "Postmortems on time (policy)",
            row["postmortems_on_time"],
            get(prev, "postmortems_on_time"),
            "%",
            lower_is_better=False,
        )
    )
    report.lines.append(
        _line(
            "Time to postmortem (mean business days)",
            row["time_to_postmortem_days_mean"],
            get(prev, "time_to_postmortem_days_mean"),
        )
    )
    report.incidents = kb.by_month.get(month, [])
    factors = Counter(f for r in report.incidents for f in r.contributing_factors)
    report.top_factors = sorted(factors.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    return report
