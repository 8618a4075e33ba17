"""The built site in a real headless Chromium (Debian's, driven by Playwright): charts drawn after
Material's instant navigation and in the current palette, the incident explorer, Material's own
search, and hostile postmortems that must stay inert on every page that shows them.

Every tab records console errors, page errors, failed responses, dialogs and every request; each
test ends with `tab.assert_clean()`: no error, no dialog, nothing requested off the machine."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from browser_support import (
    FACETS,
    HOSTILE_ID,
    HOSTILE_TITLE,
    HOSTILE_WORD,
    LIVE_PAYLOADS,
    PAYLOAD,
    PLOTLY,
    TRACES,
    Tab,
    action_item_origin,
    distinctive_root_cause_word,
    expected_view,
    fulfill_blank_image,
    hostile_postmortem,
    load_json,
    serve,
)
from playwright.sync_api import Browser
from sites import ROOT, build_site, copy_sample

pytestmark = pytest.mark.browser

DOCS = ROOT / "content"
SITE_NAME = "Northwind Commerce postmortems"


# ------------------------------------------------------------------------------------ fixtures


@pytest.fixture
def new_tab(browser: Browser) -> Iterator[Callable[[str], Tab]]:
    """Opens recording tabs (each in a fresh context: empty cache and storage); closes them after."""
    tabs: list[Tab] = []

    def open_tab(url: str) -> Tab:
        tabs.append(Tab.open_in(browser, url))
        return tabs[-1]

    yield open_tab
    for tab in tabs:
        tab.context.close()


@pytest.fixture
def tab(new_tab: Callable[[str], Tab], base: str) -> Tab:
    return new_tab(base)


@pytest.fixture(scope="module")
def records(sample_site: Path) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = load_json(sample_site, "explorer.json")["records"]
    assert len(records) > 10
    return records


@pytest.fixture(scope="module")
def distinctive(records: list[dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    return distinctive_root_cause_word(DOCS, records)


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


# ------------------------------------------------------------------------------------ explorer


def check_view(state: dict[str, Any], records: list[dict[str, Any]], **filters: Any) -> set[str]:
    """The explorer shows exactly the records and facet counts the filter gives in Python."""
    view = expected_view(records, **filters)
    assert state["count"] == view.count_text, filters
    assert set(state["ids"]) == view.ids, filters
    assert len(state["ids"]) == len(view.ids), f"a result shown twice: {state['ids']}"
    assert state["counts"] == view.counts, filters
    return view.ids


def test_explorer_finds_a_root_cause_word(
    tab: Tab, base: str, distinctive: tuple[str, dict[str, Any]]
) -> None:
    """A word found only in one postmortem's Root Cause finds exactly that one; its link opens it."""
    word, record = distinctive
    tab.open("explorer/", instant_ready=True)
    tab.settle_explorer({})
    tab.explorer_type("q", word.upper())
    state = tab.settle_explorer({"q": [word.upper()]})
    assert state["ids"] == [record["id"]], f"searching {word!r} of {record['id']}'s root cause"
    assert state["links"] == [tab.url(record["url"])]

    tab.click_instantly(tab.page.locator(".pm-result a").first, record["url"])
    assert tab.page.locator(".pm-card").get_attribute("data-pm-id") == record["id"]
    tab.assert_clean()


def narrowing_value(counts: dict[str, int], total: int) -> str:
    """The most common value that still leaves some records out (ties: alphabetical)."""
    candidates = sorted((-n, v) for v, n in counts.items() if 0 < n < total)
    assert candidates, f"no value narrows the results: {counts}"
    return candidates[0][1]


