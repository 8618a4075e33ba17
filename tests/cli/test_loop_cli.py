"""The loop on the command line: `postmortems validate` checks the decisions, rubric and targets
files; `postmortems export jira|github` writes the documented import files (checked against the
shapes Jira's CSV importer, Jira Cloud's bulk create and GitHub's REST API document); and the
weekly digest workflow."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import item, record
from postmortems.cli.trackers import JIRA_BULK_LIMIT, Epic, jira_bulk, jira_csv
from postmortems.records.modernization import Decision
from sites import ROOT, copy_sample
from test_cli import call, run  # the real command in a subprocess, and main() in this process

AS_OF = "2026-11-20"


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """A copy of the sample site with as_of fixed, as the command line reads it from mkdocs.yml."""
    config = copy_sample(tmp_path / "site")
    config.write_text(
        config.read_text().replace(
            "      path: postmortems\n", f"      path: postmortems\n      as_of: {AS_OF}\n"
        )
    )
    return config.parent


def promoted_in_sample() -> dict[str, list[str]]:
    """Epic → titles of the sample's action items naming it (wontfix left out), from the files."""
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / "content/postmortems").rglob("*.md")):
        text = path.read_text()
        if "status: draft" in text:
            continue
        front = yaml.safe_load(text.split("---\n")[1]) if text.startswith("---\n") else {}
        for entry in front.get("action_items") or []:
            if entry.get("epic") and entry.get("status") != "wontfix":
                found.setdefault(entry["epic"], []).append(entry["title"])
        for row in re.findall(r"^\|.*\|$", text, re.M):
            cells = [c.strip() for c in row.strip("|").split("|")]
            if len(cells) == 9 and re.fullmatch(r"[A-Z]+-\d+", cells[8]):
                found.setdefault(cells[8], []).append(cells[1])
    return found


# --------------------------------------------------------------------------- validate


def test_validate_checks_the_loops_files(sample: Path) -> None:
    clean = run(sample, "validate")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    decisions = sample / "modernization/prioritized.yaml"
    decisions.write_text(
        decisions.read_text()
        .replace("    epic: MOD-123\n", "", 1)
        .replace("service: recommendations", "service: recomendations")
    )
    targets = sample / "modernization/targets.yaml"
    targets.write_text(targets.read_text().replace("at_least: 0.95", "at_least: 95"))
    broken = run(sample, "validate")
    assert broken.returncode == 1
    lines = broken.stdout.splitlines()
    assert (
        "modernization/prioritized.yaml:7: error: 'decisions.0.epic': is required for promote_to_epic"
        in "\n".join(lines)
    )
    assert any(
        re.match(
            r"modernization/prioritized.yaml:\d+: warning: 'decisions.5.service': 'recomendations'", line
        )
        for line in lines
    )
    assert any(
        line.startswith(
            "modernization/targets.yaml:10: error: 'targets.postmortems_on_time.at_least': 95 is a percentage"
        )
        for line in lines
    )
    # Only the file asked about, as annotations for a pull request.
    github = run(sample, "validate", "--format", "github", "modernization/targets.yaml")
    assert github.returncode == 1
    assert github.stdout.splitlines() == [
        "::error file=modernization/targets.yaml,line=10,title=postmortems::'targets.postmortems_on_time.at_least': "
        "95 is a percentage: shares are 0..1, e.g. 0.95"
    ]
    assert "not a postmortem of this site" not in github.stderr


def test_validate_reports_a_bad_policy_option_and_scoring_model(sample: Path) -> None:
    config = sample / "mkdocs.yml"
    text = config.read_text()
    config.write_text(
        text.replace("      legacy: info", "      legacy: info\n      policy: {deadline_business_days: five}")
    )
    bad = run(sample, "validate")
    assert bad.returncode == 2
    assert (
        "postmortems option 'policy.deadline_business_days' must be a whole number of days ≥ 0, not 'five'"
        in bad.stderr
    )
    config.write_text(text)
    (sample / "modernization/scoring.yaml").write_text("factors: {speed: {weight: 3}}\n")
    model = run(sample, "validate")
    assert model.returncode == 1
    assert "modernization/scoring.yaml: error: unknown factor(s) speed" in model.stdout


# --------------------------------------------------------------------------- export jira


