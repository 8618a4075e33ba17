"""Report pages are bounded (one very old incident must not give every month since its own page),
and ticket ids link to the tracker when the site says where it is."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import front_matter_file
from sites import build_site, copy_sample


def report_pages(site: Path) -> list[str]:
    return sorted(p.parent.name for p in (site / "reports").glob("*/index.html"))


def test_an_old_incident_does_not_multiply_the_report_pages(tmp_path: Path) -> None:
    config = copy_sample(tmp_path)
    old = front_matter_file(
        id="INC-1628-001",
        title="Vasa capsizes on its maiden voyage: the ship's ballast \"wasn't enough\"",
        started_at="1628-08-10T16:00:00Z",
        detected_at="1628-08-10T16:05:00Z",
        acknowledged_at="1628-08-10T16:06:00Z",
        mitigated_at="1628-08-10T17:00:00Z",
        resolved_at="1628-08-10T18:00:00Z",
        published_at="1628-09-01",
        action_items=[
            {
                "title": "Widen the hull",
                "owner": "@söderberg",
                "status": "open",
                "ticket": "VASA-1 & <b>2</b>",
            }
        ],
    )
    folder = tmp_path / "content" / "postmortems" / "1628"
    folder.mkdir(parents=True)
    (folder / "vasa.md").write_text(old)
    build_site(
        config, tmp_path / "site", report_months=2, ticket_url="https://jira.example.com/browse/{ticket}"
    )
    site = tmp_path / "site"
    months = [m["month"] for m in json.loads((site / "api" / "report.json").read_text())["months"]]
    assert months[0] == "1628-08"  # report.json keeps every month
    pages = report_pages(site)
    # The pages start at the first month with an incident among the latest two.
    rows = json.loads((site / "api" / "report.json").read_text())["months"]
    first = next(r["month"] for r in rows[-2:] if r["incidents"])
    assert pages == [m for m in months if m >= first]
    assert "1628-08" not in pages and len(pages) <= 2
    listing = (site / "reports" / "index.html").read_text()
    assert "August 1628" not in listing and all(f'href="{m}/"' in listing for m in pages)
    if len(pages) == 2:
        newer = (site / "reports" / pages[1] / "index.html").read_text()
        assert f'href="../{pages[0]}/" rel="prev"' in newer

    # The ticket id is linked, URL-quoted in the address and escaped in the text.
    vasa = (site / "postmortems" / "1628" / "vasa" / "index.html").read_text()
    assert (
        '<a href="https://jira.example.com/browse/VASA-1%20%26%20%3Cb%3E2%3C%2Fb%3E" rel="noopener">VASA-1 &amp; &lt;b&gt;2&lt;/b&gt;</a>'
        in vasa
    )
