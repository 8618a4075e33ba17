"""Support for the browser tests: a built site served over HTTP, a browser tab that records what
its pages do (console errors, requests, dialogs), and Python models of what the pages should show."""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Locator, Page, Route
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from postmortems.records.parse import parse_document

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = ("127.0.0.1", "localhost")
PLOTLY = "/assets/postmortems/vendor/plotly.min.js"
TIMEOUT_MS = 10_000

# ------------------------------------------------------------------------------------ serving


class _Handler(SimpleHTTPRequestHandler):
    """Static files, quietly. The sitemap's absolute URLs are rebased on the address the site is
    served from: Material's instant navigation only intercepts links to URLs of the sitemap, and
    it rebases them on the page's scheme and host but not its port, so a site built for
    site_url http://127.0.0.1:8000/ and served on another port would never navigate instantly."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if urlsplit(self.path).path.endswith("/sitemap.xml"):
            path = Path(self.translate_path(self.path))
            if path.is_file():
                origin = f"http://{self.headers.get('Host')}"
                data = re.sub(rb"<loc>https?://[^/<]+", b"<loc>" + origin.encode(), path.read_bytes())
                self.send_response(200)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                return
        super().do_GET()


@contextmanager
def serve(site: Path, handler_class: type[SimpleHTTPRequestHandler] | None = None) -> Iterator[str]:
    """Serves the built site at the root path of 127.0.0.1 on a free port; yields the base URL.
    By default with the sitemap rebased (see _Handler); `handler_class` serves it otherwise."""
    handler = functools.partial(handler_class or _Handler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


# ------------------------------------------------------------------------------------ the tab

ALL_CHARTS_DRAWN = """() => {
  const charts = [...document.querySelectorAll('.pm-chart')];
  return charts.length > 0 && charts.every(el => el.hasAttribute('data-pm-drawn'));
}"""

TRACES = """selector => Array.from(document.querySelector(selector).data, t => ({
  name: t.name, type: t.type, x: Array.from(t.x), y: Array.from(t.y),
}))"""

EXPLORER_STATE = """() => {
  const root = document.querySelector('[data-pm-explorer]');
  const form = root.querySelector('form');
  const counts = {};
  root.querySelectorAll('.pm-facet').forEach(group => {
    const c = counts[group.dataset.facet] = {};
    group.querySelectorAll('label').forEach(label => {
      c[label.querySelector('input').value] = Number(label.querySelector('.pm-count').textContent);
    });
  });
  return {
    text: form.elements.text.value, from: form.elements.from.value, to: form.elements.to.value,
    checked: [...root.querySelectorAll('.pm-facet input:checked')].map(i => [i.name, i.value]),
    ids: [...root.querySelectorAll('[data-pm-id]')].map(r => r.dataset.pmId),
    links: [...root.querySelectorAll('[data-pm-id] a')].map(a => a.href),
    count: root.querySelector('.pm-explorer__count').textContent,
    matches: Number(root.dataset.pmCount),
    counts,
  };
}"""

# The explorer shows the view whose URL query is `want`: the contract's data-pm-ready is "true"
# (set false when a new search starts, with the URL) and the URL holds exactly these parameters.
EXPLORER_SETTLED = """want => {
  const root = document.querySelector('[data-pm-explorer]');
  if (!root || root.dataset.pmReady !== 'true') return false;
  const params = new URLSearchParams(location.search);
  const keys = new Set(params.keys());
  for (const [key, values] of Object.entries(want)) {
    if (JSON.stringify(params.getAll(key).sort()) !== JSON.stringify([...values].sort())) return false;
    keys.delete(key);
  }
  return keys.size === 0;
}"""

SHOW_ALL_RESULTS = """async () => {
  const more = document.querySelector('[data-pm-explorer] .pm-explorer__more');
  for (let i = 0; i < 100 && !more.hidden; i++) {
    const before = document.querySelectorAll('[data-pm-explorer] [data-pm-id]').length;
    more.click();
    while (document.querySelectorAll('[data-pm-explorer] [data-pm-id]').length === before) {
      await new Promise(r => setTimeout(r, 20));
    }
  }
  return [...document.querySelectorAll('[data-pm-explorer] [data-pm-id]')].map(r => r.dataset.pmId);
}"""

# Anything an attacker wrote that became live markup: handlers, scripts, dangerous URLs.
LIVE_PAYLOADS = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const v = attr.value.trim().toLowerCase();
      if (attr.name.startsWith('on') && /pwned|alert/.test(v)) bad.push(`${el.tagName} ${attr.name}=${v}`);
      if (['href', 'src', 'action', 'formaction', 'xlink:href'].includes(attr.name)
          && /^(javascript|vbscript|data:text)/.test(v.replace(/\\s+/g, ''))) {
        bad.push(`${el.tagName} ${attr.name}=${v}`);
      }
    }
    if (el.tagName === 'SCRIPT' && /pwned|alert/.test(el.textContent)) bad.push('SCRIPT ' + el.textContent);
    if (el.tagName === 'IFRAME' || el.tagName === 'OBJECT' || el.tagName === 'EMBED') bad.push(el.outerHTML);
  }
  return bad;
}"""


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob") or parts.hostname in LOCAL_HOSTS


