"""Plotly figures for the trend, service and team pages, each with the table of its numbers.

Figures are plain plotly JSON (a dict of traces and layout: building them through plotly's
graph objects cost ~10 ms a figure for validation the tests already do, with
`plotly.graph_objects.Figure(figure)`), shipped in a `data-pm-chart` attribute; the page
script draws them with the plotly.js bundle of the same package, after Material's instant
navigation and in the current palette. Every label that comes from a postmortem is
HTML-escaped, since plotly renders a subset of HTML in text.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..insight.knowledge import Knowledge, ServiceView, TeamView
from ..insight.loop import Loop, TargetRow
from ..insight.metrics import (
    RunningMonth,
    month_key,
    months_between,
    mttr_spread_by_severity,
    severity_counts,
)
from ..records.model import Postmortem
from .formats import label as slug_label
from .formats import month_label, month_name

# The one severity palette, shared with the badges (assets/postmortems.css `.pm-sev--sev-N`): each
# shade carries white text at ≥ 4.5:1 (WCAG AA), so a badge and a chart say SEV-3 in the same colour.
SEVERITY_COLOURS = ("#c62828", "#b34700", "#806400", "#2e7d32", "#1565c0", "#6a1b9a")
LAST_MONTHS = 12


@dataclass
class Chart:
    id: str
    title: str
    figure: str  # plotly JSON
    headers: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)


def _text(value: str) -> str:
    return html.escape(value, quote=False)


Figure = dict[str, Any]


def _figure(traces: list[dict[str, Any]], y_title: str, **extra: Any) -> Figure:
    layout = {
        "margin": {"l": 50, "r": 10, "t": 10, "b": 40},
        "height": extra.pop("height", 320),
        "legend": {"orientation": "h", "y": -0.2},
        "yaxis": {"title": {"text": y_title}, "rangemode": "tozero", **extra.pop("yaxis", {})},
        **extra,
    }
    return {"data": traces, "layout": layout}


def _label_margin(left: Sequence[str], bottom: Sequence[str]) -> dict[str, int]:
    """Margins that fit the longest label (about 7 px a character at plotly's 12 px font): a fixed
    margin cut the heat map's factor names to "-timeout"."""
    longest_left = max((len(x) for x in left), default=4)
    longest_bottom = max((len(x) for x in bottom), default=4)
    return {"l": min(320, 16 + 7 * longest_left), "r": 10, "t": 10, "b": min(200, 30 + 5 * longest_bottom)}


def _count_axis(values: Sequence[Any]) -> dict[str, Any]:
    """A count axis shows whole numbers: ticks of 1 while the counts are small, never 0.5."""
    top = max((v for v in values if isinstance(v, (int, float))), default=0)
    return {"tickformat": "d", **({"dtick": 1} if top <= 6 else {})}


def _percent_axis() -> dict[str, Any]:
    """A share's axis: the values are percentages (0 to 100, the data ×100) and every tick says so."""
    return {"ticksuffix": "%", "rangemode": "tozero"}


def _partial_mark(fig: Figure, running: RunningMonth | None, months: Sequence[str]) -> Figure:
    """Mark the last month when it is still running: its bar or point counts only the days so far.
    The note sits above the plot, in a top margin made for it: inside, it covered the tallest
    bar or the p90 line's peak."""
    if running is None or not months or months[-1] != running.month:
        return fig
    name = month_name(running.month).split()[0][:3]
    note = {
        "x": running.month,
        "y": 1,
        "xref": "x",
        "yref": "paper",
        "yanchor": "bottom",
        "xanchor": "right",
        "showarrow": False,
        "text": f"partial: to {running.days} {name}",
        "font": {"size": 11},
    }
    fig["layout"]["annotations"] = [*fig["layout"].get("annotations", []), note]
    margin = fig["layout"].get("margin", {})
    fig["layout"]["margin"] = {**margin, "t": max(int(margin.get("t", 0)), 26)}
    return fig


def _json(fig: Figure) -> str:
    return json.dumps(fig, separators=(",", ":"), sort_keys=True)


def _fmt(value: Any) -> Any:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:g}"
    return value


