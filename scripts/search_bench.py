"""Search benchmark (issue 14): what a reader waits for and downloads, on a throttled link.

For each archive size it generates the synthetic archive (scripts/synth.py), builds it with the
plugin (the config scripts/bench.py builds, timed in a child process), serves the site from
127.0.0.1 the way static hosts serve it (text gzipped; Pagefind's index files are compressed
already and sent as they are), and drives Debian's chromium through Playwright with DevTools
throttling (Network.emulateNetworkConditions: 40 ms latency, 2.5 MB/s down; it applies to
Pagefind's web worker too) and a cold cache for every measure (a fresh browser context). It
prints:

- the build's time with indexing, and the index's size on disk;
- the explorer, loaded: bytes and seconds from typing words to the first result shown;
- the explorer opened from a shared URL: bytes and seconds from navigation to the first result;
- the header's search box on a loaded page: bytes and seconds from typing to the first result;
- the home page: its bytes in all, and the search data any page downloads before the reader
  uses a search box (the home page and a postmortem page).

"The first result shown" is the first time the explorer's result list gets an item after the
page opened or the words were typed (the view is complete, facet counts too, when the
contract's `data-pm-ready="true"` is set: printed as "counts"), or the header's result list
filled. It prints figures; it is not a test.

    python scripts/search_bench.py --n 1000 --n 10000
    python scripts/search_bench.py --site bench-out/n10000/site-plugin   # an existing build
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import bench  # sibling scripts, not installed modules
import synth
from browser_support import CHROMIUM, LAUNCH_ARGS, serve
from playwright.sync_api import Browser, BrowserContext, Page, Request, sync_playwright

LATENCY_MS = 40
DOWN_BYTES_PER_S = 2.5e6
TEXT_TYPES = (".html", ".js", ".css", ".json", ".xml", ".svg", ".txt", ".map")
TARGETS = {"typed": 1.0, "shared": 2.0, "shared_bytes": 1e6, "page_search_bytes": 100e3, "home_bytes": 1e6}
# The explorer's words: a common word, a ticket id and an error token, two words with a facet.
QUERIES: list[dict[str, str]] = [
    {"text": "timeout"},
    {"text": "pool exhausted"},
    {"text": "connection pool", "severity": "SEV-1"},
]
# When the explorer's first result is shown: the first time its result list gets an item after
# the page opened or the reader typed (it is replaced whole when a search's results are ready).
WATCH = """
window.__pmFirst = null;
document.addEventListener('DOMContentLoaded', () => {
  const list = document.querySelector('.pm-explorer__list');
  if (!list) return;
  new MutationObserver(() => {
    if (window.__pmFirst === null && list.querySelector('[data-pm-id]')) window.__pmFirst = performance.now();
  }).observe(list, {childList: true});
  document.querySelector('[data-pm-explorer] input[name=text]').addEventListener('input', () => {
    window.__pmTyped = performance.now();
    window.__pmFirst = null;
  }, true);
});
"""
FIRST = "() => window.__pmFirst !== null"
READY = """want => {
  const root = document.querySelector('[data-pm-explorer]');
  return root && root.dataset.pmReady === 'true' && new URLSearchParams(location.search).get('text') === want;
}"""
HEADER_READY = """want => {
  const all = document.querySelector('[data-pm-search-all]');
  return all && !all.parentNode.hidden && new URL(all.href).searchParams.get('text') === want;
}"""


# --------------------------------------------------------------------------- serving


class GzipHandler(SimpleHTTPRequestHandler):
    """Static files; text gzipped (level 6, as nginx and most hosts), once per file."""

    protocol_version = "HTTP/1.1"
    packed: ClassVar[dict[str, bytes]] = {}
    lock: ClassVar[threading.Lock] = threading.Lock()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        if not path.is_file():
            self.send_error(404)
            return
        body = path.read_bytes()
        gzipped = path.suffix in TEXT_TYPES and "gzip" in self.headers.get("Accept-Encoding", "")
        if gzipped:
            key = str(path)
            with self.lock:
                if key not in self.packed:
                    self.packed[key] = gzip.compress(body, 6)
                body = self.packed[key]
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Length", str(len(body)))
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
        self.end_headers()
        self.wfile.write(body)


# --------------------------------------------------------------------------- measuring


@dataclass
class Traffic:
    """Every request a context made, with the bytes it transferred (headers and encoded body)."""

    done: list[tuple[float, Request]] = field(default_factory=list)

    def bytes(self, since: float = 0.0, until: float = float("inf"), path: str = "") -> int:
        total = 0
        for at, request in self.done:
            if since <= at <= until and (not path or path in urlsplit(request.url).path):
                sizes = request.sizes()
                total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        return total


def throttled(browser: Browser) -> tuple[BrowserContext, Page, Traffic]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    traffic = Traffic()
    context.on("requestfinished", lambda r: traffic.done.append((time.perf_counter(), r)))
    context.set_default_timeout(120_000)  # a shared machine can be slow; a measure is not a test
    context.add_init_script(WATCH)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": LATENCY_MS,
            "downloadThroughput": DOWN_BYTES_PER_S,
            "uploadThroughput": DOWN_BYTES_PER_S,
        },
    )
    return context, page, traffic


def settle(page: Page, seconds: float = 0.5) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(seconds * 1000)


def typed_in_explorer(browser: Browser, base: str, query: dict[str, str]) -> tuple[float, float, int]:
    """The explorer open with the query's facets; the words typed: seconds to the first result
    and to the whole view (facet counts too), bytes to the first result."""
    context, page, traffic = throttled(browser)
    facets = {k: v for k, v in query.items() if k != "text"}
    page.goto(base + "explorer/" + ("?" + urlencode(facets) if facets else ""))
    page.wait_for_function("() => document.querySelector('[data-pm-explorer]').dataset.pmReady === 'true'")
    settle(page)
    began = time.perf_counter()
    page.fill("[data-pm-explorer] input[name=text]", query["text"])
    page.wait_for_function(FIRST)
    spent = traffic.bytes(since=began)
    page.wait_for_function(READY, arg=query["text"])
    first, typed, ready = page.evaluate("[window.__pmFirst, window.__pmTyped, performance.now()]")
    context.close()
    return (first - typed) / 1000, (ready - typed) / 1000, spent


def shared_url(browser: Browser, base: str, query: dict[str, str]) -> tuple[float, float, int]:
    """A shared explorer URL opened cold: seconds from navigation to the first result and to the
    whole view, bytes to the first result."""
    context, page, traffic = throttled(browser)
    page.goto(base + "explorer/?" + urlencode(query), wait_until="commit")
    page.wait_for_function(FIRST)
    spent = traffic.bytes(until=time.perf_counter())
    page.wait_for_function(READY, arg=query["text"])
    first, ready = page.evaluate("[window.__pmFirst, performance.now()]")  # from the navigation's start
    context.close()
    return first / 1000, ready / 1000, spent


def header_search(browser: Browser, base: str, page_path: str, text: str) -> tuple[float, int, int]:
    """A page loaded, then its header box used: seconds and bytes from typing to the first
    results; and the search data the page fetched before the box was touched."""
    context, page, traffic = throttled(browser)
    page.goto(base + page_path)
    settle(page)
    before = traffic.bytes(path="/pagefind/") + traffic.bytes(path="search_index")
    began = time.perf_counter()
    page.fill("[data-pm-search] input[name=text]", text)
    page.wait_for_function(HEADER_READY, arg=text, timeout=120_000)
    seconds = time.perf_counter() - began
    spent = traffic.bytes(since=began)
    context.close()
    return seconds, spent, before


def page_weight(browser: Browser, base: str, page_path: str) -> tuple[int, int]:
    """A page opened cold and left to finish: its bytes in all, and its search data."""
    context, page, traffic = throttled(browser)
    page.goto(base + page_path)
    settle(page, 1.0)
    total, search = traffic.bytes(), traffic.bytes(path="/pagefind/") + traffic.bytes(path="search_index")
    context.close()
    return total, search


# --------------------------------------------------------------------------- report


def kb(n: float) -> str:
    return f"{n / 1024:,.0f} KB"


def median_of(runs: list[tuple[float, ...]]) -> tuple[float, ...]:
    return tuple(statistics.median(values) for values in zip(*runs, strict=True))


def measure_site(site: Path, runs: int, label: str) -> list[str]:
    index_bytes, index_files = bench.tree_size(site / "pagefind")
    size = f"pagefind/ {index_bytes / 1e6:,.1f} MB, {index_files:,} files"
    lines = [f"== {label}: {site}", f"   index on disk: {size}"]
    print("\n".join(lines), flush=True)
    postmortem = next((site / "postmortems").rglob("index.html")).parent.relative_to(site).as_posix() + "/"
    verdicts: list[tuple[str, bool]] = []
    with serve(site, GzipHandler) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            for query in QUERIES:
                shown = " & ".join(f"{k}={v}" for k, v in query.items())
                typed = median_of([typed_in_explorer(browser, base, query) for _ in range(runs)])
                shared = median_of([shared_url(browser, base, query) for _ in range(runs)])
                lines.append(
                    f"   explorer {shown!r}: typed on a loaded explorer: first result {typed[0]:.2f} s, "
                    f"{kb(typed[2])} (counts {typed[1]:.2f} s); shared URL opened cold: first result "
                    f"{shared[0]:.2f} s, {kb(shared[2])} (counts {shared[1]:.2f} s)"
                )
                print(lines[-1], flush=True)
                verdicts += [
                    (f"typed ≤ {TARGETS['typed']} s ({shown})", typed[0] <= TARGETS["typed"]),
                    (f"shared URL ≤ {TARGETS['shared']} s ({shown})", shared[0] <= TARGETS["shared"]),
                    (f"shared URL ≤ 1 MB before the result ({shown})", shared[2] <= TARGETS["shared_bytes"]),
                ]
            header = median_of([header_search(browser, base, "", "timeout") for _ in range(runs)])
            lines.append(
                f"   header box on the home page, 'timeout': {header[0]:.2f} s, {kb(header[1])} "
                f"(search data before it was used: {kb(header[2])})"
            )
            for name, path in (("home page", ""), ("a postmortem page", postmortem)):
                total, search = median_of([page_weight(browser, base, path) for _ in range(runs)])
                lines.append(f"   {name}: {kb(total)} in all, of which search data {kb(search)}")
                verdicts.append((f"{name}: search data ≤ 100 KB", search <= TARGETS["page_search_bytes"]))
                if not path:
                    verdicts.append(("home page ≤ 1 MB in all", total <= TARGETS["home_bytes"]))
        finally:
            browser.close()
    lines += [f"   {'ok    ' if ok else 'MISSED'} {what}" for what, ok in verdicts]
    return lines


def build(n: int, out: Path, seed: int) -> tuple[Path, list[str]]:
    root = out / f"n{n}"
    root.mkdir(parents=True, exist_ok=True)
    summary = synth.generate(root, n, seed)
    config = root / "mkdocs-plugin.yml"
    config.write_text(bench.BASE_CONFIG.format(kind="plugin", n=n) + bench.PLUGIN_LINES, encoding="utf-8")
    site = root / "site-plugin"
    run = bench.build(config, site, root / "build-plugin.log")
    return site, [
        f"== N={n:,}: {summary.postmortems:,} postmortems, {summary.bytes / 1e6:.1f} MB",
        f"   build with indexing: {run.seconds:.1f} s wall, {run.cpu:.1f} s CPU, rc={run.returncode}, "
        f"peak RSS {run.peak_rss / 2**20:,.0f} MiB, processes left {run.left}",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, action="append", help="archive size; repeat for several")
    parser.add_argument("--site", type=Path, action="append", help="measure this built site instead")
    parser.add_argument("--out", type=Path, default=bench.REPO / "bench-out" / "search")
    parser.add_argument("--runs", type=int, default=3, help="runs of each measure (the median is printed)")
    parser.add_argument("--seed", type=int, default=synth.DEFAULT_SEED)
    args = parser.parse_args()
    os.environ.update(bench.ENV)
    out: Path = args.out.resolve()
    report: list[str] = []
    for site in args.site or []:
        report += measure_site(site.resolve(), args.runs, str(site))
    for n in args.n or ([] if args.site else [1000]):
        site, lines = build(n, out, args.seed)
        print("\n".join(lines), flush=True)
        report += lines + measure_site(site, args.runs, f"N={n:,}")
    print("\n== summary\n" + "\n".join(report), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
