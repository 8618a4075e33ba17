"""How long one Pagefind search takes in the browser, index pieces already loaded (issue 14).

It opens each built site's home page in Debian's chromium (no throttling: this measures the
browser's CPU, not the link), loads Pagefind with every part of the index merged (the site's
`pagefind/part-*` folders, as the explorer does), runs one search first so the word chunks and
the WebAssembly are in, then times `pagefind.search(word)` for each word, postmortems only.
Sites are alternated, `--rounds` times. It prints figures; it is not a test.

    python scripts/search_probe.py bench-out/search/n10000/site-plugin OTHER_SITE --word timeout

Used to choose the index's parts (search.py): Pagefind 1.5's cost for a word grows with the
square of the pages it is on, so the same archive in parts of 2,000 searched 2–4 times faster.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from browser_support import CHROMIUM, LAUNCH_ARGS, serve  # the tests' own server and browser
from playwright.sync_api import sync_playwright
from search_bench import GzipHandler

WORDS = ["timeout", "database", "pool", "exhausted", "connection", "the"]
SEARCH = """async ([parts, words]) => {
  const pf = await import('/pagefind/pagefind.js');
  for (const part of parts) await pf.mergeIndex(part);
  await pf.search(words[0], {filters: {kind: 'postmortem'}});
  const out = [];
  for (const w of words) {
    const start = performance.now();
    const found = await pf.search(w, {filters: {kind: 'postmortem'}});
    out.push([w, Math.round(performance.now() - start), found.results.length]);
  }
  return out;
}"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sites", nargs="+", type=Path, help="built sites (with pagefind/)")
    parser.add_argument("--word", action="append", help=f"a word to search (default: {', '.join(WORDS)})")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    words = args.word or WORDS
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        for round_ in range(1, args.rounds + 1):
            for site in args.sites:
                parts = sorted(f"/pagefind/{d.name}/" for d in (site / "pagefind").glob("part-*"))
                with serve(site, GzipHandler) as base:
                    page = browser.new_context().new_page()
                    page.goto(base)
                    timed = page.evaluate(SEARCH, [parts, words])
                    page.context.close()
                shown = ", ".join(f"{w} {ms} ms ({n})" for w, ms, n in timed)
                print(f"round {round_}: {site} ({len(parts) + 1} parts): {shown}")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
