"""The command line in a team's real setup: GitLab's Code Quality report, a site with
mkdocs-macros (a Helm snippet in a postmortem), PagerDuty exports of several pages, custom
priority names and services found through the Backstage catalog's PagerDuty annotations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from postmortems.cli.diagnostics import as_gitlab
from postmortems.records.model import Problem
from sites import ROOT
from test_cli import run, write  # tests/cli/test_cli.py: the real command in a subprocess

AS_OF = "2026-11-20"
GOOD = """\
---
id: INC-2025-003
title: Checkout's "5xx" after the payments-api deploy
status: final
severity: SEV-2
services: [payments-api]
started_at: 2025-03-15T14:23:00Z
resolved_at: 2025-03-15T15:10:00Z
published_at: 2025-03-19
---
## Summary

Card payments failed for 47 minutes.
"""
HELM = """\
---
id: INC-2025-004
title: Image tag templated wrong in the Helm chart
status: final
severity: SEV-3
services: [payments-api]
started_at: 2025-04-02T09:00:00Z
resolved_at: 2025-04-02T09:40:00Z
published_at: 2025-04-04
---
## Summary

The chart rendered an empty tag.

## Root Cause

```yaml
image: {{ .Values.image.repository }}:{{ .Values.image.tag }}
```
"""
CATALOG = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments-api
  annotations:
    pagerduty.com/service-id: PIJ90N7
spec: {type: service, owner: group:payments, lifecycle: production}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: search-service
  annotations:
    pagerduty.com/integration-key: 0f4e8c1d2b3a49586a7b8c9d0e1f2a3b
spec: {type: service, owner: group:search, lifecycle: production}
"""


def make_site(root: Path, plugins: list[Any], **options: Any) -> Path:
    config = {
        "site_name": "Handbook",
        "docs_dir": "docs",
        "plugins": [*plugins, {"postmortems": {"as_of": AS_OF, **options}}],
    }
    write(root / "mkdocs.yml", yaml.safe_dump(config))
    write(root / "docs/postmortems/2025/inc-2025-003-checkout.md", GOOD)
    return root


# --------------------------------------------------------------------------- GitLab Code Quality


def test_gitlab_report_has_the_code_quality_fields_and_stable_fingerprints(tmp_path: Path) -> None:
    path = str(tmp_path / "docs/postmortems/a.md")
    problems = [
        Problem("error", path, 5, "'severity': 'SEV-9' is not on the severity scale", key="severity"),
        Problem("warning", path, None, "unknown field 'sevrity'"),
        Problem("warning", path, None, "unknown field 'sevrity'"),  # the same twice: two issues
        Problem("info", path, 1, 'legacy header <b>read</b> "as is"'),
    ]
    rows = json.loads(as_gitlab(problems, cwd=str(tmp_path)))
    assert [r["severity"] for r in rows] == ["major", "minor", "minor", "info"]
    assert rows[0] == {
        "description": "'severity': 'SEV-9' is not on the severity scale",
        "check_name": "postmortems/severity",
        "fingerprint": rows[0]["fingerprint"],
        "severity": "major",
        "location": {"path": "docs/postmortems/a.md", "lines": {"begin": 5}},
    }
    assert rows[1]["location"]["lines"] == {"begin": 1} and rows[1]["check_name"] == "postmortems"
    assert len({r["fingerprint"] for r in rows}) == 4 and all(len(r["fingerprint"]) == 64 for r in rows)
    moved = [Problem("error", path, 9, problems[0].message, key="severity")]  # lines added above it
    assert json.loads(as_gitlab(moved, cwd=str(tmp_path)))[0]["fingerprint"] == rows[0]["fingerprint"]
    assert rows[3]["description"] == 'legacy header <b>read</b> "as is"'  # JSON: GitLab escapes it


def test_validate_format_gitlab_is_a_report_and_fails_on_an_error(tmp_path: Path) -> None:
    site = make_site(tmp_path, ["search"])
    clean = run(site, "validate", "--format", "gitlab")
    assert clean.returncode == 0 and json.loads(clean.stdout) == []
    write(
        site / "docs/postmortems/2025/inc-2025-009-bad.md",
        GOOD.replace("INC-2025-003", "INC-2025-009").replace("SEV-2", "SEV-9"),
    )
    bad = run(site, "validate", "--format", "gitlab")
    assert bad.returncode == 1
    (row,) = json.loads(bad.stdout)
    assert row["location"] == {"path": "docs/postmortems/2025/inc-2025-009-bad.md", "lines": {"begin": 5}}
    assert row["severity"] == "major" and "SEV-9" in row["description"]