@dataclass
class Tab:
    """One browser context and its page, with everything they did recorded."""

    context: BrowserContext
    page: Page
    base: str
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    @classmethod
    def open_in(cls, browser: Browser, base: str, **options: Any) -> Tab:
        """A tab in a new context (by default a 1280×900 window; `options` go to new_context)."""
        context = browser.new_context(**{"viewport": {"width": 1280, "height": 900}, **options})
        context.set_default_timeout(TIMEOUT_MS)
        # Nothing leaves the machine: a request elsewhere is recorded (and failed by assert_clean).
        context.route(lambda url: not _is_local(url), lambda route: route.abort())
        tab = cls(context, context.new_page(), base)
        context.on("request", lambda request: tab.requests.append(request.url))
        context.on(
            "response",
            lambda response: (
                response.status >= 400 and tab.errors.append(f"HTTP {response.status} {response.url}")
            ),
        )
        tab.page.on(
            "console",
            lambda msg: msg.type == "error" and tab.errors.append(f"console: {msg.text} ({msg.location})"),
        )
        tab.page.on("pageerror", lambda exc: tab.errors.append(f"page error: {exc}"))
        tab.page.on("dialog", tab._dialog)
        return tab

    def __repr__(self) -> str:
        return f"Tab({self.page.url})"

    def wait_until(self, expression: str, failure: str, arg: Any = None) -> None:
        """Waits for a JS expression to hold; fails the test with `failure` if it never does."""
        try:
            self.page.wait_for_function(expression, arg=arg)
        except PlaywrightTimeout:
            raise AssertionError(f"{failure} (on {self.page.url})") from None

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def url(self, path: str) -> str:
        return self.base + path.lstrip("/")

    def open(self, path: str, *, instant_ready: bool = False) -> None:
        """A full page load; with instant_ready, also waits until Material can navigate instantly
        (it intercepts clicks only once it has the sitemap)."""
        self.page.goto(self.url(path), wait_until="networkidle" if instant_ready else "load")

    def requested(self, path_suffix: str) -> list[str]:
        return [u for u in self.requests if urlsplit(u).path.endswith(path_suffix)]

    def foreign_requests(self) -> list[str]:
        return [u for u in self.requests if not _is_local(u)]

    def assert_clean(self) -> None:
        assert not self.errors, f"errors in the browser: {self.errors}"
        assert not self.foreign_requests(), f"requests off the machine: {self.foreign_requests()}"
        assert not self.dialogs, f"dialogs opened: {self.dialogs}"

    # ---- Material

    def nav_link(self, text: str) -> Locator:
        """The primary navigation's link with exactly this text."""
        pattern = re.compile(rf"^\s*{re.escape(text)}\s*$")
        return self.page.locator(".md-sidebar--primary a.md-nav__link").filter(has_text=pattern).first

    def click_instantly(self, link: Locator, path: str) -> None:
        """Clicks a link and checks Material loaded the page by XHR: the window survives."""
        self.page.evaluate(
            "window.__pmMarker = 1; document.querySelector('[data-md-component=container]').__pmOld = 1"
        )
        link.click()
        self.page.wait_for_url(self.url(path))
        self.page.wait_for_load_state("load")
        # Material swaps the page's container for the new one: wait until that happened.
        self.page.wait_for_function(
            "() => { const c = document.querySelector('[data-md-component=container]'); return c && !c.__pmOld; }"
        )
        assert self.page.evaluate("window.__pmMarker") == 1, f"{path} was a full page load, not instant"

    def wait_for_charts(self) -> None:
        self.wait_until(ALL_CHARTS_DRAWN, "the page's charts were never all drawn")

    def header_search(self, text: str) -> Locator:
        """Types into the header's search box; returns the result items once they are shown."""
        box = self.page.locator("[data-pm-search] input[name=text]")
        box.click()
        box.fill(text)
        self.page.wait_for_function(
            """text => {
              const meta = document.querySelector('[data-pm-search-meta]').textContent;
              const all = document.querySelector('[data-pm-search-all]');
              return /matching/i.test(meta) && all.href.includes(encodeURIComponent(text).replace(/%20/g, '+'));
            }""",
            arg=text,
        )
        return self.page.locator("[data-pm-search] li.md-search-result__item")

    # ---- the explorer

    def explorer_state(self) -> dict[str, Any]:
        state: dict[str, Any] = self.page.evaluate(EXPLORER_STATE)
        return state

    def settle_explorer(self, want: dict[str, list[str]]) -> dict[str, Any]:
        """Waits until the explorer rendered the view whose URL query is `want`; returns the view."""
        self.wait_until(EXPLORER_SETTLED, f"the explorer never showed the view {want}", want)
        return self.explorer_state()

    def explorer_type(self, name: str, value: str) -> None:
        self.page.locator(f"[data-pm-explorer] form input[name={name}]").fill(value)

    def explorer_click(self, facet: str, value: str) -> None:
        """Ticks or unticks a facet value, showing the facet's other values first if need be."""
        group = self.page.locator(f'.pm-facet[data-facet="{facet}"]')
        box = group.locator(f'input[name="{facet}"][value="{value}"]')
        if not box.is_visible():
            group.locator("button.pm-facet__more").click()
        box.click()

    def explorer_all_ids(self) -> list[str]:
        """Every result of the current view, in order ("Show more" clicked until all are shown)."""
        ids: list[str] = self.page.evaluate(SHOW_ALL_RESULTS)
        return ids