def test_export_jira_writes_the_csv_and_bulk_bodies(sample: Path) -> None:
    result = run(sample, "export", "jira", "--out", "out")
    assert result.returncode == 0, result.stderr
    out = sample / "out"
    assert result.stdout.split() == [
        "out/jira-import.csv",
        "out/jira-epics-bulk-001.json",
        "out/jira-issues-bulk-001.json",
    ]
    rows = list(csv.reader(io.StringIO((out / "jira-import.csv").read_text(encoding="utf-8"), newline="")))
    assert rows[0] == [
        "Issue ID",
        "Parent",
        "Issue Type",
        "Summary",
        "Description",
        "Priority",
        "Due date",
        "Labels",
        "Labels",
    ]
    body = rows[1:]
    kinds = [r[2] for r in body]
    assert kinds == sorted(kinds)  # "Epic" rows first, then the "Task" rows: Jira links parents seen before
    epics = {r[0]: r for r in body if r[2] == "Epic"}
    decisions = yaml.safe_load((sample / "modernization/prioritized.yaml").read_text())["decisions"]
    funded = [d for d in decisions if d["decision"] in ("promote_to_epic", "bundle_with_existing")]
    assert [r[8] for r in epics.values()] == [d["epic"] for d in funded]  # file order, key as label
    assert [r[3] for r in epics.values()] == [d["title"] for d in funded]
    wanted = promoted_in_sample()
    for epic_id, epic in epics.items():
        children = [r for r in body if r[2] == "Task" and r[1] == epic_id]
        assert sorted(r[3] for r in children) == sorted(wanted.get(epic[8], [])), epic[8]
        assert all(r[8] == epic[8] and r[7] == "modernization" for r in children)
        assert all(
            r[5] in ("High", "Medium", "Low", "") and re.fullmatch(r"(\d{4}-\d{2}-\d{2})?", r[6])
            for r in children
        )
    ids = [r[0] for r in body]
    assert len(set(ids)) == len(ids) and all(r[1] in epics for r in body if r[2] == "Task")

    (epic_body,) = [json.loads((out / "jira-epics-bulk-001.json").read_text())]
    (item_body,) = [json.loads((out / "jira-issues-bulk-001.json").read_text())]
    assert [i["fields"]["issuetype"] for i in epic_body["issueUpdates"]] == [{"name": "Epic"}] * len(funded)
    assert {i["fields"]["project"]["key"] for i in epic_body["issueUpdates"]} == {"MOD", "PLAT", "IDN"}
    children = item_body["issueUpdates"]
    assert len(children) == sum(len(v) for k, v in wanted.items() if k in {d["epic"] for d in funded})
    for issue in epic_body["issueUpdates"] + children:
        check_issue(issue)
    assert {i["fields"]["parent"]["key"] for i in children} <= {d["epic"] for d in funded}
    assert all(i["fields"]["project"]["key"] == i["fields"]["parent"]["key"].split("-")[0] for i in children)


def check_issue(issue: dict[str, Any]) -> None:
    """The documented shape of one element of issueUpdates, with an ADF description."""
    assert set(issue) == {"fields"}
    fields = issue["fields"]
    assert {"project", "issuetype", "summary", "description", "labels"} <= set(fields)
    assert 0 < len(fields["summary"]) <= 255 and "\n" not in fields["summary"]
    assert all(re.fullmatch(r"\S+", label) for label in fields["labels"])  # Jira labels have no spaces
    check_adf(fields["description"])


def check_adf(doc: dict[str, Any]) -> None:
    assert doc["type"] == "doc" and doc["version"] == 1 and doc["content"]

    def walk(node: dict[str, Any]) -> None:
        assert node["type"] in ("paragraph", "text", "bulletList", "listItem")
        if node["type"] == "text":
            assert isinstance(node["text"], str) and node["text"]  # Jira rejects empty text nodes
            for mark in node.get("marks", []):
                assert mark["type"] == "link" and mark["attrs"]["href"].startswith(("http://", "https://"))
        else:
            assert node["content"]
            for child in node["content"]:
                walk(child)

    for node in doc["content"]:
        walk(node)


def decision(epic: str, **fields: Any) -> Decision:
    day = dt.date(2026, 8, 1)
    return Decision(
        0, 1, "promote_to_epic", day, day, service="payments-api", epic=epic, owner="@em", **fields
    )


def test_bulk_bodies_hold_at_most_50_issues_and_csv_cells_never_run_as_formulas() -> None:
    incident = record("INC-2026-001", "2026-07-01T10:00:00Z", published_at="2026-07-03")
    items = [(incident, item(f"Item {n}", "2026-09-01", epic="MOD-1")) for n in range(120)]
    items.append((incident, item('=HYPERLINK("https://evil.example","x")', None, epic="MOD-1")))
    epic = Epic("MOD-1", [decision("MOD-1", title='+Payments, "retries" & pools\nsecond line')], items)
    epic_bodies, item_bodies = jira_bulk([epic], None, "https://pm.example.com/")
    assert [len(b["issueUpdates"]) for b in item_bodies] == [50, 50, 21]
    assert [len(b["issueUpdates"]) for b in epic_bodies] == [1]
    assert all(len(b["issueUpdates"]) <= JIRA_BULK_LIMIT for b in item_bodies)
    first = item_bodies[0]["issueUpdates"][0]["fields"]
    assert first["parent"] == {"key": "MOD-1"} and first["duedate"] == "2026-09-01"
    assert first["description"]["content"][-1]["content"][0]["marks"][0]["attrs"]["href"] == (
        "https://pm.example.com/postmortems/inc-2026-001/"
    )
    rows = list(csv.reader(io.StringIO(jira_csv([epic]), newline="")))
    assert rows[1][3] == '\'+Payments, "retries" & pools\nsecond line'  # quoted, newline kept, not a formula
    assert rows[-1][3] == '\'=HYPERLINK("https://evil.example","x")' and rows[-1][6] == ""
    with pytest.raises(ValueError, match="pass --project KEY"):
        jira_bulk([Epic("#42", [decision("#42")], items[:1])], None)
    epic_bodies, _items = jira_bulk([Epic("#42", [decision("#42")], items[:1])], "OPS")
    assert epic_bodies[0]["issueUpdates"][0]["fields"]["project"] == {"key": "OPS"}


