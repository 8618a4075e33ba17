"""Charts, monthly reports, feeds and the catalog on hand-made data, without MkDocs."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jinja2
import plotly.graph_objects as go
from helpers import item, record
from postmortems.insight.knowledge import Knowledge, build_knowledge
from postmortems.insight.report import month_report
from postmortems.insight.scoring import load_model
from postmortems.records.catalog import load_catalog
from postmortems.site.charts import service_charts, trend_charts
from postmortems.site.export import report as report_json
from postmortems.site.feeds import ATOM, feed_makers
from postmortems.site.pages import Layout, PageData, RowCache
from postmortems.site.parts import escape_our_templates
from postmortems.site.plugin import PACKAGE_DIR

AS_OF = dt.date(2025, 4, 15)
SEVERITIES = ["SEV-1", "SEV-2", "SEV-3"]


def knowledge() -> Knowledge:
    records = [
        record(
            "A",
            "2025-01-10T00:00:00Z",
            severity="SEV-1",
            resolved_at="2025-01-10T02:00:00Z",
            teams=["payments"],
            contributing_factors=["retry-storm"],
            published_at="2025-01-14",
            action_items=[item("i", "2025-02-01", "done", "2025-01-20")],
        ),
        record(
            "B",
            "2025-03-05T00:00:00Z",
            severity="SEV-2",
            resolved_at="2025-03-05T01:00:00Z",
            teams=["storefront"],
            contributing_factors=["retry-storm"],
            services=["checkout-web"],
            published_at="2025-03-07",
            title="<b>bold</b> & co",
        ),
        record(
            "C",
            "2025-03-20T00:00:00Z",
            severity="SEV-2",
            resolved_at="2025-03-20T03:00:00Z",
            teams=["payments"],
            contributing_factors=["retry-storm", "<img src=x onerror=alert(1)>"],
            published_at="2025-03-21",
        ),
        record("D", "2025-04-01T00:00:00Z", severity="SEV-3", status="draft"),
    ]
    return build_knowledge(
        records, None, as_of=AS_OF, severities=SEVERITIES, repeat_window_days=90, model=load_model()
    )


def test_trend_charts_plot_exactly_the_report_json_figures() -> None:
    kb = knowledge()
    months = report_json(kb)["months"]
    charts = {c.id: c for c in trend_charts(kb)}
    assert set(charts) == {
        "incidents-by-severity",
        "mttr",
        "mtta",
        "repeat-rate",
        "completion-rate",
        "time-to-postmortem",
        "postmortems-on-time",
        "factor-team-heatmap",
        "mttr-by-severity",
    }
    figure = json.loads(charts["incidents-by-severity"].figure)
    assert [t["name"] for t in figure["data"]] == SEVERITIES
    for trace in figure["data"]:
        assert trace["x"] == [m["month"] for m in months]
        assert trace["y"] == [m["incidents_by_severity"][trace["name"]] for m in months]
    mttr = json.loads(charts["mttr"].figure)["data"]
    # The spread, not the mean: median and p90 (report.json's mttr_minutes_p90).
    assert [t["name"] for t in mttr] == ["MTTR median", "MTTR p90"]
    assert mttr[0]["y"] == [m["mttr_minutes_median"] for m in months]
    assert mttr[1]["y"] == [m["mttr_minutes_p90"] for m in months]
    assert charts["mttr"].headers == ["Month", "MTTR median", "MTTR p90"]
    repeat = json.loads(charts["repeat-rate"].figure)["data"][0]["y"]
    assert repeat == [None if m["repeat_rate"] is None else round(m["repeat_rate"] * 100, 1) for m in months]
    on_time = json.loads(charts["postmortems-on-time"].figure)["data"][0]["y"]
    shares = [m["postmortems_on_time"] for m in months]
    assert on_time == [None if v is None else round(v * 100, 1) for v in shares] and len(on_time) == len(
        months
    )
    # Every chart carries its numbers as a table, one row per month.
    # The months by name; the last, still running on 15 April, says so.
    names = [row[0] for row in charts["mttr"].rows]
    assert names == ["January 2025", "February 2025", "March 2025", "April 2025 (to 15 April)"]
    assert len(names) == len(months)
    assert charts["incidents-by-severity"].rows[2] == ["March 2025", 0, 2, 0, 2]


def test_shares_are_percentages_on_their_axis_and_the_running_month_is_marked() -> None:
    charts = {c.id: json.loads(c.figure) for c in trend_charts(knowledge())}
    for chart_id in ("repeat-rate", "completion-rate", "postmortems-on-time"):
        layout = charts[chart_id]["layout"]
        assert layout["yaxis"]["ticksuffix"] == "%", chart_id
        assert "%" in layout["yaxis"]["title"]["text"], chart_id
    assert "ticksuffix" not in charts["mttr"]["layout"]["yaxis"]
    for chart_id in ("incidents-by-severity", "mttr", "repeat-rate"):
        (note,) = charts[chart_id]["layout"]["annotations"]
        assert note["x"] == "2025-04" and note["text"] == "partial: to 15 Apr", chart_id
        assert note["yref"] == "paper" and note["yanchor"] == "bottom", (
            "the note is above the plot, over no data"
        )
    # A month's last day closes it: nothing is marked.
    complete = build_knowledge(
        knowledge().records, None, as_of=dt.date(2025, 4, 30), severities=SEVERITIES,
        repeat_window_days=90, model=load_model(),
    )  # fmt: skip
    assert all("annotations" not in json.loads(c.figure)["layout"] for c in trend_charts(complete))


def test_mttr_by_severity_draws_the_spread_of_the_window() -> None:
    """A box per severity from the computed percentiles (not every duration), in the contract's
    order and colours; the table lists each severity, one without incidents too."""
    kb = knowledge()
    chart = {c.id: c for c in trend_charts(kb, "2025-03")}["mttr-by-severity"]
    boxes = json.loads(chart.figure)["data"]
    # Since March: A (SEV-1, January) is outside the window; B and C are SEV-2 (60 and 180 min).
    assert [b["name"] for b in boxes] == ["SEV-2"]
    (box,) = boxes
    assert box["type"] == "box" and box["median"] == [120.0] and box["q1"] == [60.0] and box["q3"] == [180.0]
    assert (box["lowerfence"], box["upperfence"]) == ([60.0], [180.0])
    assert box["marker"]["color"] == "#b34700"  # SEV-2 in the one palette
    assert chart.headers[:2] == ["Severity", "Incidents"] and "p90" in chart.headers
    assert chart.rows[0] == ["SEV-1", 0, *["–"] * 7]
    assert chart.rows[1] == ["SEV-2", 2, "60", "60", "60", "120", "180", "180", "180"]
    assert "March 2025" in chart.title
    everything = {c.id: c for c in trend_charts(kb)}["mttr-by-severity"]
    assert [b["name"] for b in json.loads(everything.figure)["data"]] == ["SEV-1", "SEV-2"]


def test_every_figure_is_valid_plotly() -> None:
    """plotly's graph objects validate every trace and layout attribute, and raise on a wrong one."""
    kb = knowledge()
    charts = trend_charts(kb) + service_charts(kb, kb.services["payments-api"])
    for chart in charts:
        figure = go.Figure(json.loads(chart.figure))
        assert figure.data, chart.id
    try:
        go.Figure({"data": [{"type": "bar", "colour": "red"}]})
    except ValueError:
        pass
    else:  # pragma: no cover - proves the check above can fail
        raise AssertionError("plotly accepted an invalid attribute")


