"""The sample's guide lists the contributing-factor slugs in use, made by the build from the
archive (a placeholder the plugin fills), so it stays true as postmortems are added."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import yaml
from helpers import knowledge, record
from postmortems.site.pages import Layout
from postmortems.site.placeholders import fill
from sites import ROOT, LogCapture, build_docs

sys.path.insert(0, str(ROOT / "scripts"))
import compat  # scripts/compat.py: what is published beside the sample (compat.BESIDE)


def test_the_guide_lists_every_factor_in_use_with_its_count(sample_site: Path) -> None:
    assert "<!-- postmortems:factors -->" in (ROOT / "content" / "guide.md").read_text()
    patterns = json.loads((sample_site / "api" / "patterns.json").read_text())
    html = (sample_site / "guide" / "index.html").read_text()
    table = html.split('id="contributing-factors-in-use"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<a href="([^"]+)"><code>([^<]+)</code></a></td>\s*<td[^>]*>(\d+)</td>', table)
    assert {slug: int(count) for _href, slug, count in rows} == {
        slug: len(entry["incidents"]) for slug, entry in patterns.items()
    }
    counts = [int(count) for _href, _slug, count in rows]
    assert counts == sorted(counts, reverse=True) and len(rows) > 10
    for href, slug, _count in rows:
        assert (sample_site / "guide" / href / "index.html").resolve().is_file(), slug
    assert "postmortems:factors" not in html


def test_unknown_placeholders_are_left_and_named() -> None:
    kb = knowledge([record("INC-2025-001", "2025-03-15T14:23:00Z", contributing_factors=["retry-storm"])])
    text = "a\n<!-- postmortems:factors -->\nb <!--postmortems:colours--> c\n<!-- postmortems:tags -->\n"
    filled, unknown = fill(text, kb, Layout({}, True), "handbook/guide.md")
    assert "[`retry-storm`](../patterns/factors/retry-storm.md) | 1 | " in filled
    assert "<!--postmortems:colours-->" in filled and unknown == ["colours"]
    assert "_None in use yet._" in filled  # no tags in this archive


def test_the_guides_format_reference_link_resolves_where_the_sample_is_published(
    sample_site: Path, tmp_path: Path, mkdocs_log: LogCapture
) -> None:
    """The Pages workflow publishes the sample with the plugin's documentation in its docs/
    folder: built the same way here, the guide's link to the format reference lands on it."""
    flow = yaml.safe_load((ROOT / ".github/workflows/postmortems.yml").read_text())
    runs = [step.get("run", "") for step in flow["jobs"]["build"]["steps"]]
    sample = "mkdocs build --strict --site-dir _site"
    docs = f'mkdocs build --strict -f docs/mkdocs.yml --site-dir "$PWD/_site/{compat.BESIDE}"'
    assert sample in runs and docs in runs
    assert runs.index(sample) < runs.index(docs)  # the sample's build empties _site/ first
    published = tmp_path / "_site"
    shutil.copytree(sample_site, published)
    build_docs(published / compat.BESIDE)

    guide = published / "guide" / "index.html"
    (href,) = re.findall(r'<a href="([^"]+)">format reference</a>', guide.read_text())
    assert compat.beside(href)
    target = (guide.parent / href).resolve()
    target = target / "index.html" if target.is_dir() else target
    assert target.is_file(), href
    assert "<h1" in (page := target.read_text()) and "Format reference" in page
    assert "github.com/OWNER" not in guide.read_text()
