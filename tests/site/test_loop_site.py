"""The loop in real builds: the JSON files of §11 and their shapes, the Slack digest's limits and
escaping, the backlog as the weekly review's agenda, the targets and digest pages, overdue
postmortems (a PagerDuty draft among them), and what a broken decisions file does."""

from __future__ import annotations

import datetime as dt
import json
import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import item, record
from mkdocs.exceptions import Abort
from postmortems.cli import main
from postmortems.insight.knowledge import build_knowledge
from postmortems.insight.loop import build_loop
from postmortems.insight.scoring import load_model
from postmortems.records.modernization import default_rubric
from postmortems.site.loop_export import SLACK_BLOCKS, SLACK_SECTION, digest_slack, mrkdwn
from sites import ROOT, LogCapture, build_site, copy_sample


def load(site: Path, name: str) -> Any:
    return json.loads((site / "api" / name).read_text())


def sample_decisions() -> list[dict[str, Any]]:
    data = yaml.safe_load((ROOT / "modernization/prioritized.yaml").read_text())
    entries: list[dict[str, Any]] = data["decisions"]
    return entries


# --------------------------------------------------------------------------- the JSON files


def test_backlog_json_has_the_contracts_keys_in_score_order(sample_site: Path) -> None:
    backlog = load(sample_site, "backlog.json")
    services = load(sample_site, "services.json")
    assert {row["service"] for row in backlog} == {s["name"] for s in services}
    assert [(-r["score"], r["service"]) for r in backlog] == sorted(
        (-r["score"], r["service"]) for r in backlog
    )
    for row in backlog:
        assert {"service", "team", "score", "band", "score_breakdown", "delta_7d", "delta_30d", "state",
                "decision", "maturity"} <= set(row)  # fmt: skip
        assert row["state"] in ("needs_decision", "review_due", "decided", "none")
        assert isinstance(row["delta_7d"], int) and isinstance(row["delta_30d"], int)
        assert row["score"] == sum(row["score_breakdown"].values())
        assert (row["decision"] is None) == (row["state"] in ("needs_decision", "none"))
        assert row["maturity"] in ("none", "bronze", "silver", "gold")
        if row["state"] == "needs_decision":
            assert row["band"] != "hygiene"
        if row["state"] == "none":
            assert row["band"] == "hygiene"
    states = {row["state"] for row in backlog}
    assert states == {"needs_decision", "review_due", "decided", "none"}  # the sample shows every state
    # The platform decision (a factor) is the latest decision of services it never names.
    by_factor = [r for r in backlog if r["decision"] and r["decision"]["factor"] == "config-drift"]
    assert len(by_factor) >= 2 and all(r["decision"]["service"] is None for r in by_factor)
    assert not (sample_site / "api" / "prioritized.yaml").exists()  # the edited file's name is not reused


def test_decisions_json_lists_every_decision_with_what_it_funded(sample_site: Path) -> None:
    found = load(sample_site, "decisions.json")
    written = sample_decisions()
    assert [(d.get("service"), d.get("factor")) for d in written] == [
        (d["service"], d["factor"]) for d in found
    ]
    items = load(sample_site, "action-items.json")
    incidents = {i["id"]: i for i in load(sample_site, "incidents.json")}
    for decision in found:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", decision["decided_on"])
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", decision["review_on"])
        naming = [a for a in items if decision["epic"] and a["epic"] == decision["epic"]]
        assert decision["promoted_action_items"] == sum(1 for a in naming if a["status"] != "wontfix")
        ids = sorted({a["incident"] for a in naming}, key=lambda i: (incidents[i]["started_at"], i))
        assert decision["incidents"] == ids
    assert any(d["promoted_action_items"] > 0 for d in found)
    # The epic is read from the front matter and from an Action Items table's Epic column.
    assert {a["epic"] for a in items} >= {"MOD-123", "PLAT-1500", "PLAT-1520", "IDN-300"}


