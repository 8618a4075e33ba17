"""The site's search in a real headless Chromium, on the real Pagefind index of a real build: the
sample plus three postmortems written the way real ones are (no standard headings, possessives,
quotes, an error token in a log, HTML), in a copy under tmp_path.

Issue 14's cases (each failed before): `gateway`, `pay`, `key`, `delay`, a ticket id, an error
token, a word only in a body without the usual headings, a possessive, a quoted word, two words,
words with a facet; the contract's address (`?text=` and the facets) and hooks (`data-pm-ready`,
`data-pm-count`, `data-pm-id` best first); the explorer's behaviour (text kept while loading,
counts in place with the focus kept, top values, phone layout, empty results, focus, live
region); and the header's search box (results as you type, a link to the explorer, nothing
downloaded before it is used).

What each search must find is computed here from the postmortem files: every postmortem that
holds the word as a word must be found, and every result must hold a word that starts like it
(the search stems words and completes the last one).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from browser_support import (
    FACETS,
    Tab,
    action_item_origin,
    distinctive_root_cause_word,
    expected_view,
    explorer_records,
    load_json,
    serve,
    source_of,
)
from playwright.sync_api import Browser, Route
from sites import build_site, copy_sample

pytestmark = pytest.mark.browser

FEED = "INC-2026-901"  # no standard headings, a possessive, quotes, an error token, HTML
PROBE = "INC-2026-902"  # says the probe's name once; FEED says it four times
QUIET = "INC-2026-903"  # SEV-1, a gateway word, and a ticket id written in the body only
PROBE_NAME = "Kestrelwatch"

FRONT = """---
id: {id}
title: "{title}"
status: final
severity: {severity}
services: [{service}]
teams: [{team}]
started_at: {started}T{start}:00Z
detected_at: {started}T{start}:00Z
resolved_at: {started}T{end}:00Z
published_at: 2026-11-12
authors: ["@ines.duarte"]
trigger: {trigger}
contributing_factors: [expired-certificate]
tags: [cdn, certificates]
action_items:
  - title: "Alert on the distributor's certificate expiry 30 days ahead"
    owner: "@ines.duarte"
    due: 2026-12-01
    priority: high
    status: open
{ticket}---
"""
TICKET = "    ticket: CDN-2231\n"

FEED_BODY = f"""
## What happened

At 04:10 CET (03:10 UTC) the nightly import of our largest distributor's catalogue stopped. The
importer logged, for every file:

```text
fetch https://feeds.distributor.example/catalogue.csv.gz failed: net::ERR_CERT_DATE_INVALID
```

Their CDN had kept serving a certificate that expired at midnight; the feed itself was fine.
Our {PROBE_NAME} probe checks the feed's freshness, not its certificate, so {PROBE_NAME} stayed
green for 2 h 45 min.

## Why it took so long

- The on-call first suspected our own proxy: a change "infected" half the fleet last month.
- {PROBE_NAME} dashboards showed 100% success; nobody looked at the importer's log until 05:30.
- The importer retried every 90 s with no back-off (≈110 attempts), which hid the real error.

<details><summary>Importer settings at the time</summary>

`retry_interval=90s`, `max_attempts=∞`, `verify_tls=true` &mdash; the last one did its job.

</details>

## What we changed

We added the distributor's certificate to the expiry exporter, and {PROBE_NAME} now alerts on
TLS errors as well as on stale data.
"""

PROBE_BODY = f"""
## Summary

Search showed yesterday's prices for 90 minutes. The {PROBE_NAME} probe reported fresh data
because it read the index's build time, which a failed swap had left unchanged. Customers saw
old prices on product pages and in search results, while the cart and checkout showed the
right ones, so about 1,200 orders were placed after a price had looked lower than it was.
Support refunded the difference to every customer who asked, and to the rest a day later.

## Timeline

| Time (UTC) | Event |
|---|---|
| 09:00 | The nightly reindex finishes its build but the alias swap times out |
| 09:02 | The swap rolls back; the old index keeps serving |
| 09:40 | Support sees tickets about prices that change between search and cart |
| 10:05 | The search on-call finds the failed swap in the indexer's log |
| 10:30 | A manual swap serves the new index; prices agree again |