def test_heatmap_counts_factor_by_team_and_escapes_labels() -> None:
    chart = {c.id: c for c in trend_charts(knowledge())}["factor-team-heatmap"]
    figure = json.loads(chart.figure)["data"][0]
    assert figure["x"] == ["payments", "storefront"]
    assert figure["y"][0] == "Retry storm" and figure["z"][0] == [2, 1]  # the factor's name, not its slug
    assert chart.rows[0][0] == "Retry storm (retry-storm)"
    assert "<img" not in chart.figure and "&lt;img src=x onerror=alert(1)&gt;" in figure["y"]


def test_service_chart_counts_the_last_twelve_months() -> None:
    kb = knowledge()
    (chart,) = service_charts(kb, kb.services["payments-api"])
    bars = json.loads(chart.figure)["data"][0]
    assert len(bars["x"]) == 12 and bars["x"][-1] == "2025-04" and bars["x"][0] == "2024-05"
    assert sum(bars["y"]) == 2 and bars["y"][bars["x"].index("2025-03")] == 1


def test_month_report_compares_with_the_previous_month() -> None:
    report = month_report(knowledge(), "2025-03")
    assert report is not None and report.previous_month == "2025-02" and not report.partial
    lines = {line.label: line for line in report.lines}
    assert (lines["Incidents"].now, lines["Incidents"].before, lines["Incidents"].change) == ("2", "0", "+2")
    assert lines["Incidents"].direction == "worse"
    assert lines["MTTR mean"].direction == "none"  # February had no incident to compare with
    assert report.top_factors[0] == ("retry-storm", 2)
    assert [r.id for r in report.incidents] == ["C", "B"]
    assert month_report(knowledge(), "2025-04").partial  # as_of's month is still running
    assert month_report(knowledge(), "1999-01") is None