def test_export_usage_and_nothing_to_export(
    sample: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    decisions = sample / "modernization/prioritized.yaml"
    decisions.write_text(decisions.read_text().replace("epic: MOD-123", "epic: '#123'"))
    code, _out, err = call(monkeypatch, capsys, sample, "export", "jira", "--out", "out")
    assert code == 2 and "epic '#123' is not a Jira key (like MOD-123): pass --project KEY" in err
    code, _out, _err = call(monkeypatch, capsys, sample, "export", "jira", "--out", "out", "--project", "MOD")
    assert code == 0
    # A second run with fewer issues leaves no stale body behind.
    (sample / "out/jira-issues-bulk-009.json").write_text("{}")
    code, _out, _err = call(monkeypatch, capsys, sample, "export", "jira", "--out", "out", "--project", "MOD")
    assert not (sample / "out/jira-issues-bulk-009.json").exists()
    decisions.write_text("decisions: []\n")
    code, out, err = call(monkeypatch, capsys, sample, "export", "github", "--out", "out")
    assert code == 1 and out == ""
    assert (
        "nothing to export: no promote_to_epic or bundle_with_existing decision with an epic in modernization/prioritized.yaml"
        in err
    )
    code, out, _err = call(monkeypatch, capsys, sample, "export", "--help")
    assert code == 0 and "jira" in out and "github" in out


# --------------------------------------------------------------------------- export github


def test_export_github_writes_rest_issue_bodies(
    sample: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _err = call(monkeypatch, capsys, sample, "export", "github", "--out", "gh")
    assert code == 0 and out.split() == ["gh/github-issues.json"]
    issues = json.loads((sample / "gh/github-issues.json").read_text())
    wanted = promoted_in_sample()
    epics = [i for i in issues if "epic" in i["labels"]]
    children = [i for i in issues if "epic" not in i["labels"]]
    assert issues[: len(epics)] == epics  # epics first
    assert [i["title"].split("]")[0] + "]" for i in epics] == [
        "[MOD-123]",
        "[PLAT-1500]",
        "[PLAT-1520]",
        "[IDN-300]",
    ]
    for issue in issues:
        assert set(issue) == {"title", "body", "labels"}  # POST /repos/{owner}/{repo}/issues
        assert 0 < len(issue["title"]) <= 256 and len(issue["body"]) <= 65536
        assert "modernization" in issue["labels"]
        assert not re.search(r"(?<!`)@[\w.-]+(?!`)", issue["body"].replace("`@", "")), issue[
            "body"
        ]  # no @mention
    for key in ("MOD-123", "PLAT-1500", "PLAT-1520", "IDN-300"):
        mine = [i for i in children if f"epic:{key}" in i["labels"]]
        assert sorted(i["title"] for i in mine) == sorted(wanted[key])
        assert all(f"Part of epic {key}." in i["body"] for i in mine)
    done = next(i for i in epics if i["title"].startswith("[IDN-300]"))
    assert "- [x] " in done["body"]


# --------------------------------------------------------------------------- the digest workflow


def test_digest_workflow_posts_the_slack_message_on_fridays() -> None:
    flow = yaml.safe_load((ROOT / ".github/workflows/postmortems-digest.yml").read_text())
    triggers = flow[True]  # YAML 1.1 reads the key `on` as true
    (schedule,) = triggers["schedule"]
    _minute, _hour, day, month, weekday = schedule["cron"].split()
    assert (day, month, weekday) == ("*", "*", "5")  # Fridays
    assert "workflow_dispatch" in triggers
    job = flow["jobs"]["digest"]
    assert job["env"]["SLACK_WEBHOOK_URL"] == "${{ secrets.SLACK_WEBHOOK_URL }}"
    steps = {s.get("name", s.get("uses")): s for s in job["steps"]}
    assert "mkdocs build --site-dir site" in steps["Build the site (as of today)"]["run"]
    post = steps["Post the digest to Slack"]
    assert post["if"] == "env.SLACK_WEBHOOK_URL != ''"
    assert "--data @site/api/digest.slack.json" in post["run"] and '"$SLACK_WEBHOOK_URL"' in post["run"]
    assert "-H 'Content-type: application/json'" in post["run"] and "-X POST" in post["run"]
    assert flow["permissions"] == {"contents": "read"}
