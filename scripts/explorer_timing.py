"""Measure the incident explorer of a built site in headless Chromium: the bytes its data and
index weigh per postmortem, and the time from opening a shared search URL to the first result.

    python scripts/explorer_timing.py SITE_DIR [--query timeout] [--runs 3]

It prints figures; it is not a test. The site is served on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from browser_support import CHROMIUM, LAUNCH_ARGS


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path)
    parser.add_argument("--query", default="timeout")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    api = args.site / "api"
    records = len(json.loads((api / "explorer.json").read_text())["records"])
    data = (api / "explorer.json").stat().st_size
    index = (api / "explorer-index.json").stat().st_size
    print(f"postmortems: {records:,}")
    print(f"explorer.json:       {data / 1e6:7.2f} MB  {data / records:7.0f} bytes per postmortem")
    print(f"explorer-index.json: {index / 1e6:7.2f} MB  {index / records:7.0f} bytes per postmortem")

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(args.site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/explorer/?q={args.query}"
    times: list[float] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        for _ in range(args.runs):
            page = browser.new_context().new_page()  # a fresh cache each run: a first visit
            page.goto(url)
            page.wait_for_selector(".pm-explorer__count", timeout=120_000)
            shown = page.evaluate("performance.now()")
            times.append(shown)
            count = page.locator(".pm-explorer__count").inner_text()
            page.context.close()
        browser.close()
    server.shutdown()
    print(
        f"time to first result for ?q={args.query} (page open to results shown, fresh cache): "
        f"median {statistics.median(times) / 1000:.2f} s over {len(times)} runs ({count})"
    )


if __name__ == "__main__":
    main()