## Root Cause

The index swap failed half-way and rolled back without alerting anyone on the search team. The
swap's timeout was 30 s, set when the index was a tenth of its size; the rollback was silent
by design, because it had only ever happened during deploys, when someone was watching.

## Lessons Learned

A freshness check must read what readers read: the age of the documents served, not the time
a build finished. A rollback nobody hears about is an outage that has not been noticed yet.
"""

QUIET_BODY = """
## Summary

For 40 minutes the edge gateway answered websocket upgrades with 426; live order tracking froze.
The follow-up is tracked in EDGE-4410 (written here only, not in the front matter).
"""

# file name: (id, title, severity, service, team, day, start, end, trigger, ticket, body)
EXTRA = {
    "inc-2026-901-partner-feed-expired-certificate.md": (
        FEED, "Partner catalogue feed rejected: the distributor's CDN served an expired certificate",
        "SEV-2", "inventory-service", "fulfillment", "2026-11-10", "04:10", "06:55", "dependency", TICKET,
        FEED_BODY,
    ),
    "inc-2026-902-probe-false-green.md": (
        PROBE, "Stale search results shown while the freshness probe stayed green",
        "SEV-3", "search-service", "search", "2026-11-11", "09:00", "10:30", "data", TICKET, PROBE_BODY,
    ),
    "inc-2026-903-edge-gateway-quiet-drop.md": (
        QUIET, "Edge gateway dropped websocket upgrades after a rule change",
        "SEV-1", "api-gateway", "platform", "2026-11-12", "13:00", "13:40", "config-change", "", QUIET_BODY,
    ),
}  # fmt: skip
FIELDS = ("id", "title", "severity", "service", "team", "started", "start", "end", "trigger", "ticket")


# ------------------------------------------------------------------------------------ the site


# Postmortems per part of the index (search.py): the sample is written in three parts, so that
# every test here also checks that one search covers them all (a large archive's index is in
# parts of 2,000; the other browser tests read a one-part index).
PART = 20


@pytest.fixture(scope="module")
def search_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("search")
    config = copy_sample(root)
    for name, (*values, body) in EXTRA.items():
        front = FRONT.format(**dict(zip(FIELDS, values, strict=True)))
        (root / "content" / "postmortems" / "2026" / name).write_text(front + body)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("POSTMORTEMS_SEARCH_PART", str(PART))
        build_site(config, root / "site", strict=True)
    yield root


def test_the_index_is_in_parts(search_site: Path, records: list[dict[str, Any]]) -> None:
    """What the other tests search: three parts, each postmortem in one of them (the newest in the
    first, with the site's own pages), each part holding the vocabulary record too, and the
    explorer told where the parts after the first are."""
    index = search_site / "site" / "pagefind"
    counts = [
        sum(
            lang["page_count"]
            for lang in json.loads((folder / "pagefind-entry.json").read_text())["languages"].values()
        )
        for folder in (index, index / "part-2", index / "part-3")
    ]
    assert not (index / "part-4").exists()
    own = counts[0] - PART - 1
    assert own >= 1 and counts[1] == PART + 1 and sum(counts) == len(records) + own + 3
    explorer = (search_site / "site" / "explorer" / "index.html").read_text()
    assert 'data-pm-pagefind-parts="../pagefind/part-2/ ../pagefind/part-3/ "' in explorer


@pytest.fixture(scope="module")
def base(search_site: Path, browser: Browser) -> Iterator[str]:
    with serve(search_site / "site") as url:
        yield url


@pytest.fixture
def tab(new_tab: Callable[..., Tab], base: str) -> Tab:
    return new_tab(base)


@pytest.fixture(scope="module")
def records(search_site: Path) -> list[dict[str, Any]]:
    records = explorer_records(search_site / "site")
    assert {FEED, PROBE, QUIET} <= {r["id"] for r in records}
    return records


@pytest.fixture(scope="module")
def texts(search_site: Path, records: list[dict[str, Any]]) -> dict[str, str]:
    """Each published postmortem's file, as written."""
    return {r["id"]: source_of(search_site / "content", r).read_text() for r in records}


LINK_TARGET = re.compile(r"\]\([^)]*\)")  # a link's address is no text a reader searches


def holding(texts: dict[str, str], pattern: str) -> set[str]:
    return {ident for ident, text in texts.items() if re.search(pattern, LINK_TARGET.sub("]", text), re.I)}


def word(w: str) -> str:
    """A regex for w as a word: not inside a longer run of letters and digits."""
    return rf"(?<![^\W_]){re.escape(w)}(?![^\W_])"


def starting(w: str) -> str:
    """A regex for a word that starts like w (what stemming and completion may also find)."""
    return rf"(?<![^\W_]){re.escape(w[: max(3, len(w) - 2)])}"


def search(tab: Tab, text: str, **facets: str) -> dict[str, Any]:
    """Opens the explorer's URL for these words and facets; the view once it is ready."""
    query = {"text": text, **facets} if text else facets
    tab.open("explorer/?" + urlencode(query))
    state = tab.settle_explorer({k: [v] for k, v in query.items()})
    state["all"] = tab.explorer_all_ids()
    assert state["matches"] == len(state["all"]) == len(set(state["all"])), state["count"]
    return state


# ------------------------------------------------------------------------------------ words


@pytest.mark.parametrize("w", ["gateway", "pay", "key", "delay"])
def test_common_words_find_every_postmortem_that_has_them(tab: Tab, texts: dict[str, str], w: str) -> None:
    """Issue 14: the explorer found nothing for these (stemmed at build time, not in the browser)."""
    state = search(tab, w)
    found = set(state["all"])
    must = holding(texts, word(w))
    assert must, f"the archive has no postmortem with {w!r}: the test proves nothing"
    assert must <= found, f"{w!r} misses {sorted(must - found)}"
    assert found <= holding(texts, starting(w)), f"{w!r} finds {sorted(found - holding(texts, starting(w)))}"
    tab.assert_clean()


@pytest.mark.parametrize(
    ("token", "where"),
    [
        ("PAY-1084", "a ticket id in a body's prose"),
        ("CDN-2231", "a ticket id in the front matter's action items"),
        ("EDGE-4410", "a ticket id written only in the body"),
        ("ERR_CERT_DATE_INVALID", "an error token glued to its namespace (net::) in a log line"),
    ],
)
def test_ticket_ids_and_error_tokens_match_whole(
    tab: Tab, texts: dict[str, str], token: str, where: str
) -> None:
    state = search(tab, token)
    must = holding(texts, word(token))
    assert must, where
    assert set(state["all"]) == must, f"{token} ({where}): {state['all']} instead of {sorted(must)}"
    tab.assert_clean()


def test_a_word_only_in_a_body_without_standard_headings(tab: Tab, texts: dict[str, str]) -> None:
    """FEED has no Summary and no Root Cause; a word of its body finds it, and the snippet shows
    the passage with the word marked."""
    assert "## Summary" not in texts[FEED] and "## Root Cause" not in texts[FEED]
    state = search(tab, "back-off")
    assert FEED in state["all"]
    snippet = tab.page.locator(f'[data-pm-id="{FEED}"] .pm-result__snippet')
    assert "back-off" in snippet.locator("mark").first.inner_text().lower()
    assert "retried every 90 s" in snippet.inner_text()
    tab.assert_clean()


@pytest.mark.parametrize("typed", ["distributor", "distributor's", "Distributor’s", "DISTRIBUTORS"])
def test_possessives_match(tab: Tab, texts: dict[str, str], typed: str) -> None:
    state = search(tab, typed)
    must = holding(texts, word("distributor's"))
    assert FEED in must and must <= set(state["all"]), typed
    tab.assert_clean()


@pytest.mark.parametrize("typed", ["infected", '"infected"', "Infected."])
def test_quoted_words_match(tab: Tab, texts: dict[str, str], typed: str) -> None:
    assert '"infected"' in texts[FEED]
    state = search(tab, typed)
    assert FEED in state["all"], typed
    tab.assert_clean()


def test_two_words_must_both_match(tab: Tab, texts: dict[str, str]) -> None:
    state = search(tab, "gateway certificate")
    found = set(state["all"])
    both = holding(texts, word("gateway")) & holding(texts, word("certificate"))
    assert both and both <= found
    assert found <= holding(texts, starting("gateway")) & holding(texts, starting("certificate"))
    assert found < holding(texts, word("gateway")) | holding(texts, word("certificate")), "an OR, not an AND"
    tab.assert_clean()


def test_words_with_a_facet(tab: Tab, texts: dict[str, str], records: list[dict[str, Any]]) -> None:
    severity = {r["id"]: r["severity"] for r in records}
    state = search(tab, "gateway", severity="SEV-1")
    found = set(state["all"])
    must = {i for i in holding(texts, word("gateway")) if severity[i] == "SEV-1"}
    assert QUIET in must and must <= found
    assert all(severity[i] == "SEV-1" for i in found)
    assert state["checked"] == [["severity", "SEV-1"]]
    tab.assert_clean()


# ------------------------------------------------------------------------------------ the address


def test_the_address_and_hooks_of_the_contract(
    new_tab: Callable[..., Tab], base: str, records: list[dict[str, Any]]
) -> None:
    """§12: the state in the URL (text, one parameter per facet, repeatable, from and to); the
    root's data-pm-ready and data-pm-count; data-pm-id on each result, best match first."""
    tab = new_tab(base)
    # Best match first: the probe's name four times in FEED, once in PROBE.
    state = search(tab, PROBE_NAME.lower())
    assert state["all"][:2] == [FEED, PROBE]
    assert tab.page.get_attribute("[data-pm-explorer]", "data-pm-count") == "2"

    # No words: every postmortem of two severities in a date range, newest first.
    query = [("severity", "SEV-1"), ("severity", "SEV-2"), ("from", "2025-06-01"), ("to", "2026-11-30")]
    tab.open("explorer/?" + urlencode(query))
    tab.settle_explorer({"severity": ["SEV-1", "SEV-2"], "from": ["2025-06-01"], "to": ["2026-11-30"]})
    shown = tab.explorer_all_ids()
    wanted = [
        r
        for r in records
        if r["severity"] in ("SEV-1", "SEV-2") and "2025-06-01" <= r["started"] <= "2026-11-30"
    ]
    assert sorted(shown) == sorted(r["id"] for r in wanted)
    started = {r["id"]: r["started_at"] for r in records}
    assert [started[i] for i in shown] == sorted((started[i] for i in shown), reverse=True), (
        "not newest first"
    )
    assert sorted(tab.explorer_state()["checked"]) == [["severity", "SEV-1"], ["severity", "SEV-2"]]

    # ?text=, not ?q=: Material's header search never opens on the explorer's address.
    assert not tab.page.is_checked("#__search")
    assert tab.page.input_value("[data-pm-search] input[name=text]") == ""
    tab.assert_clean()


def test_a_view_built_by_hand_is_restored_from_its_url(
    new_tab: Callable[..., Tab], base: str, records: list[dict[str, Any]]
) -> None:
    team, _n = Counter(t for r in records for t in r["teams"]).most_common(1)[0]
    severity = Counter(r["severity"] for r in records if team in r["teams"]).most_common(1)[0][0]
    first = new_tab(base)
    first.open("explorer/")
    first.settle_explorer({})
    first.explorer_type("text", team)
    first.settle_explorer({"text": [team]})
    first.explorer_click("severity", severity)
    built = first.settle_explorer({"text": [team], "severity": [severity]})
    by_id = {r["id"]: r for r in records}
    assert all(by_id[i]["severity"] == severity for i in built["ids"])
    first.assert_clean()

    fresh = new_tab(base)
    fresh.open(first.page.url.removeprefix(base))
    assert fresh.settle_explorer({"text": [team], "severity": [severity]}) == built
    fresh.assert_clean()


def check_view(state: dict[str, Any], records: list[dict[str, Any]], **filters: Any) -> set[str]:
    """The explorer shows the records and facet counts the filter gives in Python."""
    view = expected_view(records, **filters)
    assert state["count"] == view.count_text, filters
    assert state["matches"] == len(view.ids), filters
    assert set(state["ids"]) <= view.ids and len(state["ids"]) == min(10, len(view.ids)), filters
    assert state["counts"] == view.counts, filters
    return view.ids


def narrowing_value(counts: dict[str, int], total: int) -> str:
    candidates = sorted((-n, v) for v, n in counts.items() if 0 < n < total)
    assert candidates, f"no value narrows the results: {counts}"
    return candidates[0][1]


def test_facets_narrow_and_count(tab: Tab, records: list[dict[str, Any]]) -> None:
    """Each facet narrows the results; results and every facet's counts follow the explorer's
    rules (values of a facet OR-ed, facets and dates AND-ed, a facet's counts without its own
    choice), computed in Python from incidents.json."""
    tab.open("explorer/")
    state = tab.settle_explorer({})
    check_view(state, records)
    assert sorted(state["counts"]) == sorted(FACETS)
    for facet in FACETS:
        value = narrowing_value(state["counts"][facet], len(records))
        tab.explorer_click(facet, value)
        selected = tab.settle_explorer({facet: [value]})
        check_view(selected, records, facets={facet: [value]})
        tab.explorer_click(facet, value)
        check_view(tab.settle_explorer({}), records)

    days = sorted({r["started"] for r in records})
    start, end = days[len(days) // 4], days[len(days) // 2]
    tab.explorer_type("from", start)
    tab.explorer_type("to", end)
    state = tab.settle_explorer({"from": [start], "to": [end]})
    shown = check_view(state, records, start=start, end=end)
    assert {r["id"] for r in records if r["started"] in (start, end)} <= shown, "the range is inclusive"
    severity = narrowing_value(state["counts"]["severity"], len(shown))
    tab.explorer_click("severity", severity)
    state = tab.settle_explorer({"from": [start], "to": [end], "severity": [severity]})
    check_view(state, records, start=start, end=end, facets={"severity": [severity]})
    tab.page.locator("[data-pm-explorer] button[type=reset]").click()
    check_view(tab.settle_explorer({}), records)
    tab.assert_clean()


# ------------------------------------------------------------------------------------ the explorer


def test_text_typed_while_the_index_loads_is_kept(tab: Tab) -> None:
    """The search box works at once: what is typed before Pagefind has loaded is searched once it
    has, and the explorer says it is loading meanwhile."""
    held: list[Route] = []
    tab.context.route(re.compile(r"/pagefind/pagefind\.js$"), lambda route: held.append(route))
    tab.open("explorer/?text=gateway")
    tab.page.wait_for_function("() => document.querySelector('.pm-explorer__loading').hidden === false")
    assert tab.page.get_attribute("[data-pm-explorer]", "data-pm-ready") == "false"
    assert tab.page.input_value("[data-pm-explorer] input[name=text]") == "gateway"
    tab.explorer_type("text", "certificate expiry")
    tab.page.wait_for_timeout(300)
    assert held, "the explorer did not ask for Pagefind's script"
    held[0].continue_()
    state = tab.settle_explorer({"text": ["certificate expiry"]})
    assert state["text"] == "certificate expiry" and state["matches"] > 0
    assert tab.page.locator(".pm-explorer__loading").is_hidden()
    tab.assert_clean()


def test_typing_letter_by_letter_ends_on_the_last_words(tab: Tab, texts: dict[str, str]) -> None:
    """Each letter starts a search while the one before may still run: the view shown in the end
    is the one of the whole words, nothing of a letter before."""
    tab.open("explorer/")
    tab.settle_explorer({})
    tab.page.locator("[data-pm-explorer] input[name=text]").press_sequentially("gateway cert", delay=30)
    state = tab.settle_explorer({"text": ["gateway cert"]})
    assert set(tab.explorer_all_ids()) >= holding(texts, word("gateway")) & holding(
        texts, word("certificate")
    )
    assert state["matches"] == len(tab.explorer_all_ids())
    tab.assert_clean()


def test_counts_update_in_place_and_the_focus_stays(tab: Tab, records: list[dict[str, Any]]) -> None:
    """Ticking a value with the keyboard updates every count without moving the focus; values
    with no match are hidden, a facet shows its top five and "Show N more"."""
    tab.open("explorer/")
    tab.settle_explorer({})
    services = {s for r in records for s in r["services"]}
    group = tab.page.locator('.pm-facet[data-facet="service"]')
    assert group.locator("label:visible").count() == 5 < len(services)
    more = group.locator("button.pm-facet__more")
    assert more.inner_text() == f"Show {len(services) - 5} more"
    more.click()
    assert group.locator("label:visible").count() == len(services)

    box = tab.page.locator('.pm-facet[data-facet="severity"] input').first
    box.focus()
    tab.page.keyboard.press("Space")
    severity = box.get_attribute("value") or ""
    state = tab.settle_explorer({"severity": [severity]})
    assert tab.page.evaluate("document.activeElement.value") == severity
    assert tab.page.evaluate("document.activeElement.matches(':focus-visible')")
    outline = tab.page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none"), "no visible focus on the checkbox"
    zero = [v for v, n in state["counts"]["service"].items() if n == 0]
    assert zero, "the test needs a service with no SEV match"
    for value in zero:
        assert group.locator(f'input[value="{value}"]').is_hidden(), f"{value} has no match but is shown"
    tab.assert_clean()


def test_an_empty_result_says_so_and_offers_to_clear_the_filters(tab: Tab) -> None:
    tab.open("explorer/?" + urlencode({"text": PROBE_NAME, "severity": "SEV-1"}))
    state = tab.settle_explorer({"text": [PROBE_NAME], "severity": ["SEV-1"]})
    assert state["matches"] == 0 and state["count"].startswith("0 of ")
    empty = tab.page.locator(".pm-explorer__empty")
    assert "No postmortem matches" in empty.inner_text()
    empty.locator("button").click()
    state = tab.settle_explorer({"text": [PROBE_NAME]})
    assert state["matches"] == 2 and state["checked"] == []
    assert tab.page.evaluate("document.activeElement.name") == "text"
    tab.assert_clean()


def test_one_live_region_the_result_count(tab: Tab) -> None:
    tab.open("explorer/?text=gateway")
    tab.settle_explorer({"text": ["gateway"]})
    live = tab.page.evaluate(
        "[...document.querySelectorAll('[aria-live], [role=status], [role=alert]')].map(e => e.className)"
    )
    assert live == ["pm-explorer__count"]
    tab.assert_clean()


def test_on_a_phone_results_come_first_and_facets_fold(new_tab: Callable[..., Tab], base: str) -> None:
    tab = new_tab(base, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    tab.open("explorer/?text=gateway")
    tab.settle_explorer({"text": ["gateway"]})
    facets = tab.page.locator(".pm-explorer__facets")
    toggle = tab.page.locator(".pm-explorer__toggle")
    assert facets.is_hidden() and toggle.is_visible()
    first = tab.page.locator("[data-pm-id]").first.bounding_box()
    assert first is not None and first["y"] < 844, "the first result is not on the first screen"
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true" and facets.is_visible()
    width = tab.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width}px)"
    tab.assert_clean()


def test_a_root_cause_word_after_instant_navigation(
    tab: Tab, search_site: Path, records: list[dict[str, Any]]
) -> None:
    """Home → Explorer by Material's instant navigation, then a search: the result's link opens it."""
    w, record = distinctive_root_cause_word(search_site / "content", records)
    tab.open("", instant_ready=True)
    tab.click_instantly(tab.nav_link("Explorer"), "explorer/")
    tab.settle_explorer({})
    tab.explorer_type("text", w.upper())
    state = tab.settle_explorer({"text": [w.upper()]})
    assert state["ids"] == [record["id"]] and state["links"] == [tab.url(record["url"])]
    tab.click_instantly(tab.page.locator("[data-pm-id] a").first, record["url"])
    assert tab.page.locator(".pm-card").get_attribute("data-pm-id") == record["id"]
    tab.assert_clean()


# ------------------------------------------------------------------------------------ the header


def test_nothing_of_the_index_loads_before_the_search_box_is_used(tab: Tab) -> None:
    tab.open("", instant_ready=True)
    tab.page.wait_for_timeout(300)
    assert not [u for u in tab.requests if "/pagefind/" in u or "search_index" in u]
    tab.page.locator("[data-pm-search] input[name=text]").focus()
    for _ in range(100):  # focusing the box starts loading Pagefind, for a quick first result
        if tab.requested("/pagefind/pagefind.js") and tab.requested("/pagefind/pagefind-entry.json"):
            break
        tab.page.wait_for_timeout(50)
    assert tab.requested("/pagefind/pagefind.js"), tab.requests
    assert tab.requested("/pagefind/pagefind-entry.json"), tab.requests
    tab.assert_clean()


def test_header_search_shows_results_as_you_type_and_leads_to_the_explorer(
    tab: Tab, search_site: Path, records: list[dict[str, Any]]
) -> None:
    """A ticket id finds its postmortem with severity and service; the link to all results and
    Enter open the explorer with the words; the site's own pages are found too."""
    items = load_json(search_site / "site", "action-items.json")
    by_id = {r["id"]: r for r in records}
    ticket, record = next(
        (i["ticket"], by_id[i["incident"]])
        for i in sorted(items, key=lambda i: i["incident"])
        if i.get("ticket")
        and i["incident"] in by_id
        and action_item_origin(search_site / "content", by_id[i["incident"]]) == "body"
        and sum(1 for j in items if j.get("ticket") == i["ticket"]) == 1
    )
    tab.open("incidents/")
    results = tab.header_search(ticket)
    assert results.count() >= 1
    first = results.first
    assert urlsplit(first.locator("a").get_attribute("href") or "").path == "/" + record["url"]
    text = first.inner_text()
    assert record["severity"] in text and any(s in text for s in record["services"]), text
    link = tab.page.locator("[data-pm-search-all]")
    assert urlsplit(link.get_attribute("href") or "").query == urlencode({"text": ticket})
    assert re.fullmatch(r"All [1-9]\d* postmortems? in the explorer", link.inner_text()), link.inner_text()
    tab.page.keyboard.press("Enter")
    tab.page.wait_for_url(re.compile(r"/explorer/\?text="))
    state = tab.settle_explorer({"text": [ticket]})
    assert record["id"] in state["ids"]

    guide = tab.header_search("blameless")
    hrefs = [
        urlsplit(guide.nth(i).locator("a").get_attribute("href") or "").path for i in range(guide.count())
    ]
    assert "/guide/" in hrefs, hrefs
    # The keyboard: down into the results and back, Escape closes, "/" focuses the box again.
    tab.page.keyboard.press("ArrowDown")
    assert tab.page.evaluate("document.activeElement.closest('.md-search-result__item') !== null")
    tab.page.keyboard.press("ArrowUp")
    assert tab.page.evaluate("document.activeElement.name") == "text"
    tab.page.keyboard.press("Escape")
    assert not tab.page.is_checked("#__search")
    tab.page.keyboard.press("/")
    assert tab.page.evaluate("document.activeElement.name") == "text", "/ does not focus the search box"
    tab.assert_clean()


def test_header_search_offers_the_page_of_a_service_and_of_a_team(tab: Tab, search_site: Path) -> None:
    """A service's or a team's name leads to its generated page, besides the postmortems."""
    service = next(
        s for s in load_json(search_site / "site", "services.json") if s["incidents"] and s["team"]
    )
    tab.open("")
    for words, wanted in [
        (service["name"], "/" + service["url"]),
        (service["team"], f"/teams/{service['team']}/"),
    ]:
        results = tab.header_search(words)
        hrefs = [
            urlsplit(results.nth(i).locator("a").get_attribute("href") or "").path
            for i in range(results.count())
        ]
        assert wanted in hrefs, (words, hrefs)
    tab.assert_clean()


def test_facets_and_results_name_factors_as_every_page_does(tab: Tab, records: list[dict[str, Any]]) -> None:
    """Contributing factors and triggers by name ("Missing timeout"), the slug in the title."""
    factor = Counter(f for r in records for f in r["factors"] if "-" in f).most_common(1)[0][0]
    tab.open("explorer/?" + urlencode({"factor": factor}))
    tab.settle_explorer({"factor": [factor]})
    shown = tab.page.locator(f'.pm-facet input[name="factor"][value="{factor}"] + .pm-facet__value')
    name = factor.replace("-", " ").capitalize()
    assert shown.inner_text() == name and shown.get_attribute("title") == factor
    first = tab.page.locator(".pm-result .pm-result__meta").first.inner_text()
    assert name in first and factor not in first, first
    tab.assert_clean()