def test_digest_json_agrees_with_the_backlog(sample_site: Path) -> None:
    digest = load(sample_site, "digest.json")
    backlog = {r["service"]: r for r in load(sample_site, "backlog.json")}
    assert digest["as_of"] == "2026-11-20"
    assert len(digest["top"]) == 5
    wanted = sorted(backlog.values(), key=lambda r: (-r["score"], -r["delta_7d"], r["service"]))[:5]
    assert [e["service"] for e in digest["top"]] == [r["service"] for r in wanted]
    for entry in digest["top"]:
        row = backlog[entry["service"]]
        assert set(entry) == {"service", "score", "band", "delta_7d", "state", "epic", "newest_incident"}
        assert (entry["score"], entry["band"], entry["delta_7d"], entry["state"]) == (
            row["score"], row["band"], row["delta_7d"], row["state"])  # fmt: skip
        assert entry["epic"] == (row["decision"] or {}).get("epic")
    incidents = {i["id"]: i for i in load(sample_site, "incidents.json")}
    week = [
        i
        for i in incidents.values()
        if i["published_at"] and "2026-11-13" < i["published_at"] <= "2026-11-20"
    ]
    assert digest["published"] == [i["id"] for i in sorted(week, key=lambda i: (i["published_at"], i["id"]))]
    assert digest["published"], "the sample publishes a postmortem in the digest's week"
    assert digest["due_open"] and all("2026-11-13" < d["due"] <= "2026-11-20" for d in digest["due_open"])
    assert set(digest["due_open"][0]) == {"incident", "title", "owner", "due"}


def test_targets_maturity_and_policy_json(sample_site: Path) -> None:
    targets = load(sample_site, "targets.json")
    written = yaml.safe_load((ROOT / "modernization/targets.yaml").read_text())
    assert (targets["as_of"], targets["period_days"]) == ("2026-11-20", written["period_days"])
    assert [t["name"] for t in targets["targets"]] == list(written["targets"])  # file order
    for target in targets["targets"]:
        assert target["target"] == written["targets"][target["name"]]
        assert target["met"] in (True, False, None)
        assert {"name", "previous", "current", "target", "met"} <= set(target)
    assert {t["met"] for t in targets["targets"]} == {True, False}

    maturity = load(sample_site, "maturity.json")
    catalog = yaml.safe_load((ROOT / "content/services.yml").read_text())["services"]
    assert [m["service"] for m in maturity] == sorted(s["name"] for s in catalog)
    for entry in maturity:
        assert set(entry) == {"service", "level", "met", "next_level", "missing"}
        if entry["next_level"] is None:
            assert entry["level"] == "gold" and entry["missing"] == []
        else:
            assert entry["missing"] and not set(entry["missing"]) & set(entry["met"])
    assert {m["level"] for m in maturity} == {"none", "bronze", "silver", "gold"}

    policy = load(sample_site, "policy.json")
    assert policy["required_severities"] == ["SEV-1", "SEV-2"] and policy["deadline_business_days"] == 5
    drafts = [p for p in (ROOT / "content/postmortems").rglob("*.md") if "status: draft" in p.read_text()]
    assert policy["overdue"] and any(p.name.startswith(policy["overdue"][-1].lower()) for p in drafts)
    assert 0 <= policy["on_time"] <= 1
    report = load(sample_site, "report.json")
    assert all("postmortems_on_time" in m and "mttr_minutes_p90" in m for m in report["months"])


# --------------------------------------------------------------------------- Slack


def test_slack_digest_escapes_user_text_and_stays_within_block_kits_limits() -> None:
    evil = "<!channel> Tom & Jerry's <https://evil.example|click> > retry"
    records = [
        record(
            f"INC-2026-{n:03d}",
            f"2026-11-{10 + n % 5:02d}T10:00:00Z",
            services=[f"svc-{n % 9}"],
            title=f"{evil} #{n} " + "x" * 200,
            published_at="2026-11-19",
            action_items=[item(f"Fix {evil}", "2026-11-18")],
        )
        for n in range(1, 81)
    ]
    kb = build_knowledge(records, None, as_of=dt.date(2026, 11, 20), severities=("SEV-1", "SEV-2"),
                         repeat_window_days=90, model=load_model())  # fmt: skip
    loop = build_loop(kb, [], default_rubric(), None)
    message = digest_slack(loop, kb, "https://postmortems.example.com/")
    blocks = message["blocks"]
    assert len(blocks) <= SLACK_BLOCKS
    assert blocks[0]["type"] == "header" and len(blocks[0]["text"]["text"]) <= 150
    text = json.dumps(message)
    assert "<!channel>" not in text and "<https://evil" not in text
    assert "&lt;!channel&gt; Tom &amp; Jerry's &lt;https://evil.example|click&gt; &gt; retry" in text
    sections = [b for b in blocks if b["type"] == "section"]
    assert all(b["text"]["type"] == "mrkdwn" and len(b["text"]["text"]) <= SLACK_SECTION for b in sections)
    listing = next(
        b["text"]["text"] for b in sections if b["text"]["text"].startswith("*Published this week (80)*")
    )
    assert "…and " in listing and "more" in listing  # 80 postmortems do not fit: the rest are counted
    assert "<https://postmortems.example.com/postmortems/inc-2026-001/|INC-2026-001>" in text
    assert mrkdwn("a < b & c > d") == "a &lt; b &amp; c &gt; d"