def test_feeds_are_valid_atom_newest_first_with_escaped_text() -> None:
    kb = knowledge()
    makers = feed_makers(kb, Layout({}, True), "https://pm.example.com/", "Site")
    files = {path: make() for path, make in makers.items()}
    assert set(files) == {"feeds/all.xml", "feeds/payments.xml", "feeds/storefront.xml"}
    root = ET.fromstring(files["feeds/all.xml"])
    entries = root.findall(f"{{{ATOM}}}entry")
    titles = [e.findtext(f"{{{ATOM}}}title") for e in entries]
    assert titles == ["[SEV-2] C: Incident C", "[SEV-2] B: <b>bold</b> & co", "[SEV-1] A: Incident A"]
    assert entries[0].find(f"{{{ATOM}}}link").get("href") == "https://pm.example.com/postmortems/c/"
    assert "<b>bold</b>" not in files["feeds/all.xml"]  # text nodes are escaped
    team = ET.fromstring(files["feeds/storefront.xml"])
    assert [e.findtext(f"{{{ATOM}}}id") for e in team.findall(f"{{{ATOM}}}entry")] == [
        "https://pm.example.com/postmortems/b/"
    ]


def test_catalog_from_yaml_and_backstage_with_problems(tmp_path: Path) -> None:
    (tmp_path / "services.yml").write_text(
        "services:\n  - name: payments-api\n    team: payments\n    tier: 1\n    dependency_centrality: high\n"
        "  - name: bad name\n  - name: cart\n    dependency_centrality: huge\n"
    )
    (tmp_path / "catalog-info.yaml").write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: search-service\n"
        "  description: Search\n  annotations:\n    postmortems/tier: '2'\n    backstage.io/source-location: url:https://git/x\n"
        "  links:\n    - {title: Runbook, url: https://runbooks/search}\nspec:\n  type: service\n  owner: group:default/storefront\n"
        "  lifecycle: production\n---\nkind: System\nmetadata: {name: shop, created: 2025-02-30T10:00:00Z}\n"
    )  # an impossible bare date anywhere in a catalog is no reason to stop
    catalog, problems = load_catalog(str(tmp_path), "services.yml", ["catalog-info.yaml"])
    assert catalog is not None
    assert sorted(catalog) == ["cart", "payments-api", "search-service"]
    search = catalog["search-service"]
    assert (search.team, search.tier, search.lifecycle) == ("storefront", 2, "production")
    assert (search.runbook, search.repository) == ("https://runbooks/search", "https://git/x")
    assert catalog["cart"].dependency_centrality is None
    assert [(p.path, p.line) for p in problems] == [("services.yml", 6), ("services.yml", 7)]
    assert "not a valid name" in problems[0].message and "not one of low, medium, high" in problems[1].message


def test_missing_catalog_means_services_as_written(tmp_path: Path) -> None:
    catalog, problems = load_catalog(str(tmp_path), "services.yml", [])
    assert catalog is None and problems == []


def test_incident_rows_render_once_and_link_from_each_page_depth() -> None:
    kb = knowledge()
    templates = Path(PACKAGE_DIR) / "templates"
    env = escape_our_templates(jinja2.Environment(loader=jinja2.FileSystemLoader(templates), autoescape=True))
    rows = RowCache(env)
    layout = Layout({}, True)
    shallow = PageData(kb, layout, base="../", rows=rows)
    deep = PageData(kb, layout, base="../../", rows=rows)
    record_b = kb.by_id["B"]
    record_b.url = "postmortems/b/"

    near, far = str(shallow.incident_row(record_b)), str(deep.incident_row(record_b))
    assert list(rows.cache) == ["B"]  # one render for both depths
    assert '<a href="../postmortems/b/">B</a>' in near and '<a href="../../postmortems/b/">B</a>' in far
    assert 'href="../services/checkout-web/"' in near and 'href="../../services/checkout-web/"' in far
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in near and "<b>" not in near
    assert RowCache.MARK not in near + far


def test_the_running_month_is_compared_on_the_days_elapsed() -> None:
    """April to the 15th against 1–15 March: B (5 March, 60 min) is in, C (20 March) is not."""
    kb = knowledge()
    assert kb.running is not None and kb.running.previous_last == dt.date(2025, 3, 15)
    report = month_report(kb, "2025-04")
    assert report is not None and report.partial and report.running == kb.running
    lines = {line.label: line for line in report.lines}
    assert (lines["Incidents"].now, lines["Incidents"].before) == ("0", "1")
    assert lines["MTTR median"].before == "60 min" and lines["MTTR p90"].before == "60 min"
    # A complete month is compared with the whole month before.
    march = month_report(kb, "2025-03")
    assert march is not None and march.running is None
    assert {line.label: line.now for line in march.lines}["MTTR p90"] == "180 min"
