"""Service, team, pattern and legacy postmortem pages of real builds: the answer first (the fact
card, the recurring factors, the latest incidents), friendly names, legacy pages like the others."""

from __future__ import annotations

import re
from pathlib import Path

from helpers import front_matter_file
from sites import LogCapture, build_site, copy_sample


def article(page: Path) -> str:
    html = page.read_text()
    return html[html.index("<article") : html.index("</article>")]


def order(html: str, *marks: str) -> list[int]:
    return [html.index(mark) for mark in marks]


def test_a_service_page_leads_with_its_fact_card_then_factors_then_latest_incidents(
    sample_site: Path,
) -> None:
    page = article(sample_site / "services/payments-api/index.html")
    at = order(
        page,
        'class="pm-facts"',
        'id="recurring-factors"',
        'id="latest-incidents"',
        'id="incidents"',
        'id="score"',
        'id="open-action-items"',
    )
    assert at == sorted(at)
    card = page[page.index('class="pm-facts"') : page.index("</section>")]
    for fact in ("Incidents", "MTTR median", "Repeats", "Action items", "Maturity", "Decision"):
        assert f"<dt>{fact}</dt>" in card
    assert '10</span> <span class="pm-fact__note">4 in the last 90 days' in card
    assert ">Review due</a>: Promote to epic, MOD-123" in card  # the decisions file's latest for it
    factors = page[page.index('id="recurring-factors"') : page.index('id="latest-incidents"')]
    assert 'href="../../patterns/factors/missing-timeout/" title="missing-timeout">Missing timeout' in factors
    assert "× 7" not in factors and '<span aria-hidden="true">×</span> 7' in factors
    latest = page[page.index('id="latest-incidents"') : page.index('id="incidents"')]
    assert latest.count("<li>") == 5
    assert "bundle_with_existing" not in page and "promote_to_epic" not in page


def test_a_team_page_sums_up_its_services_levels_and_decisions(sample_site: Path) -> None:
    page = article(sample_site / "teams/payments/index.html")
    at = order(page, 'class="pm-facts"', 'id="recurring-factors"', 'id="latest-incidents"', 'id="incidents"')
    assert at == sorted(at)
    card = page[page.index('class="pm-facts"') : page.index("</section>")]
    assert "1 silver, 1 bronze" in card
    assert re.search(
        r">Review due</a>: <a href=\"[^\"]*services/payments-api/\">payments-api</a> \(MOD-123\)", card
    )


def test_a_pattern_page_has_the_name_and_the_slug_as_written(sample_site: Path) -> None:
    page = article(sample_site / "patterns/factors/connection-pool-exhaustion/index.html")
    assert "<h1>Connection pool exhaustion</h1>" in page
    assert "<code>contributing_factors: [connection-pool-exhaustion]</code>" in page
    patterns = article(sample_site / "patterns/index.html")
    assert 'title="connection-pool-exhaustion">Connection pool exhaustion</a>' in patterns


def test_a_legacy_postmortem_reads_like_the_others(sample_site: Path) -> None:
    page = article(sample_site / "postmortems/2025/inc-2025-011-payment-service-outage/index.html")
    assert page.count("<h1") == 1
    at = order(page, "<h1>Payment Service Outage</h1>", 'class="pm-meta"', 'class="pm-card"', 'id="summary"')
    assert at == sorted(at)
    assert "Incident ID:" not in page and "Postmortem: Payment" not in page
    # The later postmortem that cites it by id is found, as a structured one's repeats are.
    box = page[page.index('class="pm-before"') : page.index('id="summary"')]
    assert "Cited by <a" in box and ">INC-2026-037</a>" in box
    cites = article(
        sample_site / "postmortems/2026/inc-2026-037-card-authorization-timeouts-psp-failover/index.html"
    )
    assert "Named in this postmortem: <a" in cites and ">INC-2025-011</a>" in cites


HOSTILE = "<script>window.__pwned=1</script>"


def test_the_fact_card_and_lists_escape_what_comes_from_postmortems(tmp_path: Path, mkdocs_log) -> None:  # type: ignore[no-untyped-def]
    config = copy_sample(tmp_path)
    mkdocs_log.expect("not in the service catalog")
    for n in (1, 2):
        text = front_matter_file(
            id=f"INC-2026-90{n}",
            title=f"Evil {n} {HOSTILE}",
            services=["evil-svc"],
            teams=["evil-team"],
            started_at=f"2026-11-1{n}T10:00:00Z",
            detected_at=None,
            acknowledged_at=None,
            mitigated_at=None,
            resolved_at=f"2026-11-1{n}T11:35:00Z",
            published_at=f"2026-11-1{n + 2}",
            contributing_factors=["xss-in-title"],
        )
        (tmp_path / f"content/postmortems/2026/evil-{n}.md").write_text(text)
    build_site(config, tmp_path / "site")
    for url in ("services/evil-svc", "teams/evil-team"):
        page = article(tmp_path / "site" / url / "index.html")
        assert "<script>window" not in page
        assert "Evil 2 &lt;script&gt;window.__pwned=1&lt;/script&gt;" in page
        assert (
            "Xss in title" in page
            and '<dt>MTTR median</dt><dd><span class="pm-fact__value">1 h 35 min' in page
        )


BACKSTAGE = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: payments-api}
spec: {type: service, owner: group:default/payments, lifecycle: production}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: search-service}
spec: {type: service, owner: group:default/storefront, lifecycle: deprecated}
"""


def test_a_backstage_services_lifecycle_and_deprecated_mark_on_the_built_pages(
    tmp_path: Path, mkdocs_log: LogCapture
) -> None:
    """Backstage's `spec.lifecycle` as the service page shows it, and `deprecated` as a badge
    there and beside the service's name in the services index (for that service only)."""
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: Handbook\ntheme: {name: material, font: false}\n"
        "plugins:\n  - postmortems:\n      backstage: [catalog-info.yaml]\n"
    )
    (tmp_path / "catalog-info.yaml").write_text(BACKSTAGE)
    (tmp_path / "docs/postmortems").mkdir(parents=True)
    (tmp_path / "docs/index.md").write_text("# Handbook\n")
    for number, service in enumerate(("payments-api", "search-service"), 1):
        text = front_matter_file(id=f"INC-2025-{number:03d}", services=[service])
        (tmp_path / f"docs/postmortems/inc-2025-{number:03d}.md").write_text(text)
    build_site(tmp_path / "mkdocs.yml", tmp_path / "site", strict=True)

    badge = '<span class="pm-badge pm-badge--deprecated">deprecated</span>'
    payments = article(tmp_path / "site/services/payments-api/index.html")
    assert "<div><dt>Lifecycle</dt><dd>production</dd></div>" in payments and badge not in payments
    search = article(tmp_path / "site/services/search-service/index.html")
    assert f"<div><dt>Lifecycle</dt><dd>{badge}</dd></div>" in search
    rows = {
        name: row
        for row in re.findall(r"<tr>.*?</tr>", article(tmp_path / "site/services/index.html"), re.S)
        if (name := next(iter(re.findall(r'<a href="[^"]*">([\w-]+)</a>', row)), None))
    }
    assert badge in rows["search-service"] and badge not in rows["payments-api"]