def test_sample_slack_message_is_a_block_kit_payload(sample_site: Path) -> None:
    message = load(sample_site, "digest.slack.json")
    assert set(message) == {"text", "blocks"}
    assert 1 <= len(message["blocks"]) <= SLACK_BLOCKS
    for block in message["blocks"]:
        assert block["type"] in ("header", "section", "divider", "context")
        if block["type"] == "section":
            assert block["text"]["type"] == "mrkdwn"
    digest = load(sample_site, "digest.json")
    text = json.dumps(message)
    for entry in digest["top"]:
        assert f"services/{entry['service']}/|{entry['service']}>" in text  # linked from site_url
    assert any(word in text for word in ("up ", "down ", "no change"))


# --------------------------------------------------------------------------- pages


def section(html: str, anchor: str) -> str:
    return html.split(f'id="{anchor}"', 1)[1].split("<h2", 1)[0]


def test_backlog_page_is_the_agenda(sample_site: Path) -> None:
    html = (sample_site / "backlog/index.html").read_text()
    backlog = load(sample_site, "backlog.json")
    order = [
        html.index(f'id="{a}"')
        for a in ("needs-decision", "review-due", "decided", "funnel", "maturity", "why")
    ]
    assert order == sorted(order)
    for state, anchor in (
        ("needs_decision", "needs-decision"),
        ("review_due", "review-due"),
        ("decided", "decided"),
    ):
        rows = re.findall(r'<tr id="([^"]+)"[^>]*data-pm-state="([^"]+)"', section(html, anchor))
        assert rows == [(r["service"], state) for r in backlog if r["state"] == state]
    decided = section(html, "review-due")
    first = next(r for r in backlog if r["state"] == "review_due")
    assert first["decision"]["epic"] in decided and first["decision"]["owner"] in decided
    assert "pm-delta--" in html and re.search(r"[▲▼=]</span> (up \d+|down \d+|no change)", html)
    assert html.count('<details class="pm-why"') == sum(
        1 for r in backlog if r["score"] > 0 and r["incidents_in_window"]
    )
    funnel = dict(re.findall(r'data-pm-funnel="(\w+)">(\d+)<', html))
    assert set(funnel) == {"incidents", "action_items", "promoted_items", "epics", "done"}
    counts = [int(funnel[k]) for k in ("incidents", "action_items", "promoted_items", "epics", "done")]
    assert counts[2] <= counts[1] and counts[4] <= counts[3] and counts[3] > 0
    assert "Promotion rate" in html and "p90" in html


def test_the_pages_name_the_decisions_and_targets_files_the_site_configured(
    tmp_path: Path, sample_site: Path, mkdocs_log: LogCapture
) -> None:
    """The backlog says where to record a decision, the targets page where to add targets: the
    files of the options `decisions` and `targets`, not the default paths."""
    sample = (sample_site / "backlog/index.html").read_text()
    assert "in the decisions file (<code>modernization/prioritized.yaml</code>)" in sample
    config = copy_sample(tmp_path / "src")
    (tmp_path / "src/review").mkdir()
    (tmp_path / "src/modernization/prioritized.yaml").rename(tmp_path / "src/review/decisions.yaml")
    mkdocs_log.expect("review/goals.yaml: file not found")  # named by the option, not there yet
    build_site(config, tmp_path / "site", decisions="review/decisions.yaml", targets="review/goals.yaml")
    backlog = (tmp_path / "site/backlog/index.html").read_text()
    assert "in the decisions file (<code>review/decisions.yaml</code>)" in backlog
    assert "prioritized.yaml" not in backlog
    assert len(load(tmp_path / "site", "decisions.json")) == len(sample_decisions())  # read from there
    targets = (tmp_path / "site/targets/index.html").read_text()
    assert "No targets file. Add <code>review/goals.yaml</code>" in targets and "targets.yaml" not in targets