def test_explorer_facets_narrow_and_count(tab: Tab, records: list[dict[str, Any]]) -> None:
    """Each facet narrows the results; results and every facet's counts match the explorer's
    rules computed in Python from explorer.json, alone and for a severity plus a service."""
    tab.open("explorer/")
    state = tab.settle_explorer({})
    everything = check_view(state, records)
    assert len(everything) == len(records)
    assert sorted(state["counts"]) == sorted(FACETS)

    for facet in FACETS:
        value = narrowing_value(state["counts"][facet], len(records))
        tab.explorer_click(facet, value)
        selected = tab.settle_explorer({facet: [value]})
        shown = check_view(selected, records, facets={facet: [value]})
        assert 0 < len(shown) < len(records), f"{facet}={value} does not narrow"
        assert selected["checked"] == [[facet, value]]
        tab.explorer_click(facet, value)
        check_view(tab.settle_explorer({}), records)

    # One severity, then a service within it.
    severity = narrowing_value(state["counts"]["severity"], len(records))
    tab.explorer_click("severity", severity)
    by_severity = tab.settle_explorer({"severity": [severity]})
    narrowed = check_view(by_severity, records, facets={"severity": [severity]})
    service = narrowing_value(by_severity["counts"]["service"], len(narrowed))
    tab.explorer_click("service", service)
    both = tab.settle_explorer({"severity": [severity], "service": [service]})
    shown = check_view(both, records, facets={"severity": [severity], "service": [service]})
    assert 0 < len(shown) < len(narrowed)
    assert sorted(both["checked"]) == sorted([["severity", severity], ["service", service]])
    started = [r["started"] for r in records if r["id"] in shown]
    order = {r["id"]: r["started"] for r in records}
    assert [order[i] for i in both["ids"]] == sorted(started, reverse=True), "results not newest first"
    tab.assert_clean()


def test_explorer_view_is_in_the_url(
    new_tab: Callable[[str], Tab],
    base: str,
    records: list[dict[str, Any]],
    distinctive: tuple[str, dict[str, Any]],
) -> None:
    """A shared explorer URL (q, severity) restores the view: search box, ticked boxes, results."""
    word, record = distinctive
    other = next(s for s in load_severities(records) if s != record["severity"])

    # A link written by hand, as someone would paste it in a chat.
    shared = new_tab(base)
    shared.open("explorer/?" + urlencode({"q": word, "severity": record["severity"]}))
    state = shared.settle_explorer({"q": [word], "severity": [record["severity"]]})
    assert state["q"] == word
    assert state["checked"] == [["severity", record["severity"]]]
    assert state["ids"] == [record["id"]]
    shared.open("explorer/?" + urlencode({"q": word, "severity": other}))
    state = shared.settle_explorer({"q": [word], "severity": [other]})
    assert state["ids"] == []
    assert state["count"] == f"0 of {len(records)} postmortems"
    shared.assert_clean()

    # A view built by hand, then its URL opened in a fresh browser.
    team, _n = Counter(t for r in records for t in r["teams"]).most_common(1)[0]
    severity = Counter(r["severity"] for r in records if team in r["teams"]).most_common(1)[0][0]
    first = new_tab(base)
    first.open("explorer/")
    first.settle_explorer({})
    first.explorer_type("q", team)
    first.settle_explorer({"q": [team]})
    first.explorer_click("severity", severity)
    built = first.settle_explorer({"q": [team], "severity": [severity]})
    by_id = {r["id"]: r for r in records}
    assert {i for i, r in by_id.items() if team in r["teams"] and r["severity"] == severity} <= set(
        built["ids"]
    )
    assert all(by_id[i]["severity"] == severity for i in built["ids"])
    first.assert_clean()

    fresh = new_tab(base)
    fresh.open(first.page.url.removeprefix(base))
    restored = fresh.settle_explorer({"q": [team], "severity": [severity]})
    assert restored == built
    fresh.assert_clean()


def load_severities(records: list[dict[str, Any]]) -> list[str]:
    return sorted({r["severity"] for r in records})