def trend_charts(kb: Knowledge, since: str | None = None) -> list[Chart]:
    """The charts of the trends page, from exactly the rows of report.json; the spread of MTTR by
    severity over the months from `since` (the first with a report page) to as_of."""
    rows = kb.report
    months = [str(r["month"]) for r in rows]
    labels = [month_label(m, kb.running) for m in months]  # the tables' first column
    charts: list[Chart] = []

    def add(chart_id: str, title: str, fig: Figure, headers: list[str], table: list[list[Any]]) -> None:
        charts.append(Chart(chart_id, title, _json(_partial_mark(fig, kb.running, months)), headers, table))

    bars = [
        {
            "type": "bar",
            "name": sev,
            "x": months,
            "y": [severity_counts(r)[sev] for r in rows],
            "marker": {"color": SEVERITY_COLOURS[index % len(SEVERITY_COLOURS)]},
        }
        for index, sev in enumerate(kb.severities)
    ]
    fig = _figure(bars, "incidents", barmode="stack", yaxis=_count_axis([r["incidents"] for r in rows]))
    add(
        "incidents-by-severity",
        "Incidents per month by severity",
        fig,
        ["Month", *kb.severities, "Total"],
        [
            [label, *(severity_counts(r)[s] for s in kb.severities), r["incidents"]]
            for label, r in zip(labels, rows, strict=True)
        ],
    )

    def lines(
        chart_id: str, title: str, y_title: str, series: Sequence[tuple[str, str]], percent: bool = False
    ) -> None:
        traces = []
        for key, label in series:
            values = [r[key] for r in rows]
            if percent:
                values = [None if v is None else round(float(v) * 100, 1) for v in values]  # type: ignore[arg-type]
            traces.append(
                {
                    "type": "scatter",
                    "name": label,
                    "x": months,
                    "y": values,
                    "mode": "lines+markers",
                    "connectgaps": False,
                    **(
                        {"hovertemplate": "%{x}: %{y}%<extra>" + _text(label) + "</extra>"} if percent else {}
                    ),
                }
            )
        fig = _figure(traces, y_title, **({"yaxis": _percent_axis()} if percent else {}))
        table = []
        for month, r in zip(labels, rows, strict=True):
            cells = [r[key] for key, _label in series]
            if percent:
                cells = [None if v is None else f"{float(v) * 100:.0f}%" for v in cells]  # type: ignore[arg-type]
            table.append([month, *(_fmt(v) for v in cells)])
        add(chart_id, title, fig, ["Month", *(label for _k, label in series)], table)

    lines(
        "mttr",
        "Time to resolve (MTTR) per month: median and p90, minutes",
        "minutes",
        [("mttr_minutes_median", "MTTR median"), ("mttr_minutes_p90", "MTTR p90")],
    )
    charts.append(mttr_by_severity(kb, since or (months[0] if months else month_key(kb.as_of))))
    lines("mtta", "Time to acknowledge (MTTA), minutes", "minutes", [("mtta_minutes_mean", "MTTA mean")])
    lines(
        "repeat-rate",
        "Repeat rate: repeats as a percentage of incidents",
        "repeats, % of incidents",
        [("repeat_rate", "Repeat rate")],
        percent=True,
    )
    lines(
        "completion-rate",
        "Action items done on time (by month due)",
        "done on time, % of items due",
        [("action_item_completion_rate", "Completion rate")],
        percent=True,
    )
    lines(
        "time-to-postmortem",
        "Time to postmortem, business days",
        "business days",
        [("time_to_postmortem_days_mean", "Mean"), ("time_to_postmortem_days_median", "Median")],
    )
    lines(
        "postmortems-on-time",
        "Postmortems on time (policy), by month the incident started",
        "on time, % of required postmortems due",
        [("postmortems_on_time", "On time")],
        percent=True,
    )
    charts.append(factor_team_heatmap(kb))
    return charts


def mttr_by_severity(kb: Knowledge, since: str) -> Chart:
    """How MTTR spreads within each severity: a box from the 25th to the 75th percentile, the
    median across it, whiskers at the 10th and the 90th (nearest rank, as §3's p90). Drawn from
    the computed figures, not from every incident's duration: a few hundred bytes at any size."""
    first = dt.date(int(since[:4]), int(since[5:7]), 1)
    spreads = mttr_spread_by_severity(kb.records, kb.figures, kb.severities, first, kb.as_of)
    traces = []
    for index, (sev, sp) in enumerate(spreads.items()):
        if sp is None:
            continue
        traces.append(
            {
                "type": "box",
                "name": _text(sev),
                "x": [_text(sev)],
                "q1": [sp.p25],
                "median": [sp.median],
                "q3": [sp.p75],
                "lowerfence": [sp.p10],
                "upperfence": [sp.p90],
                "marker": {"color": SEVERITY_COLOURS[index % len(SEVERITY_COLOURS)]},
                "hoverinfo": "y",
            }
        )
    fig = _figure(traces, "minutes", showlegend=False)
    period = f"{month_name(since)} to {kb.as_of.isoformat()}"
    headers = ["Severity", "Incidents", "Shortest", "p10", "p25", "Median", "p75", "p90", "Longest"]
    table = [
        [sev, 0, *["–"] * 7]
        if sp is None
        else [sev, sp.count, *(_fmt(v) for v in (sp.low, sp.p10, sp.p25, sp.median, sp.p75, sp.p90, sp.high))]
        for sev, sp in spreads.items()
    ]
    return Chart(
        "mttr-by-severity", f"MTTR by severity, {period}: the spread, minutes", _json(fig), headers, table
    )