def fulfill_blank_image(route: Route) -> None:
    """A 200 that is not an image: an <img src=x onerror=…> payload would fire, nothing logs a 404."""
    route.fulfill(status=200, body=b"", content_type="image/gif")


# ------------------------------------------------------------------------------------ models

FACETS: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "severity": lambda r: [r["severity"]],
    "service": lambda r: r["services"],
    "team": lambda r: r["teams"],
    "factor": lambda r: r["factors"],
    "trigger": lambda r: [r["trigger"]] if r["trigger"] else [],
    "status": lambda r: [r["status"]],
}


@dataclass
class View:
    """What the explorer should show for a filter: result ids and every facet's counts."""

    ids: set[str]
    counts: dict[str, dict[str, int]]
    total: int

    @property
    def count_text(self) -> str:
        return f"{len(self.ids)} of {self.total} postmortems"


def expected_view(
    records: list[dict[str, Any]],
    facets: dict[str, list[str]] | None = None,
    start: str = "",
    end: str = "",
    hits: set[str] | None = None,
) -> View:
    """The explorer's rules: values of one facet are OR-ed, facets and dates AND-ed; a facet's
    counts apply every filter but its own."""
    wanted = facets or {}

    def matches(record: dict[str, Any], skip: str | None = None) -> bool:
        if hits is not None and record["id"] not in hits:
            return False
        if (start and record["started"] < start) or (end and record["started"] > end):
            return False
        return all(
            not wanted.get(name) or set(get(record)) & set(wanted[name])
            for name, get in FACETS.items()
            if name != skip
        )

    counts: dict[str, dict[str, int]] = {}
    for name, get in FACETS.items():
        facet_counts = counts[name] = {v: 0 for r in records for v in get(r)}
        for record in records:
            if matches(record, skip=name):
                for value in get(record):
                    facet_counts[value] += 1
    return View({r["id"] for r in records if matches(r)}, counts, len(records))


def explorer_records(site: Path) -> list[dict[str, Any]]:
    """The published postmortems as the explorer's facets see them, from api/incidents.json."""
    return [
        {
            "id": i["id"],
            "title": i["title"],
            "url": i["url"],
            "severity": i["severity"],
            "status": i["status"],
            "services": i["services"],
            "teams": i["teams"],
            "factors": i["contributing_factors"],
            "trigger": i["trigger"],
            "started": i["started_at"][:10],
            "started_at": i["started_at"],
        }
        for i in load_json(site, "incidents.json")
    ]


def source_of(docs_dir: Path, record: dict[str, Any]) -> Path:
    return docs_dir / (record["url"].rstrip("/") + ".md")


WORD = re.compile(r"[^\W_]+", re.UNICODE)  # letters and digits: a word as any search engine splits it


def words_of(text: str) -> set[str]:
    return {w.lower() for w in WORD.findall(text)}