def test_targets_digest_service_and_policy_pages(sample_site: Path) -> None:
    targets = (sample_site / "targets/index.html").read_text()
    for target in load(sample_site, "targets.json")["targets"]:
        assert f'id="{target["name"].replace("_", "-")}"' in targets
    assert targets.count('class="pm-chart-figure"') == len(load(sample_site, "targets.json")["targets"])
    assert "✓ met" in targets and "✗ not met" in targets and "Whole archive" in targets
    # A share's axis says "%" on every tick (0 to 100), a count's or a duration's does not.
    figures = {
        m.group(1): json.loads(unescape(m.group(2)))
        for m in re.finditer(r'id="chart-([^"]+)">\s*<div class="pm-chart" data-pm-chart="([^"]+)"', targets)
    }
    assert figures["target-repeat-rate"]["layout"]["yaxis"]["ticksuffix"] == "%"
    assert "ticksuffix" not in figures["target-mttr-median"]["layout"]["yaxis"]

    digest = (sample_site / "digest/index.html").read_text()
    for entry in load(sample_site, "digest.json")["top"]:
        assert f">{entry['service']}</a>" in digest

    service = (sample_site / "services/payments-api/index.html").read_text()
    level = next(m for m in load(sample_site, "maturity.json") if m["service"] == "payments-api")
    assert f'id="maturity">Maturity: {level["level"].capitalize()}' in service
    assert f"Missing for {level['next_level'].capitalize()}: {', '.join(level['missing'])}" in service

    overdue = load(sample_site, "policy.json")["overdue"]
    for page in ("index.html", "action-items/index.html"):
        html = (sample_site / page).read_text()
        listed = section(html, "overdue-postmortems")
        assert all(ident in listed for ident in overdue), page
    team = next(t for t in load(sample_site, "services.json") if t["name"] == "checkout-web")["team"]
    assert "INC-2026-052" in section(
        (sample_site / f"teams/{team}/index.html").read_text(), "overdue-postmortems"
    )
    report = (sample_site / "reports/2026-10/index.html").read_text()
    assert "Postmortems on time (policy)" in report
    assert "postmortems-on-time" in (sample_site / "trends/index.html").read_text()


# --------------------------------------------------------------------------- bad and hostile files


BROKEN_DECISIONS = """\
decisions:
  - service: payments-apii
    decision: promote_to_epic
    decided_on: 2026-08-07
    owner: "@maya"
  - service: checkout-web
    decision: bundle_with_existing
    decided_on: 2026-11-01
    epic: STORE-700
    owner: "@storefront-em"
    review_on: 2026-10-01
"""


def test_a_broken_decisions_file_is_reported_and_the_rest_kept(tmp_path: Path, mkdocs_log) -> None:  # type: ignore[no-untyped-def]
    config = copy_sample(tmp_path)
    (tmp_path / "modernization/prioritized.yaml").write_text(BROKEN_DECISIONS)
    mkdocs_log.expect("modernization/prioritized.yaml")
    build_site(config, tmp_path / "site")
    messages = [m for m in mkdocs_log.messages() if m.startswith("modernization/")]
    assert messages == [
        "modernization/prioritized.yaml:2: 'decisions.0.epic': is required for promote_to_epic: name the "
        "epic, e.g. epic: MOD-123",
        "modernization/prioritized.yaml:11: 'decisions.1.review_on': 2026-10-01 is before the decision "
        "(2026-11-01): set a later review date, or leave it out for 2027-01-30 (decided_on + 90 days)",
    ]
    backlog = {r["service"]: r for r in load(tmp_path / "site", "backlog.json")}
    assert backlog["checkout-web"]["decision"]["epic"] == "STORE-700"
    assert backlog["checkout-web"]["decision"]["review_on"] == "2027-01-30"
    assert backlog["payments-api"]["decision"] is None  # its only entry was left out
    with pytest.raises(Abort):
        build_site(config, tmp_path / "strict", strict=True)