# --------------------------------------------------------------------------- mkdocs-macros


def test_validate_reports_what_mkdocs_macros_cannot_render_with_the_line(tmp_path: Path) -> None:
    site = make_site(tmp_path, ["search", "macros"])
    helm = write(site / "docs/postmortems/2025/inc-2025-004-helm.md", HELM)
    result = run(site, "validate")
    assert result.returncode == 1
    line = HELM.split("\n").index("image: {{ .Values.image.repository }}:{{ .Values.image.tag }}") + 1
    assert (
        f"docs/postmortems/2025/inc-2025-004-helm.md:{line}: error: mkdocs-macros (in mkdocs.yml's plugins) "
        "cannot read this line as a Jinja template ('image: {{ .Values.image.repository }}:{{ .Values.image.tag }')"
    ) in result.stdout
    assert "{% raw %}" in result.stdout and "render_macros: false" in result.stdout

    # Either way out passes, and a site without macros never minded.
    helm.write_text(HELM.replace("---\n## Summary", "render_macros: false\n---\n## Summary"))
    assert run(site, "validate", "--strict").returncode == 0
    helm.write_text(HELM.replace("```yaml\n", "{% raw %}\n```yaml\n").replace("```\n", "```\n{% endraw %}\n"))
    assert run(site, "validate", "--strict").returncode == 0
    helm.write_text(HELM)
    plain = make_site(tmp_path / "plain", ["search"])
    write(plain / "docs/postmortems/2025/inc-2025-004-helm.md", HELM)
    assert run(plain, "validate", "--strict").returncode == 0


def test_macros_with_other_delimiters_and_opt_in_rendering(tmp_path: Path) -> None:
    site = make_site(
        tmp_path, ["search", {"macros": {"j2_variable_start_string": "[[", "j2_variable_end_string": "]]"}}]
    )
    write(site / "docs/postmortems/2025/inc-2025-004-helm.md", HELM)  # {{ }} is not macros' syntax here
    assert run(site, "validate", "--strict").returncode == 0
    broken = HELM.replace("The chart rendered an empty tag.", "The chart rendered [[ .Values ]].")
    write(site / "docs/postmortems/2025/inc-2025-004-helm.md", broken)
    assert run(site, "validate").returncode == 1
    opt_in = make_site(tmp_path / "opt-in", ["search", {"macros": {"render_by_default": False}}])
    write(opt_in / "docs/postmortems/2025/inc-2025-004-helm.md", HELM)
    assert run(opt_in, "validate").returncode == 0  # macros renders only pages that ask
    asks = HELM.replace("---\n## Summary", "render_macros: true\n---\n## Summary")
    write(opt_in / "docs/postmortems/2025/inc-2025-004-helm.md", asks)
    assert run(opt_in, "validate").returncode == 1


def test_extra_keys_are_allowed_by_the_command_line_too(tmp_path: Path) -> None:
    site = make_site(tmp_path, ["search"], extra_keys=["giscus"])
    write(
        site / "docs/postmortems/2025/inc-2025-003-checkout.md",
        GOOD.replace("---\n## Summary", "giscus: {term: checkout}\ncomments: true\n---\n## Summary"),
    )
    assert run(site, "validate", "--strict").returncode == 0
    other = make_site(tmp_path / "other", ["search"])
    write(
        other / "docs/postmortems/2025/inc-2025-003-checkout.md",
        GOOD.replace("---\n## Summary", "giscus: {term: checkout}\n---\n## Summary"),
    )
    result = run(other, "validate", "--strict")
    assert result.returncode == 1 and "'giscus': unknown field" in result.stdout


# --------------------------------------------------------------------------- PagerDuty