def distinctive_root_cause_word(
    docs_dir: Path, records: Iterable[dict[str, Any]]
) -> tuple[str, dict[str, Any]]:
    """A word of at least 8 letters from one published postmortem's Root Cause that no other
    postmortem file holds, nor any word of another file that shares its first letters (a search
    stems words and completes the last one): searching it must find exactly that one."""
    ordered = sorted(records, key=lambda r: r["id"])
    docs = {
        r["id"]: parse_document(str(source_of(docs_dir, r)), source_of(docs_dir, r).read_text())
        for r in ordered
    }
    files = {path: words_of(path.read_text()) for path in docs_dir.rglob("*.md")}
    for record in ordered:
        section = docs[record["id"]].sections.get("root_cause")
        if section is None:
            continue
        own = source_of(docs_dir, record)
        elsewhere = set().union(*(w for path, w in files.items() if path != own))
        for word in sorted(words_of(section.text)):
            stem = word[: max(4, len(word) - 4)]  # what a stemmer may cut: -ations, -ing, -ed, -s
            if (
                len(word) >= 8
                and word.isascii()
                and word.isalpha()
                and not any(w.startswith(stem) for w in elsewhere)
            ):
                return word, record
    raise AssertionError("no postmortem of the sample has a distinctive word in its root cause")


def action_item_origin(docs_dir: Path, record: dict[str, Any]) -> str:
    """'front matter' or 'body': where a postmortem lists its action items."""
    path = source_of(docs_dir, record)
    doc = parse_document(str(path), path.read_text())
    return "front matter" if doc.front.get("action_items") else "body"


def load_json(site: Path, name: str) -> Any:
    return json.loads((site / "api" / name).read_text())


# ------------------------------------------------------------------------------------ hostile

PAYLOADS = (
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1">',
    "[click](javascript:window.__pwned=1)",
    '"><svg onload=window.__pwned=1>',
    "</title><img src=x onerror=alert(1)>",
    "'><details open ontoggle=alert(2)>",
    "{{ 7*7 }}",
)
PAYLOAD = " ".join(PAYLOADS)
HOSTILE_ID = "INC-2026-990"
HOSTILE_WORD = "zqxhostile"
HOSTILE_TITLE = f"{HOSTILE_WORD} {PAYLOAD}"


def hostile_postmortem(service: str, team: str) -> str:
    """A valid, published postmortem with a payload in every free-text field and in its body."""

    def q(text: str) -> str:
        return json.dumps(text)  # a JSON string is a YAML string

    return f"""---
id: {HOSTILE_ID}
title: {q(HOSTILE_TITLE)}
status: final
severity: SEV-2
services: [{service}]
teams: [{team}]
started_at: 2026-11-02T08:00:00Z
detected_at: 2026-11-02T08:05:00Z
acknowledged_at: 2026-11-02T08:10:00Z
mitigated_at: 2026-11-02T09:00:00Z
resolved_at: 2026-11-02T10:00:00Z
published_at: 2026-11-05
authors: [{q("@mallory " + PAYLOAD)}]
reviewers: [{q(PAYLOAD)}]
slos:
  - name: {q("checkout " + PAYLOAD)}
    kind: availability
    burn_rate: 3.0
impact:
  users_affected: 10
  regulatory: [{q("gdpr " + PAYLOAD)}]
detection: alert
trigger: config-change
contributing_factors: [config-drift]
tags: [dns]
related: [INC-2026-031]
action_items:
  - title: {q("overdue " + PAYLOAD)}
    owner: {q("@owner " + PAYLOAD)}
    due: 2026-11-10
    priority: high
    status: open
    ticket: {q("HOST-1 " + PAYLOAD)}
  - title: {q("done " + PAYLOAD)}
    owner: {q(PAYLOAD)}
    due: 2026-11-08
    priority: low
    status: done
    done_at: 2026-11-07
    ticket: {q(PAYLOAD)}
---

## Summary

{HOSTILE_WORD} summary {PAYLOAD}

<script>window.__pwned=1</script>

<img src=x onerror="window.__pwned=1">

<a href="javascript:window.__pwned=1">raw link</a> <a href=" JaVaScRiPt:alert(3)">spaced link</a>

[click](javascript:window.__pwned=1) [data](data:text/html,<script>alert(4)</script>)

<iframe src="javascript:window.__pwned=1"></iframe>

<details open ontoggle="window.__pwned=1"><summary>details</summary>body</details>

<form action="javascript:window.__pwned=1"><button>send</button></form>

"><svg onload=window.__pwned=1>

## Timeline

| Time (UTC) | Event |
|---|---|
| 2026-11-02 08:00 | {PAYLOAD} |

## Root Cause

{HOSTILE_WORD} root cause {PAYLOAD}
"""