def factor_team_heatmap(kb: Knowledge) -> Chart:
    """Contributing factor × team: how many incidents of each team each factor was part of."""
    teams = sorted({t for r in kb.records for t in r.teams})
    counts: Counter[tuple[str, str]] = Counter()
    for record in kb.records:
        for factor in record.contributing_factors:
            for team in record.teams:
                counts[(factor, team)] += 1
    # The factors that span the most teams first, at most 25 rows.
    spread = {f: len(v.teams) for f, v in kb.patterns["factor"].items()}
    factors = sorted(spread, key=lambda f: (-spread[f], -len(kb.patterns["factor"][f].incidents), f))[:25]
    z = [[counts[(f, t)] for t in teams] for f in factors]
    names = [slug_label(f) for f in factors]
    heatmap = {
        "type": "heatmap",
        "z": z,
        "x": [_text(t) for t in teams],
        "y": [_text(name) for name in names],
        # Zero is transparent, so an empty cell is the page's own background in either palette.
        "colorscale": [[0, "rgba(0,0,0,0)"], [0.001, "#fcbba1"], [1, "#a50f15"]],
        "zmin": 0,
        "hovertemplate": "%{y} × %{x}: %{z}<extra></extra>",
    }
    fig = _figure(
        [heatmap],
        "",
        height=max(260, 28 * len(factors) + 80),
        yaxis={"autorange": "reversed", "automargin": True},
        xaxis={"automargin": True, "tickangle": -30},
        margin=_label_margin(names, teams),
    )
    return Chart(
        "factor-team-heatmap",
        "Contributing factor × team",
        _json(fig),
        ["Factor", *teams],
        [[f"{name} ({f})", *row] for name, f, row in zip(names, factors, z, strict=True)],
    )


def _monthly_counts(kb: Knowledge, records: Sequence[Postmortem]) -> tuple[list[str], list[int]]:
    last = kb.as_of
    first_year, first_month = last.year, last.month - (LAST_MONTHS - 1)
    while first_month < 1:
        first_year, first_month = first_year - 1, first_month + 12
    months = months_between(last.replace(year=first_year, month=first_month, day=1), last)
    counts = Counter(month_key(r.started_at.date()) for r in records)
    return months, [counts.get(m, 0) for m in months]


def small_chart(kb: Knowledge, chart_id: str, records: Sequence[Postmortem]) -> Chart:
    """Incidents per month over the last twelve months, for a service or team page."""
    months, counts = _monthly_counts(kb, records)
    colour = SEVERITY_COLOURS[1]
    bar = {"type": "bar", "x": months, "y": counts, "marker": {"color": colour}, "name": "incidents"}
    fig = _figure([bar], "incidents", height=220, yaxis=_count_axis(counts))
    return Chart(
        chart_id,
        "Incidents per month, last 12 months",
        _json(fig),
        ["Month", "Incidents"],
        [[m, c] for m, c in zip(months, counts, strict=True)],
    )


def service_charts(kb: Knowledge, view: ServiceView) -> list[Chart]:
    return [small_chart(kb, "service-incidents", view.incidents)]


def team_charts(kb: Knowledge, team: TeamView) -> list[Chart]:
    return [small_chart(kb, "team-incidents", team.incidents)]


TARGET_UNITS = {
    "repeat_rate": ("% of incidents", True),
    "mttr_median": ("minutes", False),
    "paged_outside_hours": ("incidents", False),
    "action_items_promoted": ("% of action items", True),
    "action_item_completion": ("% of items due", True),
    "postmortems_on_time": ("% of required postmortems", True),
    "time_to_epic_median": ("days", False),
}
"""Each target's axis title and whether its values are shares (shown as percentages)."""


def target_goal(row: TargetRow) -> float | None:
    """The value the current period must reach: the target itself, or for a change target the
    previous value moved by the change (None when there is no previous value to move)."""
    target, previous = row.target, row.archive.previous
    if target.kind != "change":
        return target.value
    return None if not previous else round(previous * (1 + target.value), 4)


def target_charts(loop: Loop) -> list[Chart]:
    """One small chart per target: the previous and the current period side by side, and the
    goal as a line, for the whole archive."""
    charts = []
    for row in loop.targets:
        y_title, share = TARGET_UNITS.get(row.name, ("", False))

        def shown(value: float | None, share: bool = share) -> float | None:
            return None if value is None else round(value * 100, 1) if share else value

        periods = ["previous period", "current period"]
        values = [shown(row.archive.previous), shown(row.archive.current)]
        traces: list[dict[str, Any]] = [
            {"type": "bar", "name": "value", "x": periods, "y": values, "marker": {"color": "#5c6bc0"}}
        ]
        goal = shown(target_goal(row))
        if goal is not None:
            traces.append(
                {"type": "scatter", "mode": "lines", "name": "target", "x": periods, "y": [goal, goal],
                 "line": {"dash": "dash", "color": "#c62828"}}
            )  # fmt: skip
        fig = _figure(traces, y_title, height=220, **({"yaxis": _percent_axis()} if share else {}))
        cells = [_fmt(v) for v in values]
        charts.append(
            Chart(
                f"target-{row.name.replace('_', '-')}",
                row.name.replace("_", " "),
                _json(fig),
                ["Period", y_title, "Target"],
                [[p, c, _fmt(goal)] for p, c in zip(periods, cells, strict=True)],
            )
        )
    return charts