def test_unknown_service_in_decisions_and_criterion_in_catalog_are_warnings(
    tmp_path: Path, mkdocs_log
) -> None:  # type: ignore[no-untyped-def]
    config = copy_sample(tmp_path)
    path = tmp_path / "modernization/prioritized.yaml"
    path.write_text(path.read_text().replace("service: recommendations", "service: recomendations"))
    catalog = tmp_path / "content/services.yml"
    catalog.write_text(
        catalog.read_text().replace("maturity: [slos-alerting]", "maturity: [slo-alerting]", 1)
    )
    mkdocs_log.expect("modernization/prioritized.yaml", "services.yml")
    build_site(config, tmp_path / "site")
    messages = mkdocs_log.messages()
    assert any(
        re.match(r"modernization/prioritized.yaml:\d+: 'decisions.5.service': 'recomendations' is not in the "
                 r"service catalog nor any postmortem: .* Did you mean 'recommendations'\?", m)
        for m in messages
    ), messages  # fmt: skip
    line = next(n for n, text in enumerate(catalog.read_text().split("\n"), 1) if "slo-alerting" in text)
    assert any(m.startswith(f"services.yml:{line}: service 'cart-service': maturity criterion 'slo-alerting'")
               and "did you mean 'slos-alerting'?" in m for m in messages), messages  # fmt: skip


HOSTILE = '<img src=x onerror="window.__pwned=1">'


def test_text_of_the_loops_files_is_escaped(tmp_path: Path) -> None:
    config = copy_sample(tmp_path)
    path = tmp_path / "modernization/prioritized.yaml"
    text = (
        path.read_text()
        .replace("title: PSP client timeouts, breakers and connection pools", f"title: '{HOSTILE}'")
        .replace('owner: "@maya.okafor"', f"owner: '{HOSTILE}'")
    )
    path.write_text(text)
    build_site(config, tmp_path / "site")
    for page in ("backlog/index.html", "digest/index.html", "services/payments-api/index.html"):
        html = (tmp_path / "site" / page).read_text()
        assert 'onerror="window.__pwned' not in html, page
    assert "&lt;img src=x onerror=" in (tmp_path / "site/backlog/index.html").read_text()


def pagerduty_export() -> dict[str, Any]:
    """GET /incidents: a SEV-1 resolved on Monday 2026-11-09, imported as a draft nobody wrote up."""
    return {
        "incidents": [
            {
                "id": "PX9PAY1",
                "incident_number": 4021,
                "title": "Payments API & checkout <5xx> spike",
                "created_at": "2026-11-09T14:23:00Z",
                "status": "resolved",
                "urgency": "high",
                "service": {"summary": "payments-api"},
                "priority": {"summary": "P1"},
                "last_status_change_at": "2026-11-09T15:10:00Z",
                "html_url": "https://acme.pagerduty.com/incidents/PX9PAY1",
            }
        ]
    }


def test_a_draft_imported_from_pagerduty_is_waiting_for_its_postmortem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mkdocs_log
) -> None:  # type: ignore[no-untyped-def]
    config = copy_sample(tmp_path)
    export = tmp_path / "pd.json"
    export.write_text(json.dumps(pagerduty_export()))
    monkeypatch.chdir(tmp_path)
    assert main(["import", "pagerduty", str(export)]) == 0
    draft = next((tmp_path / "content/postmortems").rglob("*payments-api*checkout*.md"))
    ident = re.search(r"^id: (\S+)$", draft.read_text(), re.M).group(1)  # type: ignore[union-attr]
    assert "status: draft" in draft.read_text()
    build_site(config, tmp_path / "site")
    policy = load(tmp_path / "site", "policy.json")
    assert ident in policy["overdue"]  # 9 business days from 11-09 to 11-20: past the 5 of the policy
    assert ident not in {i["id"] for i in load(tmp_path / "site", "incidents.json")}  # still never counted
    home = section((tmp_path / "site/index.html").read_text(), "overdue-postmortems")
    assert (
        f'<td class="pm-nw">{ident}</td>' in home
    )  # listed, not linked: a draft has no page in `mkdocs build`
    assert "Payments API &amp; checkout &lt;5xx&gt; spike" in home
