"""The built site in a real headless Chromium (Debian's, driven by Playwright): charts drawn after
Material's instant navigation and in the current palette, and hostile postmortems that must stay
inert on every page that shows them (the search is tested in test_search.py).

Every tab records console errors, page errors, failed responses, dialogs and every request; each
test ends with `tab.assert_clean()`: no error, no dialog, nothing requested off the machine."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from browser_support import (
    HOSTILE_ID,
    HOSTILE_TITLE,
    HOSTILE_WORD,
    LIVE_PAYLOADS,
    PAYLOAD,
    PLOTLY,
    TRACES,
    Tab,
    explorer_records,
    fulfill_blank_image,
    hostile_postmortem,
    load_json,
    serve,
)
from sites import ROOT, build_site, copy_sample

pytestmark = pytest.mark.browser

DOCS = ROOT / "content"
SITE_NAME = "Northwind Commerce postmortems"


# ------------------------------------------------------------------------------------ fixtures


@pytest.fixture
def tab(new_tab: Callable[[str], Tab], base: str) -> Tab:
    return new_tab(base)


@pytest.fixture(scope="module")
def records(sample_site: Path) -> list[dict[str, Any]]:
    records = explorer_records(sample_site)
    assert len(records) > 10
    return records


def figures_in(html_file: Path) -> int:
    return len(re.findall(r'<figure class="pm-chart-figure"', html_file.read_text()))


# ------------------------------------------------------------------------------------ charts


def test_trends_charts_after_instant_navigation(tab: Tab, sample_site: Path) -> None:
    """Home → Trends by Material's instant navigation: every chart drawn, one per figure, plotly
    fetched once (also after leaving and coming back), and the severity chart plots report.json."""
    tab.open("", instant_ready=True)
    tab.click_instantly(tab.nav_link("Trends"), "trends/")
    tab.wait_for_charts()

    page = tab.page
    charts = page.locator(".pm-chart").count()
    figures = page.locator("figure.pm-chart-figure").count()
    assert charts == figures == figures_in(sample_site / "trends" / "index.html") > 0
    assert len(tab.requested(PLOTLY)) == 1

    report = load_json(sample_site, "report.json")
    traces = page.evaluate(TRACES, "#chart-incidents-by-severity .pm-chart")
    assert [t["name"] for t in traces] == report["severities"]
    for trace in traces:
        assert trace["type"] == "bar"
        plotted = dict(zip(trace["x"], trace["y"], strict=True))
        wanted = {m["month"]: m["incidents_by_severity"][trace["name"]] for m in report["months"]}
        assert plotted == wanted, trace["name"]
    bars = page.locator("#chart-incidents-by-severity .pm-chart g.trace.bars").count()
    assert bars == len(report["severities"]), "plotly did not draw a bar trace per severity"

    # Away and back again: charts are drawn anew, plotly is not fetched again.
    tab.click_instantly(tab.nav_link("Home"), "")
    assert page.locator(".pm-chart").count() == 0
    tab.click_instantly(tab.nav_link("Trends"), "trends/")
    tab.wait_for_charts()
    assert page.locator(".pm-chart").count() == charts
    assert len(tab.requested(PLOTLY)) == 1
    tab.assert_clean()


def test_service_chart_after_instant_navigation_and_no_plotly_without_charts(
    new_tab: Callable[[str], Tab], base: str, sample_site: Path, records: list[dict[str, Any]]
) -> None:
    """Services index → a service by instant navigation: its chart drawn with its incidents of the
    last 12 months. A page without charts (incidents, opened directly) never fetches plotly."""
    report = load_json(sample_site, "report.json")
    last_months = [m["month"] for m in report["months"]][-12:]
    in_range = [r for r in records if r["started"][:7] in last_months]
    service, _n = Counter(s for r in in_range for s in r["services"]).most_common(1)[0]

    tab = new_tab(base)
    tab.open("services/", instant_ready=True)
    link = tab.page.locator(f'.md-content table a[href$="services/{service}/"]').first
    tab.click_instantly(link, f"services/{service}/")
    tab.wait_for_charts()
    assert tab.page.locator(".md-content h1").inner_text() == service
    traces = tab.page.evaluate(TRACES, "#chart-service-incidents .pm-chart")
    assert len(traces) == 1
    months = Counter(r["started"][:7] for r in in_range if service in r["services"])
    assert traces[0]["x"] == last_months
    assert traces[0]["y"] == [months.get(m, 0) for m in last_months]
    assert len(tab.requested(PLOTLY)) == 1
    tab.assert_clean()

    plain = new_tab(base)
    plain.open("incidents/")
    # The page script ran (it made the tables sortable) and found nothing to draw.
    plain.page.wait_for_selector("table.pm-sortable[data-pm-sortable]", state="attached")
    assert plain.page.locator(".pm-chart").count() == 0
    plain.page.wait_for_load_state("networkidle")
    assert plain.requested(PLOTLY) == []
    plain.assert_clean()


RGB = re.compile(r"rgba?\((\d+), (\d+), (\d+)")

CHART_COLOURS = """() => [...document.querySelectorAll('.pm-chart')].map(el => {
  const text = el.querySelector('.xtick text, .ytick text');
  return {font: el._fullLayout.font.color, tick: text ? getComputedStyle(text).fill : null};
})"""


SAME_FONTS = """fonts => [...document.querySelectorAll('.pm-chart')].every(
  (el, i) => el._fullLayout.font.color === fonts[i])"""


def channels(colour: str | None) -> tuple[int, ...]:
    match = RGB.match(colour or "")
    assert match, f"not an rgb colour: {colour}"
    return tuple(int(c) for c in match.groups())


def test_charts_follow_the_palette(tab: Tab) -> None:
    """The palette toggle redraws the charts in the dark scheme's text colour and back; a page
    opened in the dark scheme draws dark from the start."""
    page = tab.page
    tab.open("trends/")
    tab.wait_for_charts()
    assert page.evaluate("document.body.dataset.mdColorScheme") == "default"
    light = page.evaluate(CHART_COLOURS)
    fonts = [c["font"] for c in light]
    assert all(max(channels(c["tick"])) < 100 for c in light), f"light palette, text not dark: {light}"

    page.locator("form[data-md-component=palette] label:visible").click()
    tab.wait_until("document.body.dataset.mdColorScheme === 'slate'", "the palette toggle did not go dark")
    tab.wait_until(
        SAME_FONTS.replace("===", "!=="), "charts kept their font colour in the dark palette", fonts
    )
    dark = page.evaluate(CHART_COLOURS)
    assert all(min(channels(c["tick"])) > 150 for c in dark), f"dark palette, text not light: {dark}"

    # A page opened in the dark palette draws its charts dark from the start.
    page.reload()
    tab.wait_for_charts()
    assert page.evaluate("document.body.dataset.mdColorScheme") == "slate"
    assert page.evaluate(CHART_COLOURS) == dark

    page.locator("form[data-md-component=palette] label:visible").click()
    tab.wait_until("document.body.dataset.mdColorScheme === 'default'", "the palette toggle did not go light")
    tab.wait_until(SAME_FONTS, "charts did not get their light font colour back", fonts)
    assert page.evaluate(CHART_COLOURS) == light
    tab.assert_clean()


# ------------------------------------------------------------------------------------ injection


def test_hostile_postmortem_stays_inert(new_tab: Callable[[str], Tab], tmp_path: Path) -> None:
    """Issue 8: a postmortem with a payload in every free-text field and in its body. Wherever it
    is shown, nothing runs, no dialog opens, no handler or javascript: URL is left in the page,
    and every text reads as written (escaped once, not twice)."""
    config = copy_sample(tmp_path)
    target = tmp_path / "content" / "postmortems" / "2026" / "inc-2026-990-hostile.md"
    target.write_text(hostile_postmortem("payments-api", "payments"))
    site = tmp_path / "site"
    build_site(config, site)
    record = next(r for r in explorer_records(site) if r["id"] == HOSTILE_ID)
    assert record["title"] == HOSTILE_TITLE, "the hostile postmortem is not published as written"
    page_path = record["url"]

    with serve(site) as base:
        tab = new_tab(base)
        tab.context.route(re.compile(r"/x$"), fulfill_blank_image)
        page = tab.page

        def inert(where: str) -> None:
            page.wait_for_load_state("load")
            assert page.evaluate("typeof window.__pwned") == "undefined", f"script ran on {where}"
            live = page.evaluate(LIVE_PAYLOADS)
            assert not live, f"live markup from the postmortem on {where}: {live}"
            assert not tab.dialogs, f"dialog on {where}: {tab.dialogs}"
            assert not tab.errors, f"errors on {where}: {tab.errors}"

        # The postmortem itself.
        tab.open(page_path, instant_ready=True)
        inert(page_path)
        assert page.locator(".md-content h1").first.inner_text() == HOSTILE_TITLE
        assert page.title() == f"{HOSTILE_TITLE} - {SITE_NAME}"
        assert HOSTILE_TITLE in (page.locator(".md-header__topic").last.text_content() or "")
        assert page.locator(".pm-card").get_attribute("data-pm-id") == HOSTILE_ID
        assert f"overdue {PAYLOAD}" in page.locator(".md-content").inner_text()

        # Every link of its header (the meta line and the card), each followed by instant navigation.
        cards = page.locator(".pm-meta a, .pm-card a")
        hrefs = cards.evaluate_all("links => links.map(a => a.href)")
        assert len(hrefs) >= 5, hrefs  # service, team, trigger, factor, related incident
        for index, href in enumerate(hrefs):
            tab.click_instantly(cards.nth(index), href.removeprefix(base))
            inert(f"{href} (from the card)")
            page.go_back()
            page.wait_for_selector(f'.pm-card[data-pm-id="{HOSTILE_ID}"]')
            inert(f"{page_path} (back from {href})")

        # Every page that lists it, each showing its text as written.
        listed = (
            ("services/payments-api/", ".pm-chart[data-pm-drawn]", HOSTILE_TITLE),
            ("teams/payments/", ".pm-chart[data-pm-drawn]", HOSTILE_TITLE),
            ("incidents/", "table.pm-sortable[data-pm-sortable]", HOSTILE_TITLE),
            ("action-items/", "table.pm-sortable[data-pm-sortable]", f"overdue {PAYLOAD}"),
            ("", "table.pm-sortable[data-pm-sortable]", None),
            ("reports/2026-11/", "table.pm-sortable[data-pm-sortable]", HOSTILE_TITLE),
            ("patterns/factors/config-drift/", "table.pm-sortable[data-pm-sortable]", HOSTILE_TITLE),
            ("trends/", ".pm-chart[data-pm-drawn]", None),
            (f"explorer/?text={HOSTILE_WORD}", f'.pm-result[data-pm-id="{HOSTILE_ID}"]', HOSTILE_TITLE),
        )
        for path, ready, text in listed:
            tab.open(path)
            page.wait_for_selector(ready, state="attached")
            inert(path or "the home page")
            if text is not None:
                assert text in page.locator(".md-content").inner_text(), f"{path} does not show {text!r}"

        # The header's search box shows the title and a snippet of the body.
        items = tab.header_search(HOSTILE_WORD)
        assert items.count() > 0
        inert("the header's search results")
        assert HOSTILE_TITLE in items.first.inner_text()

        # Last, the links the body tried to smuggle in: clicking them does nothing at all.
        tab.open(page_path, instant_ready=True)
        for text in ("click", "raw link", "spaced link", "data"):
            links = page.locator(".md-content a").filter(has_text=re.compile(rf"^{text}$")).all()
            for link in links:
                if link.is_visible():
                    link.click()
                else:  # e.g. inside a <details> the sanitizer closed
                    link.evaluate("el => el.click()")
                page.wait_for_timeout(50)
                inert(f"{page_path} after clicking the body's {text!r} link")
                assert page.url == tab.url(page_path)
        tab.assert_clean()


# ------------------------------------------------------------------------------------ the backlog

AGENDA = """() => Object.fromEntries(['needs-decision', 'review-due', 'decided'].map(anchor => {
  const heading = document.getElementById(anchor);
  let table = heading.nextElementSibling;
  while (table && table.tagName !== 'TABLE' && !table.querySelector('table')) table = table.nextElementSibling;
  if (table && table.tagName !== 'TABLE') table = table.querySelector('table');  // in its scroll wrapper
  return [anchor, {
    top: heading.getBoundingClientRect().top + window.scrollY,
    rows: [...table.tBodies[0].rows].filter(r => r.id).map(r => ({
      service: r.id, state: r.dataset.pmState,
      week: r.cells[4].innerText.trim(), month: r.cells[5].innerText.trim(),
    })),
  }];
}))"""


def change_text(delta: int) -> str:
    return f"▲ up {delta}" if delta > 0 else f"▼ down {-delta}" if delta < 0 else "= no change"


def test_backlog_is_the_weekly_reviews_agenda(tab: Tab, sample_site: Path) -> None:
    """Home → the backlog by instant navigation: the agenda's three groups in order, each row's
    score change in arrows and words, "why it ranks here" folded until opened, the funnel's
    figures, and a table that sorts by the 7-day change."""
    backlog = load_json(sample_site, "backlog.json")
    tab.open("", instant_ready=True)
    tab.click_instantly(tab.nav_link("Modernization backlog"), "backlog/")
    page = tab.page
    page.wait_for_selector("table.pm-agenda[data-pm-sortable]", state="attached")

    agenda = page.evaluate(AGENDA)
    tops = [agenda[a]["top"] for a in ("needs-decision", "review-due", "decided")]
    assert tops == sorted(tops), "needs a decision, then review due, then decided"
    for anchor, state in (
        ("needs-decision", "needs_decision"),
        ("review-due", "review_due"),
        ("decided", "decided"),
    ):
        wanted = [r for r in backlog if r["state"] == state]
        shown = agenda[anchor]["rows"]
        assert [r["service"] for r in shown] == [r["service"] for r in wanted], anchor
        for row, json_row in zip(shown, wanted, strict=True):
            assert row["state"] == state
            assert row["week"] == change_text(json_row["delta_7d"]), row
            assert row["month"] == change_text(json_row["delta_30d"]), row
    assert any(r["delta_7d"] for r in backlog), "the sample has a score that moved this week"

    # "Why it ranks here": folded, opened by a click.
    first = page.locator("details.pm-why").first
    assert first.evaluate("d => d.open") is False
    assert not first.locator("li").first.is_visible()
    first.locator("summary").click()
    assert first.evaluate("d => d.open") is True and first.locator("li").first.is_visible()

    # The funnel, as the decisions and action items say.
    funnel = {
        key: int(page.locator(f'[data-pm-funnel="{key}"]').inner_text())
        for key in ("incidents", "action_items", "promoted_items", "epics", "done")
    }
    incidents = load_json(sample_site, "incidents.json")
    items = [a for i in incidents for a in i["action_items"] if a["status"] != "wontfix"]
    decisions = load_json(sample_site, "decisions.json")
    funded = {d["epic"] for d in decisions if d["decision"] in ("promote_to_epic", "bundle_with_existing")}
    assert funnel["incidents"] == len(incidents) and funnel["action_items"] == len(items)
    assert funnel["promoted_items"] == sum(1 for a in items if a["epic"] in funded)
    assert funnel["epics"] == len({a["epic"] for a in items if a["epic"] in funded})
    assert funnel["done"] == sum(1 for d in decisions if d["status"] == "done" and d["epic"] in funded)

    # Sorting the decided work by its 7-day change, most urgent first.
    decided = page.locator("#decided ~ .pm-scroll table.pm-agenda").first
    header = decided.locator("th", has_text=re.compile(r"^7 days\b"))  # then the sort state, ↕
    header.locator("button").click()
    header.locator("button").click()
    values = [
        int(v)
        for v in decided.locator("tbody tr td:nth-child(5)").evaluate_all(
            "cells => cells.map(c => c.dataset.sort)"
        )
    ]
    assert values == sorted(values, reverse=True) and header.get_attribute("aria-sort") == "descending"
    tab.assert_clean()