def incident(
    ident: str, number: int, service: dict[str, Any], priority: str | None, **more: Any
) -> dict[str, Any]:
    return {
        "id": ident,
        "incident_number": number,
        "title": f'Incident {number}: the gateway\'s "503" <storm>',
        "created_at": f"2025-08-{10 + number % 10:02d}T14:23:00Z",
        "status": "resolved",
        "urgency": "high",
        "service": service,
        "priority": {"summary": priority} if priority else None,
        "last_status_change_at": f"2025-08-{10 + number % 10:02d}T15:10:00Z",
        **more,
    }


@pytest.fixture
def pd_site(tmp_path: Path) -> Path:
    site = make_site(
        tmp_path,
        ["search"],
        backstage=["catalog"],
        severity_aliases={"SEV1": "SEV-1", "Critical": "SEV-1", "P2": "SEV-2"},
    )
    write(site / "catalog/catalog-info.yaml", CATALOG)
    return site


def test_several_pages_custom_priorities_and_catalog_annotations(pd_site: Path) -> None:
    first = {  # page 1 of GET /incidents?limit=2: more to come
        "incidents": [
            incident("PAAAAA1", 1, {"id": "PIJ90N7", "summary": "Checkout Payments (prod)"}, "SEV1"),
            incident(
                "PAAAAA2",
                2,
                {"id": "PZZZZZ9", "summary": "Search"},
                "Sev 2",
                first_trigger_log_entry={
                    "channel": {"type": "api", "service_key": "0f4e8c1d2b3a49586a7b8c9d0e1f2a3b"}
                },
            ),
        ],
        "limit": 2,
        "offset": 0,
        "more": True,
    }
    second = {  # page 2 (offset 2) repeats the last incident of page 1, as pages can while incidents change
        "incidents": [
            incident("PAAAAA2", 2, {"id": "PZZZZZ9", "summary": "Search"}, "Sev 2"),
            incident("PAAAAA3", 3, {"id": "PNOTCAT", "summary": "Billing Queue"}, "critical"),
        ],
        "limit": 2,
        "offset": 2,
        "more": False,
    }
    pages = [write(pd_site / f"pd-{n}.json", json.dumps(page)) for n, page in enumerate((first, second), 1)]
    files = sorted((pd_site / "docs").rglob("*.md"))

    dry = run(pd_site, "import", "pagerduty", *map(str, pages), "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert sorted((pd_site / "docs").rglob("*.md")) == files  # nothing written
    assert dry.stdout.count("would create ") == 3
    assert (
        "\n    id: INC-2025-004\n" in dry.stdout and "\n    status: draft " in dry.stdout
    )  # each file, indented
    assert "3 would be created, 0 already imported, 0 failed" in dry.stderr

    done = run(pd_site, "import", "pagerduty", *map(str, pages))
    assert done.returncode == 0, done.stderr
    drafts = {}
    for path in (pd_site / "docs/postmortems").rglob("*.md"):
        front = yaml.safe_load(path.read_text().split("---")[1])
        drafts[front["id"]] = front
    assert drafts["INC-2025-004"]["services"] == ["payments-api"]  # by pagerduty.com/service-id
    assert drafts["INC-2025-004"]["severity"] == "SEV-1"  # SEV1 through severity_aliases
    assert drafts["INC-2025-005"]["services"] == ["search-service"]  # by pagerduty.com/integration-key
    assert drafts["INC-2025-005"]["severity"] == "SEV-2"  # 'Sev 2' is SEV-2 whatever its spelling
    assert drafts["INC-2025-006"]["services"] == ["billing-queue"]
    assert drafts["INC-2025-006"]["severity"] == "SEV-1"  # 'critical' is the alias Critical
    assert "PagerDuty service 'Checkout Payments (prod)' is 'payments-api' in the catalog" in done.stderr
    assert len(drafts) == 4  # the archive's own one and three imported: page 2's repeat taken once
    assert run(pd_site, "validate").returncode == 0
    assert '"more": true' not in dry.stderr + done.stderr  # the last page was given

    # Given in the other order (as `pd-*.json` lists pd-10 before pd-2), page 2 is still the last.
    again = run(pd_site, "import", "pagerduty", *map(str, reversed(pages)))
    assert again.returncode == 0 and '"more": true' not in again.stderr
    assert "0 created, 3 already imported, 0 failed" in again.stderr


def test_the_documented_fetch_loop_asks_for_what_the_service_mapping_reads() -> None:
    """The integration key comes from `first_trigger_log_entry` (pagerduty._keys), which GET
    /incidents only fills in with include[]=first_trigger_log_entries: the docs' loop asks for it."""
    docs = (ROOT / "docs/pages/cli.md").read_text()
    loop = docs.split("## `postmortems import pagerduty`", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    (url,) = [line for line in loop.splitlines() if "api.pagerduty.com/incidents?" in line]
    assert "include%5B%5D=first_trigger_log_entries" in url
    assert "offset=$offset" in url and "jq -r '.more'" in loop


def test_a_listing_whose_last_page_says_more_is_a_warning_with_the_next_offset(pd_site: Path) -> None:
    page = {
        "incidents": [
            incident("PAAAAA1", 1, {"id": "PIJ90N7", "summary": "Checkout Payments (prod)"}, "SEV1")
        ],
        "limit": 1,
        "offset": 0,
        "more": True,
    }
    first = write(pd_site / "pd-1.json", json.dumps(page))
    result = run(pd_site, "import", "pagerduty", str(first))
    assert result.returncode == 0, result.stderr  # what was given is imported
    assert (
        f'{first}: warning: "more": true: PagerDuty has more incidents after this page (offset 0, limit 1; '
        'the next is offset=1): fetch every page until "more" is false (the curl loop under \'postmortems '
        "import pagerduty' in the documentation) and import them all (incidents already imported are skipped)"
    ) in result.stderr
    assert "1 created, 0 already imported, 0 failed" in result.stderr
    # A later page that still says more: the warning names it, and its next offset.
    second = write(pd_site / "pd-2.json", json.dumps({**page, "incidents": [], "offset": 1}))
    result = run(pd_site, "import", "pagerduty", str(second), str(first))
    assert f'{second}: warning: "more": true' in result.stderr and "next is offset=2" in result.stderr
    assert f"{first}: warning" not in result.stderr


def test_a_page_missing_between_two_given_is_a_warning_with_its_offset(pd_site: Path) -> None:
    """Offsets 0 and 100 given, 50 not: the last page says "more": false, yet 50 incidents are missing."""

    def page(offset: int, number: int, more: bool) -> dict[str, Any]:
        item = incident(
            f"PAAAA{number:02d}", number, {"id": "PIJ90N7", "summary": "Checkout Payments (prod)"}, "P2"
        )
        return {"incidents": [item], "limit": 50, "offset": offset, "more": more}

    first = write(pd_site / "pd-1.json", json.dumps(page(0, 1, True)))
    third = write(pd_site / "pd-3.json", json.dumps(page(100, 3, False)))
    result = run(pd_site, "import", "pagerduty", str(third), str(first))
    assert result.returncode == 0, result.stderr  # what was given is imported
    assert (
        f"{first}: warning: the page at offset=50 was not given: this page is offset 0, limit 50, and the next "
        f"given ({third}) is offset 100: fetch the pages from offset=50 up to offset 100 and import them too "
        "(incidents already imported are skipped)\n"
    ) in result.stderr
    assert "2 created, 0 already imported, 0 failed" in result.stderr
    # With the page in the middle given, nothing is missing.
    second = write(pd_site / "pd-2.json", json.dumps(page(50, 2, True)))
    result = run(pd_site, "import", "pagerduty", str(first), str(second), str(third))
    assert result.returncode == 0 and "warning" not in result.stderr, result.stderr


def test_a_bad_page_is_reported_and_the_others_imported(pd_site: Path) -> None:
    good = write(
        pd_site / "pd-1.json", json.dumps([incident("PAAAAA1", 1, {"id": "PIJ90N7", "summary": "x"}, "P2")])
    )
    bad = write(pd_site / "pd-2.json", '{"incidents": [')
    result = run(pd_site, "import", "pagerduty", str(good), str(bad), "missing.json")
    assert result.returncode == 1
    assert "pd-2.json:1: not valid JSON" in result.stderr and "missing.json: file not found" in result.stderr
    assert result.stdout.count("created ") == 1
    assert "1 created, 0 already imported, 2 failed" in result.stderr
