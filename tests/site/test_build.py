"""A real `mkdocs build` of the sample knowledge base, and of copies of it with broken and
hostile files: every page kind, the JSON API, links, errors, escaping, reproducibility."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from helpers import front_matter_file
from mkdocs.exceptions import Abort
from sites import ROOT, build_site, copy_sample

sys.path.insert(0, str(ROOT / "scripts"))
import compat  # scripts/compat.py: what is published beside the sample (compat.beside)


def load(site: Path, name: str) -> object:
    return json.loads((site / "api" / name).read_text())


SEARCH_BOX = re.compile(r"\bdata-pm-search(?=[\s>])")  # the root of the plugin's header search box


def sample_files() -> list[Path]:
    return sorted((ROOT / "content" / "postmortems").rglob("*.md"))


def test_every_page_kind_is_built(sample_site: Path) -> None:
    for page in (
        "incidents",
        "explorer",
        "services",
        "teams",
        "patterns",
        "action-items",
        "trends",
        "reports",
        "backlog",
    ):
        assert (sample_site / page / "index.html").is_file(), page
    services = load(sample_site, "services.json")
    assert isinstance(services, list)
    for service in services:
        assert (sample_site / service["url"] / "index.html").is_file()
    for name in ("patterns.json", "tags.json", "triggers.json", "fix-classes.json"):
        patterns = load(sample_site, name)
        assert isinstance(patterns, dict) and patterns, name
        for entry in patterns.values():
            assert (sample_site / entry["url"] / "index.html").is_file()
    assert (sample_site / "feeds" / "all.xml").is_file()
    assert (sample_site / "assets/postmortems/vendor/plotly.min.js").is_file()
    assert not (sample_site / "services.yml").exists()  # the catalog is read, not published


def test_incidents_json_lists_every_published_file_and_no_draft(sample_site: Path) -> None:
    incidents = load(sample_site, "incidents.json")
    assert isinstance(incidents, list)
    drafts = [p for p in sample_files() if re.search(r"^status: draft$", p.read_text(), re.M)]
    assert len(drafts) >= 2
    assert len(incidents) == len(sample_files()) - len(drafts)
    assert [i["started_at"] for i in incidents] == sorted(i["started_at"] for i in incidents)
    for incident in incidents:
        assert (sample_site / incident["url"] / "index.html").is_file()
        assert (ROOT / "content" / incident["source"]).is_file()
        assert incident["status"] in ("review", "final")
        for key in (
            "mttr_minutes",
            "mtta_minutes",
            "mttd_minutes",
            "time_to_postmortem_days",
            "is_repeat",
            "repeat_of",
            "action_items",
            "impact",
            "slos",
        ):
            assert key in incident
        assert incident["is_repeat"] == bool(incident["repeat_of"])
    for draft in drafts:
        assert not (sample_site / draft.relative_to(ROOT / "content").with_suffix("")).exists()


def test_sample_has_the_showcase_the_issue_asks_for(sample_site: Path) -> None:
    incidents = load(sample_site, "incidents.json")
    assert isinstance(incidents, list) and len(incidents) >= 38
    assert {i["severity"] for i in incidents} == {"SEV-1", "SEV-2", "SEV-3", "SEV-4"}
    assert len({s for i in incidents for s in i["services"]}) >= 10
    assert len({t for i in incidents for t in i["teams"]}) >= 4
    assert sum(i["is_repeat"] for i in incidents) >= 4
    items = load(sample_site, "action-items.json")
    assert isinstance(items, list)
    states = {i["status"] for i in items}
    assert states >= {"open", "in-progress", "done", "wontfix"}
    assert any(i["overdue"] for i in items)
    assert any(i["status"] == "done" and i["done_at"] and i["done_at"] > i["due"] for i in items)
    patterns = load(sample_site, "patterns.json")
    assert isinstance(patterns, dict)
    assert sum(len(p["teams"]) >= 3 for p in patterns.values()) >= 2  # keyed by contributing factor


def test_services_json_agrees_with_incidents_json(sample_site: Path) -> None:
    incidents = load(sample_site, "incidents.json")
    services = load(sample_site, "services.json")
    assert isinstance(incidents, list) and isinstance(services, list)
    for service in services:
        mine = [i for i in incidents if service["name"] in i["services"]]
        assert service["incidents"] == len(mine)
        open_items = [a for i in mine for a in i["action_items"] if a["status"] in ("open", "in-progress")]
        assert service["open_action_items"] == len(open_items)
        assert service["overdue_action_items"] == sum(a["overdue"] for a in open_items)
        assert service["score"] == sum(service["score_breakdown"].values())
        assert service["band"] in ("promote_to_epic", "bundle_with_existing", "hygiene")
    report = load(sample_site, "report.json")
    assert isinstance(report, dict) and report["as_of"] == "2026-11-20"
    assert sum(m["incidents"] for m in report["months"]) == len(incidents)


def test_postmortem_page_has_the_header_card_and_happened_before(sample_site: Path) -> None:
    incidents = load(sample_site, "incidents.json")
    assert isinstance(incidents, list)
    repeat = next(i for i in incidents if i["repeat_of"])
    page = (sample_site / repeat["url"] / "index.html").read_text()
    assert 'class="pm-card"' in page and "Has this happened before?" in page
    assert f">{repeat['repeat_of'][0]}</a>" in page
    assert f"pm-sev--{repeat['severity'].lower()}" in page
    earlier = next(i for i in incidents if i["id"] == repeat["repeat_of"][0])
    assert f">{repeat['id']}</a>" in (sample_site / earlier["url"] / "index.html").read_text()


def test_action_items_table_is_shown_once(sample_site: Path) -> None:
    """Front-matter action items get a table after the body, unless the body has its own
    Action Items section (legacy files): then that one is the only one."""
    with_section = [p for p in sample_files() if re.search(r"(?im)^## action items", p.read_text())]
    front_only = [p for p in sample_files() if p not in with_section and "action_items:" in p.read_text()]
    assert with_section and front_only
    for path in with_section[:3] + front_only[:3]:
        page = sample_site / "postmortems" / path.parent.name / path.stem / "index.html"
        text = page.read_text()
        assert len(re.findall(r"<h2 id=\"action-items[^\"]*\">Action [Ii]tems", text)) == 1, path.name


def test_the_page_shows_the_action_items_table_and_no_marks(sample_site: Path) -> None:
    incidents = load(sample_site, "incidents.json")
    assert isinstance(incidents, list)
    pm = next(
        i
        for i in incidents
        if i["action_items"]
        and i["source"].endswith(".md")
        and not re.search(r"(?im)^## action items", (ROOT / "content" / i["source"]).read_text())
    )
    title = pm["action_items"][0]["title"]
    page = (sample_site / pm["url"] / "index.html").read_text()
    table = page[page.index('<h2 id="action-items">') :]
    assert "<table" in table and f"<td>{title}</td>" in table
    assert "postmortems:items" not in page and "postmortems:card" not in page


def test_every_page_has_the_plugins_search_box_and_no_material_index(sample_site: Path) -> None:
    """The sample has no Material search plugin: the header still has a search box, ours, a
    form that opens the explorer with ?text=; no page has Material's (which would download its
    index on every page)."""
    pages = sorted(sample_site.rglob("*.html"))
    assert len(pages) > 50
    for page in pages:
        html = page.read_text()
        if page.name == "404.html":
            continue
        assert len(SEARCH_BOX.findall(html)) == 1, page
        box = SEARCH_BOX.split(html, 1)[1].split("</form>", 1)[0]
        action = re.search(r'action="([^"]+)"', box)
        assert action and (page.parent / action[1]).resolve() == sample_site / "explorer", (page, box[:300])
        assert 'name="text"' in box and 'name="query"' not in html, page
        assert 'data-md-component="search"' not in html, page
    assert not (sample_site / "search").exists()
    assert (sample_site / "pagefind" / "pagefind.js").is_file()
    assert not (sample_site / "api" / "explorer.json").exists()


def test_material_search_kept_indexes_only_the_sites_own_pages(tmp_path: Path) -> None:
    """A site that keeps Material's search plugin: the header's box is still ours, and
    Material's index holds the site's own pages, no postmortem and no generated page."""
    config = copy_sample(tmp_path)
    config.write_text(config.read_text().replace("plugins:\n", "plugins:\n  - search\n", 1))
    build_site(config, tmp_path / "site")
    index = json.loads((tmp_path / "site/search/search_index.json").read_text())
    pages = {doc["location"].split("#", 1)[0] for doc in index["docs"]}
    assert pages == {"", "guide/"}, pages
    html = (tmp_path / "site/guide/index.html").read_text()
    assert len(SEARCH_BOX.findall(html)) == 1 and 'data-md-component="search"' not in html


def test_header_search_off_leaves_materials_box(tmp_path: Path) -> None:
    """header_search: false and Material's search plugin: Material's box, over the site's own
    pages; the explorer (and its index) stay."""
    config = copy_sample(tmp_path)
    config.write_text(config.read_text().replace("plugins:\n", "plugins:\n  - search\n", 1))
    build_site(config, tmp_path / "site", header_search=False)
    html = (tmp_path / "site/guide/index.html").read_text()
    assert 'data-md-component="search"' in html and not SEARCH_BOX.search(html)
    assert (tmp_path / "site/pagefind/pagefind.js").is_file()


def test_build_is_reproducible(tmp_path: Path, sample_site: Path) -> None:
    again = tmp_path / "again"
    build_site(ROOT / "mkdocs.yml", again)
    for path in sorted((sample_site / "api").iterdir()):
        assert path.read_bytes() == (again / "api" / path.name).read_bytes(), path.name
    for page in ("services/index.html", "backlog/index.html", "trends/index.html", "feeds/all.xml"):
        assert (sample_site / page).read_bytes() == (again / page).read_bytes(), page


BROKEN = {
    "yaml.md": ("---\nid: INC-2099-001\ntitle: [oops\n---\n", 4, "not valid YAML"),
    "unclosed.md": ("---\nid: INC-2099-002\ntitle: x\n\n## Summary\n", 1, "not closed"),
    "types.md": (front_matter_file(id="INC-2099-003", effort_days="lots"), 14, "must be a number"),
    "enum.md": (front_matter_file(id="INC-2099-004", status="done"), 4, "is not one of draft"),
    "missing.md": (front_matter_file(id="INC-2099-005", title=None), 1, "'title': is required"),
    "dupe.md": (front_matter_file(id="INC-2025-017", services=["payments-api"]), 2, "is already used by"),
    "order.md": (front_matter_file(id="INC-2099-006", resolved_at="2025-03-15T14:00:00Z"), 12, "is before"),
    "tz.md": (front_matter_file(id="INC-2099-007", detected_at="2025-03-15T14:25:00"), 9, "no timezone"),
    "future.md": (front_matter_file(id="INC-2099-008", started_at="2030-01-01T00:00:00Z", detected_at=None,
                                    acknowledged_at=None, mitigated_at=None, resolved_at=None,
                                    published_at=None, status="review"), 8, "in the future"),
    "empty.md": ("", 1, "file is empty"),
    "binary.md": (b"\x00\x01\x02PNG", None, "binary"),
    "latin1.md": (b"---\nid: INC-2099-009\ntitle: caf\xe9\n---\n", 3, "not valid UTF-8"),
    "unknown-service.md": (front_matter_file(id="INC-2099-010", services=["payment-api"]), 7, "Did you mean 'payments-api'"),
    "no-owner.md": (front_matter_file(id="INC-2099-011", action_items=[{"title": "Fix", "due": "2025-04-01"}]), 15, "has no owner"),
    "bad-id.md": (front_matter_file(id="../../etc/passwd"), 2, "not a valid id"),
    "space-id.md": (front_matter_file(id="INC 2099 13"), 2, "not a valid id"),
    "unicode-id.md": (front_matter_file(id="INC-2099-ü"), 2, "not a valid id"),
    "unsafe-service.md": (front_matter_file(id="INC-2099-014", services=["../admin"]), 7, "not a valid name"),
    "unicode-service.md": (front_matter_file(id="INC-2099-015", services=["paymënts"]), 7, "not a valid name"),
    "unsafe-factor.md": (front_matter_file(id="INC-2099-016", contributing_factors=["a/../b"]), 15, "lowercase letters"),
    "huge.md": (front_matter_file(id="INC-2099-017", body="x" * (2100 * 1024)), None, "over the 2048 KiB limit"),
    "table.md": (front_matter_file(id="INC-2099-012", body="## Action Items\n\n| Action | Owner | Due |\n|---|---|---|\n| Fix | @a |\n"), 19, "cells"),
}  # fmt: skip


def bare(text: str, key: str, value: str) -> tuple[str, int]:
    """`text` with `key: value` written bare, as a person would (YAML reads it as a timestamp or
    a number), and the line it is on."""
    lines = text.split("\n")
    number = next(n for n, line in enumerate(lines) if line.lstrip("- ").startswith(f"{key}:"))
    head = lines[number][: lines[number].index(key)]
    lines[number] = f"{head}{key}: {value}"
    return "\n".join(lines), number + 1


DEEP_LIST = "## Summary\n\n" + "- " * 1000 + "step\n"  # a list nested 1,000 deep: RecursionError in Markdown
GUIDANCE = "_The technical cause, and why our safeguards did not stop it. Blameless: systems, not people._"
for name, (text, line), fragment in [
    ("impossible-start.md", bare(front_matter_file(id="INC-2099-020"), "started_at", "2025-02-30T10:00:00Z"),
     "February has no day 30"),
    ("impossible-due.md", bare(front_matter_file(id="INC-2099-021", action_items=[{"title": "Renew", "owner": "@a",
     "due": "x"}]), "due", "2025-13-01"), "there is no month 13"),
    ("huge-number.md", bare(front_matter_file(id="INC-2099-022", effort_days=1), "effort_days", "9" * 400),
     "is too large to be a real number of days"),
    ("nested.md", bare(front_matter_file(id="INC-2099-023"), "title", "[" * 100_000 + "]" * 100_000),
     "more than 64 levels deep"),
    ("hide.md", bare(front_matter_file(id="INC-2099-024", hide="toc"), "hide", "5"), "'hide': must be a list"),
]:  # fmt: skip
    BROKEN[name] = (text, line, fragment)
BROKEN["deep-list.md"] = (
    front_matter_file(id="INC-2099-025", body=DEEP_LIST),
    None,
    "internal error while converting",
)
BROKEN["guidance.md"] = (
    front_matter_file(id="INC-2099-026", body=f"## Summary\n\nIt broke.\n\n## Root Cause\n\n{GUIDANCE}\n"),
    front_matter_file(id="INC-2099-026", body=f"## Summary\n\nIt broke.\n\n## Root Cause\n\n{GUIDANCE}\n")
    .split("\n")
    .index(GUIDANCE)
    + 1,
    "the Root Cause section still holds the template's guidance",
)
GOOD = [
    ("bom.md", "\ufeff" + front_matter_file(id="INC-2099-100")),
    ("crlf.md", front_matter_file(id="INC-2099-101").replace("\n", "\r\n")),
]


def broken_site(tmp_path: Path) -> Path:
    config = copy_sample(tmp_path)
    folder = tmp_path / "content" / "postmortems" / "broken"
    folder.mkdir()
    for name, (content, _line, _fragment) in BROKEN.items():
        data = content if isinstance(content, bytes) else content.encode()
        (folder / name).write_bytes(data)
    for name, text in GOOD:
        (folder / name).write_bytes(text.encode())
    return config


def test_broken_files_are_each_reported_once_and_the_rest_still_builds(tmp_path: Path, mkdocs_log) -> None:  # type: ignore[no-untyped-def]
    config = broken_site(tmp_path)
    mkdocs_log.expect("postmortems/broken/")
    build_site(config, tmp_path / "site")
    messages = mkdocs_log.messages()
    for name, (_content, line, fragment) in BROKEN.items():
        where = f"postmortems/broken/{name}" + (f":{line}:" if line else ":")
        hits = [m for m in messages if m.startswith(where) and fragment in m]
        assert len(hits) == 1, (name, where, fragment, [m for m in messages if name in m])
    incidents = load(tmp_path / "site", "incidents.json")
    assert isinstance(incidents, list)
    ids = {i["id"] for i in incidents}
    assert {"INC-2099-100", "INC-2099-101"} <= ids  # BOM and CRLF files are fine
    # Records whose identity is sound are kept (a bad optional field is dropped and reported).
    kept = {
        "INC-2099-003",
        "INC-2099-006",
        "INC-2099-007",
        "INC-2099-008",
        "INC-2099-010",
        "INC-2099-011",
        "INC-2099-012",
        "INC-2099-016",  # a bad factor is dropped, the record kept
        "INC-2099-021",  # an impossible due date: the item's due is dropped
        "INC-2099-022",
        "INC-2099-024",
        "INC-2099-025",  # its Markdown could not be converted: shown as text, still counted
        "INC-2099-026",
    }
    assert kept <= ids
    assert len(ids) == len(sample_files()) - 2 + 2 + len(kept)
    # Every file is either published or reported: invalid ones still get a page with the errors.
    page = (tmp_path / "site/postmortems/broken/enum/index.html").read_text()
    assert "This postmortem has errors" in page and "is not one of draft" in page
    assert not (tmp_path / "site/postmortems/broken/binary/index.html").exists()
    assert not any("Traceback" in m for m in messages)
    deep = (tmp_path / "site/postmortems/broken/deep-list/index.html").read_text()
    assert '<pre class="pm-unrendered">## Summary' in deep and "RecursionError" in deep  # listed on its page
    impossible = (tmp_path / "site/postmortems/broken/impossible-start/index.html").read_text()
    assert "February has no day 30" in impossible
    # The sample's INC-2025-017 keeps its id (it comes first in path order), and says so.
    kept_id = [m for m in messages if "is also used by postmortems/broken/dupe.md:2" in m]
    assert len(kept_id) == 1 and kept_id[0].startswith("postmortems/2025/"), kept_id


def test_strict_build_fails_on_broken_files(tmp_path: Path) -> None:
    config = broken_site(tmp_path)
    with pytest.raises(Abort):
        build_site(config, tmp_path / "site", strict=True)


HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">'


def test_text_from_postmortems_is_escaped_in_pages_json_and_feeds(tmp_path: Path, mkdocs_log) -> None:  # type: ignore[no-untyped-def]
    config = copy_sample(tmp_path)
    text = front_matter_file(
        id="INC-2099-200",
        title=f"Evil {HOSTILE}",
        authors=[HOSTILE],
        action_items=[{"title": f"Fix {HOSTILE}", "owner": HOSTILE, "due": "2026-01-01", "ticket": HOSTILE}],
        slos=[{"name": HOSTILE, "burn_rate": 2}],
        body=f"## Summary\n\n{HOSTILE} [click](javascript:window.__pwned=1)\n\n## Root Cause\n\n{HOSTILE}\n",
    )
    (tmp_path / "content/postmortems/2025/evil.md").write_text(text)
    build_site(config, tmp_path / "site")
    site = tmp_path / "site"
    for page in site.rglob("*.html"):
        html = page.read_text()
        assert "<script>window.__pwned" not in html, page
        assert 'onerror="window.__pwned' not in html, page
        assert "javascript:window" not in html, page
    for page in site.rglob("*.xml"):
        assert "<script>window" not in page.read_text()
    for name in ("incidents.json", "action-items.json"):
        # JSON keeps the text as data (a string), which the pages escape when they show it.
        assert "window.__pwned" in (site / "api" / name).read_text()


def _nav_links(html: str) -> list[str]:
    nav = html.split('class="md-nav md-nav--primary"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'class="md-nav__link[^"]*"[^>]*>\s*<span class="md-ellipsis">\s*([^<]+?)\s*<', nav)


@pytest.mark.parametrize("nav", ["none", "without-ours"])
def test_index_pages_join_the_navigation(tmp_path: Path, nav: str) -> None:
    config = copy_sample(tmp_path)
    text = config.read_text().split("\nnav:\n", 1)[0]
    if nav == "without-ours":
        text += "\nnav:\n  - Home: index.md\n  - Writing a postmortem: guide.md\n"
    config.write_text(text)
    build_site(config, tmp_path / "site")
    links = _nav_links((tmp_path / "site/index.html").read_text())
    for title in ("Incidents", "Explorer", "Services", "Patterns", "Trends", "Modernization backlog"):
        assert links.count(title) == 1, (title, links)
    if nav == "without-ours":
        assert "Knowledge base" in links
    assert not any(link.startswith("INC-") for link in links)  # postmortems are never in the nav


def test_no_broken_relative_link_in_any_page(sample_site: Path) -> None:
    """Every relative href and src in every built page points at a file of the site."""
    broken = []
    for page in sample_site.rglob("*.html"):
        html = page.read_text()
        for url in re.findall(r'(?:href|src|action|data-pm-plotly|data-pm-pagefind)="([^"]+)"', html):
            if re.match(r"^(?:[a-z]+:|#|/)", url):  # external, fragment, or site-absolute (404.html)
                continue
            if compat.beside(url):  # the plugin's documentation: tests/site/test_guide.py follows it
                continue
            path = url.split("#", 1)[0].split("?", 1)[0]
            if not path:
                continue
            target = (page.parent / path).resolve()
            if not (target.is_file() or (target / "index.html").is_file()):
                broken.append(f"{page.relative_to(sample_site)} -> {url}")
    assert not broken, broken[:20]


def test_long_incident_lists_link_to_the_explorer(tmp_path: Path) -> None:
    config = copy_sample(tmp_path)
    build_site(config, tmp_path / "site", table_limit=2)
    services = load(tmp_path / "site", "services.json")
    assert isinstance(services, list)
    busy = max(services, key=lambda s: s["incidents"])
    page = (tmp_path / "site" / busy["url"] / "index.html").read_text()
    table = page.split('id="incidents"', 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") == 1 + 2  # the header and the two newest
    assert f"Showing 2 of {busy['incidents']}: the newest incidents." in page
    assert f"All {busy['incidents']} in the explorer" in page
    assert f'href="../../explorer/?service={busy["name"]}"' in page
    # The incident index lists four times as many (400 by default: ~240 KB of HTML whatever the
    # archive's size), the newest, and links to the explorer for the rest.
    index = (tmp_path / "site/incidents/index.html").read_text()
    incidents = load(tmp_path / "site", "incidents.json")
    assert isinstance(incidents, list) and len(incidents) > 8
    assert index.count('data-sort="SEV-') == 8
    newest = sorted(incidents, key=lambda r: r["started_at"], reverse=True)[:8]
    assert all(f">{r['id']}</a>" in index for r in newest)
    assert f"Showing 8 of {len(incidents)}: the newest incidents." in index
    assert f"All {len(incidents)} in the explorer" in index


def test_show_drafts_publishes_them_with_a_banner_but_never_counts_them(tmp_path: Path) -> None:
    config = copy_sample(tmp_path)
    build_site(config, tmp_path / "site", show_drafts=True)
    drafts = [p for p in sample_files() if re.search(r"^status: draft$", p.read_text(), re.M)]
    for draft in drafts:
        page = tmp_path / "site" / draft.relative_to(ROOT / "content").with_suffix("") / "index.html"
        assert "This postmortem is a draft" in page.read_text()
    incidents = load(tmp_path / "site", "incidents.json")
    assert isinstance(incidents, list)
    assert len(incidents) == len(sample_files()) - len(drafts)


def test_an_override_of_the_page_parts_that_drops_their_marks_stops_the_build(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = copy_sample(tmp_path)
    override = tmp_path / "theme_overrides" / "postmortems" / "partials" / "parts.html"
    override.parent.mkdir(parents=True)
    override.write_text('{% include "postmortems/partials/card.html" %}\n')
    with pytest.raises(Abort):
        build_site(config, tmp_path / "site")
    assert "partials/parts.html made 1 parts, not 4" in caplog.text
    assert "Traceback" not in caplog.text
