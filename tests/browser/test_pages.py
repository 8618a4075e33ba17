"""Every page kind of the sample site in a real Chromium, as people read it: no page wider than a
390 px phone or a 1400 px desktop, no accessibility violation from our templates, CSS or JS (axe-core,
light and dark palette), and sortable tables usable with the keyboard alone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import Tab
from playwright.sync_api import Browser
from sites import ROOT

pytestmark = pytest.mark.browser

AXE = ROOT / "tests" / "browser" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
# Material's own elements: the theme's header, navigation, search, footer and buttons are not ours
# to fix (its primary colour on slate, for one). Our markup is everything inside the content but
# the wrapper Material's script puts around a postmortem's Markdown tables (ours is `.pm-scroll`).
MATERIAL = [
    ".md-header",
    ".md-tabs",
    ".md-sidebar",
    ".md-footer",
    ".md-search",
    ".md-top",
    ".md-source",
    ".md-content__button",
    ".md-skip",
    ".md-dialog",
    ".md-banner",
    ".md-typeset__scrollwrap:not(.pm-scroll)",  # Material's JS wraps the Markdown's own tables
]
# Material's links in running text are told apart by colour alone (no underline): that is the
# theme's look on every page of a Material site, the user's own pages too, so it is not checked.
MATERIAL_RULES = ["link-in-text-block"]
AXE_RUN = """([exclude, disabled]) => axe.run(
  {include: [document], exclude: exclude.map(s => [s])},
  {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}, resultTypes: ['violations'],
   rules: Object.fromEntries(disabled.map(r => [r, {enabled: false}]))}
).then(r => r.violations.map(v => ({
  id: v.id, impact: v.impact,
  nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ': ' + ((n.any[0] || {}).message || '')),
})))"""


def page_kinds(site: Path) -> list[str]:
    """One page of each kind the plugin generates, and a postmortem, found in the built site."""

    def first(folder: str) -> str:
        pages = sorted((site / folder).glob("*/index.html"))
        assert pages, f"no page under {folder}/"
        return pages[0].parent.relative_to(site).as_posix() + "/"

    fixed = ["", "incidents/", "explorer/", "services/", "teams/", "patterns/", "action-items/"]
    fixed += ["trends/", "reports/", "backlog/", "targets/", "digest/"]
    postmortem = sorted((site / "postmortems").glob("*/*/index.html"))[0].parent.relative_to(site)
    details = [first("services"), first("teams"), first("reports"), first("patterns/factors")]
    return fixed + details + [postmortem.as_posix() + "/"]


@pytest.fixture
def tab(browser: Browser, base: str) -> Iterator[Tab]:
    tab = Tab.open_in(browser, base)
    yield tab
    tab.context.close()


@pytest.mark.parametrize("width", [390, 1400])
def test_no_page_is_wider_than_the_viewport(tab: Tab, sample_site: Path, width: int) -> None:
    tab.page.set_viewport_size({"width": width, "height": 900})
    wide = {}
    for path in page_kinds(sample_site):
        tab.open(path)
        scroll = tab.page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            wide[path] = scroll
    assert not wide, f"pages wider than {width} px: {wide}"
    tab.assert_clean()


@pytest.mark.parametrize(
    ("scheme", "width"), [("default", 1400), ("slate", 1400), ("default", 390), ("slate", 390)]
)
def test_axe_finds_no_violation_in_our_markup(tab: Tab, sample_site: Path, scheme: str, width: int) -> None:
    """Every page kind at a desktop width and at a 390 px phone, with its charts drawn (their
    labels and the data tables' scroll wrappers are checked too)."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci --prefix tests/browser/axe` (scripts/test.sh does)")
    tab.page.set_viewport_size({"width": width, "height": 900})
    found: dict[str, list[dict[str, Any]]] = {}
    for path in page_kinds(sample_site):
        tab.open(path)
        if tab.page.locator(".pm-chart").count():
            tab.wait_for_charts()
        # Material eases link colours over 125 ms: without transitions axe reads the final ones,
        # not a colour half-way from the other palette (a flaky 2.34:1 on slate).
        tab.page.add_style_tag(content="*, *::before, *::after { transition: none !important; }")
        # What Material's palette toggle does: the scheme is an attribute of the body.
        tab.page.evaluate("s => document.body.setAttribute('data-md-color-scheme', s)", scheme)
        tab.page.add_script_tag(path=str(AXE))
        violations = tab.page.evaluate(AXE_RUN, [MATERIAL, MATERIAL_RULES])
        if violations:
            found[path] = violations
    assert not found, f"axe-core violations ({scheme}, {width} px): {found}"


def test_sorting_by_keyboard(tab: Tab) -> None:
    """Tab to a header's button, Enter sorts ascending, Enter again descending; the arrow and
    aria-sort say so, and the rows follow."""
    tab.open("incidents/")
    table = tab.page.locator("table.pm-sortable").first
    button = table.locator("th button.pm-sort").first
    th = table.locator("th").first
    assert th.get_attribute("aria-sort") == "none"
    keys = "rows => rows.map(r => r.cells[0].getAttribute('data-sort'))"
    button.focus()
    assert tab.page.evaluate("document.activeElement.classList.contains('pm-sort')")
    tab.page.keyboard.press("Enter")
    rows = table.locator("tbody tr").evaluate_all(keys)
    assert th.get_attribute("aria-sort") == "ascending" and "▲" in button.inner_text()
    assert rows == sorted(rows) and len(set(rows)) > 1
    tab.page.keyboard.press("Space")
    rows = table.locator("tbody tr").evaluate_all(keys)
    assert th.get_attribute("aria-sort") == "descending" and "▼" in button.inner_text()
    assert rows == sorted(rows, reverse=True)
    tab.assert_clean()


LABELS = """() => {
  const fit = [];
  for (const chart of document.querySelectorAll('.pm-chart[data-pm-drawn]')) {
    const box = chart.getBoundingClientRect();
    for (const t of chart.querySelectorAll('.xtick text, .ytick text')) {
      const r = t.getBoundingClientRect();
      fit.push({chart: chart.closest('figure').id, text: t.textContent, axis: t.closest('.xtick') ? 'x' : 'y',
                inside: r.left >= box.left - 1 && r.right <= box.right + 1 && r.bottom <= box.bottom + 1});
    }
  }
  return fit;
}"""


@pytest.mark.parametrize("width", [390, 1400])
def test_chart_labels_fit_and_counts_are_whole(tab: Tab, width: int) -> None:
    """No tick label is cut at the plot's edge (the heat map's factor names were), and the count
    axis has no 0.5 ticks."""
    tab.page.set_viewport_size({"width": width, "height": 900})
    tab.open("trends/")
    tab.wait_for_charts()
    labels = tab.page.evaluate(LABELS)
    heat = [
        label for label in labels if label["chart"] == "chart-factor-team-heatmap" and label["axis"] == "y"
    ]
    assert heat, "the heat map has no factor labels"
    cut = [label for label in labels if label["chart"] == "chart-factor-team-heatmap" and not label["inside"]]
    assert not cut, f"labels cut at the edge: {cut}"
    counts = [
        label["text"]
        for label in labels
        if label["chart"] == "chart-incidents-by-severity" and label["axis"] == "y"
    ]
    assert counts and all(text.replace("\u2212", "-").lstrip("-").isdigit() for text in counts), counts
    tab.assert_clean()