def test_explorer_date_range(tab: Tab, records: list[dict[str, Any]]) -> None:
    """From/to filter by start date, inclusive, combined with a facet; Clear shows everything."""
    days = sorted({r["started"] for r in records})
    start, end = days[len(days) // 4], days[len(days) // 2]
    tab.open("explorer/")
    tab.settle_explorer({})
    tab.explorer_type("from", start)
    tab.settle_explorer({"from": [start]})
    tab.explorer_type("to", end)
    state = tab.settle_explorer({"from": [start], "to": [end]})
    shown = check_view(state, records, start=start, end=end)
    assert {r["id"] for r in records if r["started"] in (start, end)} <= shown, "the range is inclusive"
    assert 0 < len(shown) < len(records)

    severity = Counter(r["severity"] for r in records if r["id"] in shown).most_common(1)[0][0]
    tab.explorer_click("severity", severity)
    state = tab.settle_explorer({"from": [start], "to": [end], "severity": [severity]})
    check_view(state, records, start=start, end=end, facets={"severity": [severity]})

    tab.page.locator("[data-pm-explorer] button[type=reset]").click()
    check_view(tab.settle_explorer({}), records)
    tab.assert_clean()


def test_explorer_search_after_instant_navigation(tab: Tab, distinctive: tuple[str, dict[str, Any]]) -> None:
    """Home → Explorer by instant navigation, then a search: the explorer starts on swapped pages."""
    word, record = distinctive
    tab.open("", instant_ready=True)
    tab.click_instantly(tab.nav_link("Explorer"), "explorer/")
    tab.settle_explorer({})
    tab.explorer_type("q", word)
    assert tab.settle_explorer({"q": [word]})["ids"] == [record["id"]]
    tab.assert_clean()


def pick_ticket(sample_site: Path, records: list[dict[str, Any]], origin: str) -> tuple[str, dict[str, Any]]:
    """A ticket id used by exactly one action item, of a postmortem listing its items in `origin`."""
    items = load_json(sample_site, "action-items.json")
    uses = Counter(i["ticket"] for i in items if i.get("ticket"))
    by_id = {r["id"]: r for r in records}
    for item in sorted(items, key=lambda i: (i["incident"], i.get("ticket") or "")):
        ticket = item.get("ticket") or ""
        record = by_id.get(item["incident"])
        if (
            record
            and re.fullmatch(r"[A-Z]+-\d+", ticket)
            and uses[ticket] == 1
            and action_item_origin(DOCS, record) == origin
        ):
            return ticket, record
    raise AssertionError(f"the sample has no ticket in action items written in the {origin}")


def test_explorer_finds_a_ticket_id(tab: Tab, sample_site: Path, records: list[dict[str, Any]]) -> None:
    """The explorer's search box invites "error message, root cause, ticket id…"."""
    ticket, record = pick_ticket(sample_site, records, "front matter")
    tab.open("explorer/")
    tab.settle_explorer({})
    tab.explorer_type("q", ticket)
    state = tab.settle_explorer({"q": [ticket]})
    assert record["id"] in state["ids"], f"searching ticket {ticket} of {record['id']}: {state['count']}"
    tab.assert_clean()


# ------------------------------------------------------------------------------------ Material search


@pytest.mark.parametrize("origin", ["front matter", "body"])
def test_header_search_finds_a_ticket_with_severity_and_service(
    tab: Tab, sample_site: Path, records: list[dict[str, Any]], origin: str
) -> None:
    """A ticket id from the action items (listed in the front matter, or in the body's table)
    finds its postmortem among the results shown, and that result shows severity and service."""
    ticket, record = pick_ticket(sample_site, records, origin)
    tab.open("incidents/")
    items = tab.header_search(ticket)
    pages = [
        urlsplit(items.nth(i).locator("a").first.get_attribute("href") or "").path
        for i in range(items.count())
    ]
    where = f"{ticket} ({record['id']}, action items in the {origin})"
    assert "/" + record["url"] in pages, f"Material's search for {where} shows only {pages}"
    text = items.nth(pages.index("/" + record["url"])).inner_text()
    assert record["severity"] in text, f"the result for {where} does not show the severity: {text!r}"
    assert any(s in text for s in record["services"]), f"the result for {where} shows no service: {text!r}"
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
    record = next(r for r in load_json(site, "explorer.json")["records"] if r["id"] == HOSTILE_ID)
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
            (f"explorer/?q={HOSTILE_WORD}", f'.pm-result[data-id="{HOSTILE_ID}"]', HOSTILE_TITLE),
        )
        for path, ready, text in listed:
            tab.open(path)
            page.wait_for_selector(ready, state="attached")
            inert(path or "the home page")
            if text is not None:
                assert text in page.locator(".md-content").inner_text(), f"{path} does not show {text!r}"

        # Material's search renders its results as HTML.
        items = tab.header_search(HOSTILE_WORD)
        assert items.count() > 0
        inert("Material's search results")
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
