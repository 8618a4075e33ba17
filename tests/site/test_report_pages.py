"""Report pages are bounded (one very old incident must not give every month since its own page),
and ticket ids link to the tracker when the site says where it is."""

from __future__ import annotations

import json
import re
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


def table_after(page: str, heading_id: str) -> str:
    return page.split(f'id="{heading_id}"', 1)[1].split("</table>", 1)[0]


def test_the_running_month_and_capped_tables_in_a_real_build(tmp_path: Path) -> None:
    """as_of 20 November 2026: November is marked partial wherever months are side by side, and
    compared with 1–20 October (report.json says so too). With table_limit 2 every long table
    shows two rows, says "Showing 2 of N" and links to where the rest is."""
    config = copy_sample(tmp_path)
    folder = tmp_path / "content" / "postmortems" / "burst"
    folder.mkdir(parents=True)
    for n in range(1, 13):  # twelve incidents of one service in the scoring window
        start = f"2026-09-{n:02d}T10:00:00Z"
        (folder / f"burst-{n}.md").write_text(
            front_matter_file(
                id=f"INC-2026-9{n:02d}",
                title=f"Burst {n}",
                services=["search-api"],
                started_at=start,
                detected_at=start,
                acknowledged_at=start,
                mitigated_at=f"2026-09-{n:02d}T11:00:00Z",
                resolved_at=f"2026-09-{n:02d}T11:00:00Z",
                published_at=f"2026-09-{n + 14:02d}",
            )
        )
    site = tmp_path / "site"
    build_site(config, site, table_limit=2)
    report = json.loads((site / "api" / "report.json").read_text())
    running = report["running_month"]
    assert running["month"] == "2026-11" and running["days_elapsed"] == 20 and running["days_in_month"] == 30
    assert (running["previous_from"], running["previous_to"]) == ("2026-10-01", "2026-10-20")
    incidents = json.loads((site / "api" / "incidents.json").read_text())
    early_october = [r for r in incidents if "2026-10-01" <= r["started_at"][:10] <= "2026-10-20"]
    assert running["previous_same_days"]["incidents"] == len(early_october)
    whole = next(m for m in report["months"] if m["month"] == "2026-10")
    assert set(running["previous_same_days"]) | {"month"} == set(whole)

    november = (site / "reports" / "2026-11" / "index.html").read_text()
    assert "partial month" in november and "20 of its 30 days" in november
    assert "<th>November 2026 (to 20 November)</th><th>1–20 October 2026</th>" in november
    assert "<td>MTTR p90</td>" in november
    october = (site / "reports" / "2026-10" / "index.html").read_text()
    assert "partial month" not in october and "<th>October 2026</th><th>September 2026</th>" in october
    listing = (site / "reports" / "index.html").read_text()
    assert "November 2026 (to 20 November)</a>" in listing and "(1–20 October 2026)" in listing
    trends = (site / "trends" / "index.html").read_text()
    assert 'href="../reports/2026-11/">its report</a>' in trends and 'id="chart-mttr-by-severity"' in trends

    # Long tables: two rows, the line, and the rest a link away.
    items = json.loads((site / "api" / "action-items.json").read_text())
    page = (site / "action-items" / "index.html").read_text()
    overdue = sum(1 for i in items if i["overdue"])
    open_ = sum(1 for i in items if i["status"] in ("open", "in-progress"))
    assert overdue > 2 and open_ > 2
    for heading, total in (("overdue", overdue), ("open", open_)):
        table = table_after(page, heading)
        assert f'data-pm-shown="2" data-pm-total="{total}">Showing 2 of {total}:' in table
        assert table.count('<tr class="pm-overdue">') + table.count("<tr>") == 1 + 2
        assert 'href="../api/action-items.json"' in table
    # The open table leads with the overdue items, oldest due first.
    open_table = table_after(page, "open")
    dues = [i["due"] for i in items if i["status"] in ("open", "in-progress") and i["due"]]
    assert sorted(dues)[0] in open_table and 'class="pm-overdue"' in open_table
    busiest = max(
        {t for i in items for t in i["teams"]},
        key=lambda t: sum(1 for i in items if t in i["teams"] and i["status"] in ("open", "in-progress")),
    )
    team = (site / "teams" / busiest / "index.html").read_text()
    assert "Showing 2 of" in table_after(team, "action-items")
    # The backlog's reasons name the newest ten incidents counted, the rest in the explorer.
    backlog = (site / "backlog" / "index.html").read_text()
    why = backlog.split('id="why-search-api"', 1)[1].split("</details>", 1)[0]
    counted = re.search(r"showing the newest 10 of (\d+)", why)
    assert counted and int(counted.group(1)) >= 12
    assert len(re.findall(r'<a href="[^"]*postmortems/[^"]*">INC-', why)) == 10
    assert f"all {counted.group(1)} in the explorer" in why
    assert "explorer/?service=search-api&amp;from=2026-08-23&amp;to=2026-11-20" in why
