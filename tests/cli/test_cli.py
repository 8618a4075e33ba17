"""The `postmortems` command end to end: real files in tmp_path, the real command in a
subprocess (and `main()` in-process where output is all we look at), every subcommand and
its error cases, plus the CI files this repository ships for sites that use the plugin."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import GUIDED_SECTIONS
from mkdocs.exceptions import Abort
from postmortems.cli import main
from postmortems.cli.diagnostics import as_github
from postmortems.cli.project import check_archive, load_services, load_site, read_config
from postmortems.records.archive import build_archive
from postmortems.records.model import Problem
from postmortems.records.parse import parse_document
from postmortems.records.validate import KNOWN_KEYS, Rules, validate
from sites import ROOT, build_site

AS_OF = "2026-11-20"

MKDOCS_YML = f"""\
site_name: Test postmortems
docs_dir: docs
theme:
  name: material
markdown_extensions:
  - tables
  - pymdownx.emoji:
      emoji_index: !!python/name:material.extensions.emoji.twemoji
      emoji_generator: !!python/name:material.extensions.emoji.to_svg
plugins:
  - search
  - postmortems:
      as_of: {AS_OF}
      legacy: warn
"""

SERVICES_YML = """\
services:
  - name: payments-api
    team: payments
    tier: 1
  - name: api-gateway
    team: platform
  - name: search-service
    team: search
"""

GOOD = """\
---
id: INC-2025-003
title: Checkout errors after payments-api deploy
status: final
severity: SEV-2
services: [payments-api]
started_at: 2025-03-15T14:23:00Z
acknowledged_at: 2025-03-15T14:27:00Z
resolved_at: 2025-03-15T15:10:00Z
published_at: 2025-03-19
authors: ["@pay-lead"]
---

## Summary

Card payments failed for 47 minutes.

## Action Items

| # | Action | Owner | Due | Priority | Status | Ticket | Done |
|---|---|---|---|---|---|---|---|
| 1 | Add a timeout to the 3DS client | @dev | 2025-03-20 | high | done | PAY-1 | 2025-03-19 |
"""

LEGACY = """\
# Postmortem: Gateway outage during the nightly export

**Incident ID:** INC-2025-007
**Date:** 2025-04-27
**Severity:** P2
**Duration:** 95 minutes (23:10 – 00:45 UTC)
**Services:** api-gateway, payments-api
**Status:** Resolved
**Published:** 2025-05-02
**Authors:** @carla, @felix
**Incident Commander:** @maya

## Summary

The gateway fell over at night. The **Incident Commander** line above is not a known
field and must survive the migration.

## Timeline

| Time (UTC) | Event |
|---|---|
| 23:10 | Errors start |
| 00:45 | Resolved |

## Action Items

| Action | Owner | Due | Status |
|---|---|---|---|
| Alert on export lag | @sre | 2025-05-10 | open |
| Retry the export step | @data | 2025-05-20 | done |

## Lessons Learned

Keep every line.
"""
# The lines of LEGACY that become front matter; every other line must be kept.
LEGACY_HEADER = [line for line in LEGACY.split("\n") if line.startswith("# ")] + [
    line
    for line in LEGACY.split("\n")
    if re.match(r"\*\*(Incident ID|Date|Severity|Duration|Services|Status|Published|Authors):\*\*", line)
]

DRAFT = """\
---
id: INC-2026-002
title: Search is slow for brand pages
status: draft
severity: SEV-3
services: [search-service]
started_at: 2026-02-01
---

## Summary

Still being written.
"""

BAD = """\
---
id: INC-2025-009
title: A postmortem with a bad severity
status: review
severity: SEV-9
services: [payments-api]
started_at: 2025-06-01T10:00:00Z
---

## Summary

Oops.
"""
BAD_SEVERITY_LINE = 5


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def make_site(root: Path, *, bad: bool = False, legacy: bool = True) -> Path:
    """A small site: config, catalog and a few postmortems in docs/postmortems."""
    write(root / "mkdocs.yml", MKDOCS_YML)
    write(root / "docs" / "index.md", "# Postmortems\n")
    write(root / "docs" / "services.yml", SERVICES_YML)
    pm = root / "docs" / "postmortems"
    write(pm / "2025" / "inc-2025-003-checkout-errors.md", GOOD)
    write(pm / "2026" / "inc-2026-002-search-slow.md", DRAFT)
    if legacy:
        write(pm / "2025" / "inc-2025-007-gateway-outage.md", LEGACY)
    if bad:
        write(pm / "2025" / "inc-2025-009-bad-severity.md", BAD)
    return root


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real command, as CI runs it."""
    result = subprocess.run(
        [sys.executable, "-m", "postmortems.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def call(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], cwd: Path, *args: str) -> Any:
    """`main()` in this process, from `cwd`; returns (exit code, stdout, stderr)."""
    monkeypatch.chdir(cwd)
    code = main(list(args))
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, out.out, out.err


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return make_site(tmp_path / "site")


# --------------------------------------------------------------------------- validate


def test_validate_clean_archive_passes_and_strict_fails_on_the_legacy_warning(site: Path) -> None:
    result = run(site, "validate")
    assert result.returncode == 0, result.stdout + result.stderr
    legacy = "docs/postmortems/2025/inc-2025-007-gateway-outage.md:1: warning: legacy bold-field header"
    assert result.stdout.startswith(legacy), result.stdout
    assert "error" not in result.stdout
    assert "3 postmortems checked: 0 errors, 1 warning" in result.stderr

    strict = run(site, "validate", "--strict")
    assert strict.returncode == 1
    assert strict.stdout == result.stdout


def test_bad_file_fails_with_file_and_line_in_every_format(site: Path) -> None:
    write(site / "docs/postmortems/2025/inc-2025-009-bad-severity.md", BAD)
    where = f"docs/postmortems/2025/inc-2025-009-bad-severity.md:{BAD_SEVERITY_LINE}"

    text = run(site, "validate")
    assert text.returncode == 1
    assert f"{where}: error: 'severity': 'SEV-9' is not on the severity scale" in text.stdout

    as_json = run(site, "validate", "--format", "json")
    assert as_json.returncode == 1
    rows = json.loads(as_json.stdout)
    errors = [row for row in rows if row["level"] == "error"]
    assert errors == [
        {
            "path": "docs/postmortems/2025/inc-2025-009-bad-severity.md",
            "line": BAD_SEVERITY_LINE,
            "level": "error",
            "key": "severity",
            "message": errors[0]["message"],
        }
    ]
    assert set(rows[0]) == {"path", "line", "level", "key", "message"}

    github = run(site, "validate", "--format", "github")
    assert github.returncode == 1
    expected = (
        f"::error file=docs/postmortems/2025/inc-2025-009-bad-severity.md,line={BAD_SEVERITY_LINE},"
        f"title=postmortems::{errors[0]['message']}"
    )
    assert expected in github.stdout.splitlines()
    assert (
        "::warning file=docs/postmortems/2025/inc-2025-007-gateway-outage.md,line=1,title=postmortems::"
        "legacy bold-field header" in github.stdout
    )


def test_paths_are_shown_relative_to_the_current_folder(site: Path) -> None:
    write(site / "docs/postmortems/2025/inc-2025-009-bad-severity.md", BAD)
    result = run(site.parent, "validate", "--config", "site/mkdocs.yml", "--format", "json")
    paths = {row["path"] for row in json.loads(result.stdout)}
    assert "site/docs/postmortems/2025/inc-2025-009-bad-severity.md" in paths
    assert all(path.startswith("site/docs/postmortems/") for path in paths)


def test_github_annotations_escape_what_would_break_them() -> None:
    problem = Problem("error", os.path.abspath("a,b:c.md"), 3, "50% of\nrequests")
    assert as_github([problem]) == ["::error file=a%2Cb%3Ac.md,line=3,title=postmortems::50%25 of%0Arequests"]
    no_line = Problem("info", os.path.abspath("x.md"), None, "note")
    assert as_github([no_line]) == ["::notice file=x.md,title=postmortems::note"]


def test_only_the_given_paths_are_reported_but_the_whole_archive_is_read(site: Path) -> None:
    pm = site / "docs" / "postmortems"
    write(pm / "2025" / "inc-2025-009-bad-severity.md", BAD)
    # The same id as the good file: both files get an error, each naming the other.
    write(pm / "2025" / "inc-2025-099-copy.md", GOOD.replace("Checkout errors", "A copy"))

    good = run(site, "validate", "docs/postmortems/2025/inc-2025-003-checkout-errors.md")
    assert good.returncode == 1, good.stdout
    assert good.stdout.splitlines() == [
        "docs/postmortems/2025/inc-2025-003-checkout-errors.md:2: error: 'id': INC-2025-003 is also used by "
        "postmortems/2025/inc-2025-099-copy.md:2, which is left out of every index while this file keeps the "
        "id: give one of them the next free id (postmortems new shows it)"
    ]  # and nothing of the bad-severity file beside it
    assert "1 postmortem checked" in good.stderr

    copy = run(site, "validate", "--format", "json", "docs/postmortems/2025/inc-2025-099-copy.md")
    assert copy.returncode == 1
    (row,) = json.loads(copy.stdout)
    assert row["key"] == "id" and "INC-2025-003 is already used by" in row["message"]

    folder = run(site, "validate", "--format", "json", "docs/postmortems/2026")
    assert folder.returncode == 0 and json.loads(folder.stdout) == []

    # The plugin's own messages name files relative to the docs folder; those work too.
    docs_relative = run(site, "validate", "postmortems/2025/inc-2025-009-bad-severity.md")
    assert docs_relative.returncode == 1 and "SEV-9" in docs_relative.stdout


def test_a_new_file_reusing_a_published_id_fails_the_hook_on_that_file(site: Path) -> None:
    """What the pre-commit hook runs: `validate` on the changed file only. The new file sorts
    first, so it takes the id from the published postmortem; that is an error on the new file,
    naming the published one and its line, not only on the file nobody changed."""
    shown = "docs/postmortems/2025/inc-2025-001-new.md"
    write(site / shown, GOOD.replace("Checkout errors after payments-api deploy", "A new one"))
    hook = run(site, "validate", shown)
    assert hook.returncode == 1, hook.stderr
    assert hook.stdout.splitlines() == [
        f"{shown}:2: error: 'id': INC-2025-003 is also used by "
        "postmortems/2025/inc-2025-003-checkout-errors.md:2, which is left out of every index while this "
        "file keeps the id: give one of them the next free id (postmortems new shows it)"
    ]
    everything = run(site, "validate").stdout.splitlines()
    assert [line.split(": error: ")[0] for line in everything if "'id'" in line] == [
        f"{shown}:2",
        "docs/postmortems/2025/inc-2025-003-checkout-errors.md:2",
    ]
    assert (
        "docs/postmortems/2025/inc-2025-003-checkout-errors.md:2: error: 'id': INC-2025-003 is already used "
        "by postmortems/2025/inc-2025-001-new.md:2, which keeps it (the first counted file with this id, in "
        "path order): give this postmortem the next free id (postmortems new shows it); it is left out of "
        "every index until then" in everything
    )


def test_a_file_outside_the_archive_is_noted_not_failed(site: Path) -> None:
    write(site / "README.md", "# Not a postmortem\n")
    result = run(site, "validate", "README.md")
    assert result.returncode == 0
    assert "README.md: note: not a postmortem of this site" in result.stderr


def test_usage_errors_exit_2_with_one_line_and_no_traceback(tmp_path: Path, site: Path) -> None:
    missing = run(tmp_path, "validate")
    assert missing.returncode == 2
    assert missing.stderr.strip().count("\n") == 0
    assert "no mkdocs.yml" in missing.stderr

    wrong = run(site, "validate", "--config", "nope.yml")
    assert wrong.returncode == 2 and "nope.yml: config file not found" in wrong.stderr

    no_path = run(site, "validate", "docs/postmortems/1999")
    assert no_path.returncode == 2 and "no such file or folder" in no_path.stderr

    write(tmp_path / "other" / "mkdocs.yml", "site_name: x\nplugins: [search]\n")
    (tmp_path / "other" / "docs").mkdir()
    no_plugin = run(tmp_path / "other", "validate")
    assert no_plugin.returncode == 2 and "'postmortems' plugin is not in 'plugins'" in no_plugin.stderr

    write(tmp_path / "broken" / "mkdocs.yml", "site_name: [x\n")
    broken = run(tmp_path / "broken", "validate")
    assert broken.returncode == 2 and "mkdocs.yml:2: not valid YAML" in broken.stderr

    write(tmp_path / "dated" / "mkdocs.yml", MKDOCS_YML.replace(f"as_of: {AS_OF}", "as_of: 2026-02-30"))
    (tmp_path / "dated" / "docs").mkdir()
    dated = run(tmp_path / "dated", "validate")
    assert dated.returncode == 2 and dated.stderr == (
        "postmortems validate: error: mkdocs.yml: postmortems option as_of '2026-02-30' is not a date: "
        "February has no day 30: it has 28 days\n"
    )

    bad_format = run(site, "validate", "--format", "xml")
    assert bad_format.returncode == 2 and bad_format.stderr.count("\n") == 1


def test_config_reader_tolerates_tags_and_follows_env_and_inherit(tmp_path: Path) -> None:
    write(tmp_path / "base.yml", "docs_dir: from-base\nplugins:\n  - postmortems:\n      path: incidents\n")
    write(
        tmp_path / "mkdocs.yml",
        "INHERIT: base.yml\nsite_name: !ENV [PM_TEST_UNSET_NAME, fallback]\n"
        "extra: {icon: !!python/name:material.extensions.emoji.twemoji, obj: !custom {a: 1}}\n",
    )
    config = read_config(str(tmp_path / "mkdocs.yml"))
    assert config["site_name"] == "fallback"
    assert config["docs_dir"] == "from-base"
    assert config["plugins"] == [{"postmortems": {"path": "incidents"}}]
    assert config["extra"] == {"icon": "", "obj": {"a": 1}}


def test_validate_does_not_import_mkdocs_jinja_or_plotly(site: Path) -> None:
    code = (
        "import sys\nfrom postmortems.cli import main\ncode = main(['validate'])\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'mkdocs', 'material', 'plotly', 'jinja2'})\n"
        "print(heavy, code)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=site, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.splitlines()[-1] == "[] 0", result.stdout + result.stderr


def test_parallel_check_reports_exactly_what_build_archive_does(site: Path) -> None:
    pm = site / "docs" / "postmortems"
    write(pm / "2025" / "inc-2025-009-bad-severity.md", BAD)
    write(pm / "2025" / "inc-2025-099-copy.md", GOOD.replace("Checkout errors", "A copy"))
    write(
        pm / "2025" / "inc-2025-010-related.md",
        GOOD.replace("INC-2025-003", "INC-2025-010").replace(
            "authors:", "related: [INC-2024-404]\nservices_typo: 1\nauthors:"
        ),
    )
    for index in range(12):
        text = GOOD.replace("INC-2025-003", f"INC-2024-{index:03d}").replace("payments-api]", "payment-api]")
        write(pm / "2024" / f"inc-2024-{index:03d}.md", text)
    config = load_site(str(site / "mkdocs.yml"))
    catalog, _problems = load_services(config)
    blobs = sorted(
        (path.relative_to(site / "docs").as_posix(), path.read_bytes()) for path in pm.rglob("*.md")
    )
    expected = build_archive(blobs, config.rules, catalog, config.max_bytes).problems
    assert len({p.level for p in expected}) == 2  # errors and warnings, from one file and across files
    assert check_archive(config, catalog, jobs=1).problems == expected
    assert check_archive(config, catalog, jobs=3).problems == expected
    assert list(check_archive(config, catalog, jobs=3).entries) == [path for path, _data in blobs]


def test_parallel_check_reads_what_a_failed_child_took(site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pm = site / "docs" / "postmortems"
    for index in range(40):
        write(pm / "2024" / f"inc-2024-{index:03d}.md", GOOD.replace("INC-2025-003", f"INC-2024-{index:03d}"))
    write(pm / "2025" / "inc-2025-009-bad-severity.md", BAD)
    config = load_site(str(site / "mkdocs.yml"))
    catalog, _problems = load_services(config)
    expected = check_archive(config, catalog, jobs=1)

    def broken(*args: object, **kwargs: object) -> bytes:
        raise RuntimeError("the child cannot hand its work over")

    # Forked children inherit the patch and fail after taking their chunks; this process reads them.
    monkeypatch.setattr("postmortems.cli.project.pickle.dumps", broken)
    checked = check_archive(config, catalog, jobs=2)
    assert checked.problems == expected.problems and expected.problems
    assert list(checked.entries) == list(expected.entries) and len(checked.entries) > 40


def test_validate_reports_what_mkdocs_build_logs(tmp_path: Path) -> None:
    """The promise of the command: the same problems as the plugin, without building."""
    root = make_site(tmp_path / "site", bad=True)
    write(
        root / "docs/postmortems/2025/inc-2025-020-unknown-service.md",
        GOOD.replace("INC-2025-003", "INC-2025-020").replace("[payments-api]", "[payments-apii]"),
    )
    write(root / "docs/postmortems/2025/inc-2025-030-impossible.md", IMPOSSIBLE)
    write(
        root / "docs/postmortems/2025/inc-2025-031-team.md",
        TEAM_LEGACY.replace("INC-2025-041", "INC-2025-031"),
    )
    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    handler = Collect(logging.INFO)
    logger = logging.getLogger("mkdocs.plugins.postmortems")
    logger.addHandler(handler)
    level = logger.level
    logger.setLevel(logging.INFO)  # as `mkdocs build` shows them: notes too
    try:
        build_site(root / "mkdocs.yml", tmp_path / "out")
    except Abort:  # pragma: no cover - a non-strict build does not abort on our errors
        pass
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    logged = sorted(m for m in messages if m.startswith("postmortems/"))
    rows = json.loads(run(root, "validate", "--format", "json").stdout)
    reported = sorted(
        f"{row['path'].removeprefix('docs/')}{':' + str(row['line']) if row['line'] else ''}: {row['message']}"
        for row in rows
    )
    assert len(reported) >= 7
    assert any("February has no day 30" in line for line in reported)
    assert any("'Date: October 5, 2025' read as 2025-10-05" in line for line in reported)  # an info note
    assert reported == logged


IMPOSSIBLE = (
    GOOD.replace("INC-2025-003", "INC-2025-030")
    .replace("started_at: 2025-03-15T14:23:00Z", "started_at: 2025-02-30T10:00:00Z")
    .replace("severity: SEV-2", "severity: SEV-9")
)
IMPOSSIBLE_LINES = {"severity": 5, "started_at": 7}


def test_an_impossible_date_is_reported_with_file_line_and_fix_with_every_other_problem(site: Path) -> None:
    """No traceback, the other files still checked, and the file's other problem in the same run."""
    write(site / "docs/postmortems/2025/inc-2025-030-impossible.md", IMPOSSIBLE)
    result = run(site, "validate", "--format", "json")
    assert result.returncode == 1
    rows = {row["key"]: row for row in json.loads(result.stdout) if row["level"] == "error"}
    assert set(rows) == {"severity", "started_at"}
    for key, line in IMPOSSIBLE_LINES.items():
        assert rows[key]["path"] == "docs/postmortems/2025/inc-2025-030-impossible.md"
        assert rows[key]["line"] == line
    assert rows["started_at"]["message"] == (
        "'started_at': '2025-02-30T10:00:00Z' is not on the calendar: February has no day 30: it has 28 days. "
        "Correct it, written as 2025-03-15T14:23:00Z; until this is fixed, the postmortem is left out of "
        "every index and figure"
    )
    assert "4 postmortems checked: 2 errors" in result.stderr


def test_validate_finds_the_site_from_a_sub_folder(site: Path) -> None:
    write(site / "docs/postmortems/2025/inc-2025-009-bad-severity.md", BAD)
    result = run(site / "docs" / "postmortems" / "2025", "validate")
    assert result.returncode == 1, result.stderr
    assert f"inc-2025-009-bad-severity.md:{BAD_SEVERITY_LINE}: error: 'severity'" in result.stdout
    assert "4 postmortems checked" in result.stderr  # the whole archive, found from below
    only_here = run(site / "docs" / "postmortems" / "2026", "validate", ".")
    assert only_here.returncode == 0 and "1 postmortem checked" in only_here.stderr


def test_validate_names_the_folder_the_postmortems_are_in_when_path_misses_them(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], site: Path
) -> None:
    (site / "docs/en").mkdir()
    (site / "docs/postmortems").rename(site / "docs/en/postmortems")  # mkdocs-static-i18n's folders
    code, _out, err = call(monkeypatch, capsys, site, "validate")
    assert code == 0
    assert (
        "postmortems: note: no postmortems found under docs/postmortems/; Markdown files are in "
        "'en/postmortems/': set `path: en/postmortems` in the plugin's options"
    ) in err


def test_validate_names_the_default_languages_folder_as_the_build_does(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], site: Path
) -> None:
    """mkdocs-static-i18n's folders: 'de' comes first by name, but 'en' is the default language;
    the note is the build's own hint (site/build.py, checked in tests/site/test_compat.py)."""
    config = site / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace(
            "plugins:\n",
            "plugins:\n  - i18n:\n      docs_structure: folder\n      languages:\n"
            "        - {locale: de, name: Deutsch}\n        - {locale: en, name: English, default: true}\n",
        ),
        encoding="utf-8",
    )
    for locale in ("de", "en"):
        shutil.copytree(site / "docs/postmortems", site / "docs" / locale / "postmortems")
    shutil.rmtree(site / "docs/postmortems")
    code, _out, err = call(monkeypatch, capsys, site, "validate")
    assert code == 0
    assert (
        "postmortems: note: no postmortems found under docs/postmortems/; Markdown files are in "
        "'en/postmortems/' (mkdocs-static-i18n's folder for 'en'): set `path: en/postmortems` in the "
        "plugin's options\n"
    ) in err
    shutil.rmtree(site / "docs/de")
    shutil.rmtree(site / "docs/en")
    code, _out, err = call(monkeypatch, capsys, site, "validate")
    assert (
        "postmortems: note: no postmortems found under docs/postmortems/; write them there (`postmortems new` "
        "writes a draft) or set `path:` in the plugin's options to the folder under docs_dir that holds them\n"
    ) in err


def test_validate_without_a_site_checks_the_given_paths_with_the_formats_defaults(tmp_path: Path) -> None:
    folder = tmp_path / "team-postmortems"
    write(folder / "inc-2025-003.md", GOOD)
    write(folder / "old" / "inc-2025-030.md", IMPOSSIBLE)
    write(
        folder / "old" / "inc-2025-031.md",
        GOOD.replace("INC-2025-003", "INC-2025-031").replace("SEV-2", "P3"),
    )
    result = run(tmp_path, "validate", "team-postmortems")
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"postmortems: note: no mkdocs.yml in {tmp_path} or any folder above it: checking team-postmortems "
        "with the format's defaults (severities SEV-1, SEV-2, SEV-3, SEV-4; aliases P1=SEV-1, P2=SEV-2, "
        "P3=SEV-3, P4=SEV-4; as_of "
    )
    assert "no service catalog)" in result.stderr
    assert result.stdout.splitlines() == [
        f"team-postmortems/old/inc-2025-030.md:{line}: error: {message}"
        for line, message in (
            (5, "'severity': 'SEV-9' is not on the severity scale (SEV-1, SEV-2, SEV-3, SEV-4) nor an alias "
             "(P1, P2, P3, P4); until this is fixed, the postmortem is left out of every index and figure"),
            (7, "'started_at': '2025-02-30T10:00:00Z' is not on the calendar: February has no day 30: it has 28 "
             "days. Correct it, written as 2025-03-15T14:23:00Z; until this is fixed, the postmortem is left "
             "out of every index and figure"),
        )
    ]  # fmt: skip
    assert "3 postmortems checked: 2 errors, 0 warnings" in result.stderr
    # The contract's own layout needs no path, and its catalog is used.
    write(
        tmp_path / "content" / "postmortems" / "inc-2025-003.md",
        GOOD.replace("[payments-api]", "[payment-api]"),
    )
    write(tmp_path / "content" / "services.yml", SERVICES_YML)
    default = run(tmp_path, "validate")
    assert default.returncode == 0
    assert "catalog content/services.yml)" in default.stderr
    assert "'payment-api' is not in the service catalog. Did you mean 'payments-api'?" in default.stdout


def test_validate_with_no_path_and_no_site_checks_the_current_folder(tmp_path: Path) -> None:
    """The issue's own case: a team's folder of postmortems, no mkdocs.yml, no content/postmortems/."""
    folder = tmp_path / "team-postmortems"
    write(folder / "inc-2025-003.md", GOOD)
    write(folder / "old" / "inc-2025-030.md", IMPOSSIBLE)
    result = run(folder, "validate")
    assert result.returncode == 1, result.stderr
    notes = result.stderr.splitlines()
    assert notes[0].startswith(
        f"postmortems: note: no mkdocs.yml in {folder} or any folder above it: checking the current folder "
        "with the format's defaults (severities SEV-1, SEV-2, SEV-3, SEV-4;"
    )
    assert [line.split(": error: ")[0] for line in result.stdout.splitlines()] == [
        "old/inc-2025-030.md:5",
        "old/inc-2025-030.md:7",
    ]
    assert notes[-1] == "postmortems: 2 postmortems checked: 2 errors, 0 warnings"
    assert run(folder, "validate", ".").stdout == result.stdout  # the same as naming it
    # A folder with no Markdown at all is still a usage error, and so is migrate with no path:
    # it writes, so it works only on what it is given.
    write(tmp_path / "empty" / "notes.txt", "not a postmortem\n")
    nothing = run(tmp_path / "empty", "validate")
    assert nothing.returncode == 2
    assert nothing.stderr == (
        f"postmortems validate: error: no mkdocs.yml in {tmp_path / 'empty'} or any folder above it, no "
        "content/postmortems/, no Markdown files here: pass the postmortem files or folders to check, or "
        "--config FILE\n"
    )
    assert run(folder, "migrate").returncode == 2
    # Above a site, it is the site that is meant: its docs are not checked as loose files.
    make_site(tmp_path / "repo" / "site")
    above = run(tmp_path / "repo", "validate")
    assert above.returncode == 2
    assert above.stderr == (
        f"postmortems validate: error: no mkdocs.yml in {tmp_path / 'repo'} or any folder above it, but "
        "site/mkdocs.yml below it: run from site/ or pass --config site/mkdocs.yml\n"
    )


def test_validate_above_a_site_names_it_even_below_a_readme(tmp_path: Path) -> None:
    """A repository with a README.md at the top and its site in handbook/: the site is meant,
    not every Markdown file of the tree checked as a postmortem."""
    repo = tmp_path / "repo"
    write(repo / "README.md", "# Our repository\n")
    write(repo / "CHANGELOG.md", "## 1.0\n")
    make_site(repo / "handbook")
    result = run(repo, "validate")
    assert result.returncode == 2, result.stdout
    assert result.stderr == (
        f"postmortems validate: error: no mkdocs.yml in {repo} or any folder above it, but "
        "handbook/mkdocs.yml below it: run from handbook/ or pass --config handbook/mkdocs.yml\n"
    )


def test_validate_looks_for_a_site_only_a_few_folders_down_and_not_in_dependencies(tmp_path: Path) -> None:
    folder = tmp_path / "team"
    write(folder / "inc-2025-003.md", GOOD)
    # None of these is the team's site: a dependency, a virtualenv, a built site, a dot folder, too deep.
    write(folder / "node_modules" / "some-theme" / "mkdocs.yml", MKDOCS_YML)
    write(folder / "env" / "pyvenv.cfg", "home = /usr/bin\n")
    write(folder / "env" / "lib" / "mkdocs.yml", MKDOCS_YML)
    write(folder / "public" / "sitemap.xml", "<urlset/>\n")
    write(folder / "public" / "mkdocs.yml", MKDOCS_YML)
    write(folder / ".cache" / "mkdocs.yml", MKDOCS_YML)
    write(folder / "a" / "b" / "c" / "d" / "mkdocs.yml", MKDOCS_YML)
    result = run(folder, "validate")
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[0].startswith(
        f"postmortems: note: no mkdocs.yml in {folder} or any folder above it: checking the current folder"
    )
    # Three folders down is still near enough.
    write(folder / "a" / "b" / "c" / "mkdocs.yml", MKDOCS_YML)
    assert run(folder, "validate").stderr.endswith(
        "but a/b/c/mkdocs.yml below it: run from a/b/c/ or pass --config a/b/c/mkdocs.yml\n"
    )


# --------------------------------------------------------------------------- new


def front(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text.split("---\n")[1])
    return data


def test_new_writes_a_draft_with_the_next_id_that_validates(site: Path) -> None:
    write(site / "docs/postmortems/2025/inc-2025-009-bad-severity.md", BAD)
    first = run(
        site,
        "new",
        "--service",
        "payments-api",
        "--service",
        "api-gateway",
        "--severity",
        "P2",
        "--title",
        "Checkout 5xx: after the 2.4.1 deploy",
        "--date",
        "2025-06-02",
    )
    assert first.returncode == 0, first.stderr
    path = site / first.stdout.strip()
    assert first.stdout.strip() == "docs/postmortems/2025/inc-2025-010-checkout-5xx-after-the-2-4-1-deploy.md"
    data = front(path)
    assert data["id"] == "INC-2025-010"  # highest 2025 number in the archive (009) + 1
    assert data["title"] == "Checkout 5xx: after the 2.4.1 deploy"
    assert data["severity"] == "SEV-2" and data["status"] == "draft"
    assert data["services"] == ["payments-api", "api-gateway"]
    assert str(data["started_at"]) == "2025-06-02"
    assert set(data) >= KNOWN_KEYS, sorted(KNOWN_KEYS - set(data))
    body = path.read_text(encoding="utf-8")
    for heading in (
        "Summary",
        "Impact",
        "Timeline",
        "Root Cause",
        "Contributing Factors",
        "What Went Well",
        "Action Items",
        "Lessons Learned",
    ):
        assert f"\n## {heading}\n" in body
    assert "| Time (UTC) | Event |" in body
    assert "| # | Action | Owner | Due | Priority | Status | Ticket | Done |" in body
    assert not re.search(r"[ \t]$", body, re.M)  # no trailing blanks for whitespace hooks to fix

    check = run(site, "validate", "--strict", first.stdout.strip())
    assert check.returncode == 0, check.stdout
    assert check.stdout == ""

    second = run(
        site,
        "new",
        "--service",
        "payments-api",
        "--severity",
        "SEV-1",
        "--title",
        "Next one",
        "--date",
        "2025-07-01",
    )
    assert second.stdout.strip() == "docs/postmortems/2025/inc-2025-011-next-one.md"
    other_year = run(
        site,
        "new",
        "--service",
        "payments-api",
        "--severity",
        "SEV-4",
        "--title",
        "New year",
        "--date",
        "2027-01-02",
    )
    assert other_year.stdout.strip() == "docs/postmortems/2027/inc-2027-001-new-year.md"


def test_new_without_a_date_uses_today_utc(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], site: Path
) -> None:
    import datetime as dt

    today = dt.datetime.now(dt.timezone.utc).date()
    code, out, _err = call(
        monkeypatch,
        capsys,
        site,
        "new",
        "--service",
        "payments-api",
        "--severity",
        "SEV-3",
        "--title",
        "Today",
    )
    assert code == 0
    data = front(site / out.strip())
    assert data["started_at"] in (today, today + dt.timedelta(days=1))  # a run across midnight
    assert data["id"].startswith(f"INC-{data['started_at'].year}-")


def test_a_new_postmortem_put_in_review_with_its_guidance_text_gets_a_warning_per_section(site: Path) -> None:
    created = run(
        site,
        "new",
        "--service",
        "payments-api",
        "--severity",
        "SEV-3",
        "--title",
        "Refunds stuck",
        "--date",
        "2026-06-01",
    )
    path = site / created.stdout.strip()
    assert run(site, "validate", "--strict", str(path)).returncode == 0  # a draft may hold it
    text = path.read_text(encoding="utf-8").replace("status: draft", "status: review", 1)
    path.write_text(text, encoding="utf-8")
    result = run(site, "validate", "--format", "json", str(path))
    assert result.returncode == 0  # warnings, not errors
    rows = [row for row in json.loads(result.stdout) if "template's guidance" in row["message"]]
    lines = text.split("\n")
    sections = [row["message"].split(" section ")[0].removeprefix("the ") for row in rows]
    assert sections == GUIDED_SECTIONS
    for row in rows:  # each on the line of the guidance, which the section heading above names
        guidance = lines[row["line"] - 1]
        assert guidance.startswith("_") and guidance.endswith("_")
        heading = next(line for line in reversed(lines[: row["line"]]) if line.startswith("## "))
        assert row["message"].startswith(f"the {heading[3:]} section still holds the template's guidance")


def test_new_with_a_title_that_looks_like_an_impossible_date_quotes_it(site: Path) -> None:
    created = run(site, "new", "--service", "payments-api", "--severity", "SEV-3", "--title", "2025-02-30")
    assert created.returncode == 0, created.stderr
    path = site / created.stdout.strip()
    assert 'title: "2025-02-30"' in path.read_text(encoding="utf-8")  # any YAML reader gets the text back
    assert front(path)["title"] == "2025-02-30"


def test_new_refuses_to_overwrite_or_reuse_an_id(site: Path) -> None:
    args = ("new", "--service", "payments-api", "--severity", "SEV-2", "--date", "2025-06-02")
    first = run(site, *args, "--title", "Payments down")
    path = site / first.stdout.strip()
    path.write_text(path.read_text() + "\nEdited by hand.\n")
    before = path.read_text()

    again = run(site, *args, "--title", "Payments down", "--id", "INC-2025-008")
    assert again.returncode == 1
    assert "already exists: not overwritten" in again.stderr
    assert path.read_text() == before

    reused = run(site, *args, "--title", "Something else", "--id", "INC-2025-003")
    assert reused.returncode == 1 and "INC-2025-003 is already used" in reused.stderr
    assert not list(site.glob("docs/postmortems/2025/inc-2025-003-something*"))


def test_new_checks_severity_and_warns_about_unknown_services(site: Path) -> None:
    bad = run(site, "new", "--service", "payments-api", "--severity", "SEV-7", "--title", "x")
    assert bad.returncode == 2
    assert "not on the severity scale (SEV-1, SEV-2, SEV-3, SEV-4)" in bad.stderr
    assert not list((site / "docs/postmortems").rglob("*-x.md"))

    typo = run(site, "new", "--service", "paymnts-api", "--severity", "SEV-3", "--title", "Typo")
    assert typo.returncode == 0
    assert "warning: service 'paymnts-api' is not in the service catalog: did you mean 'payments-api'?" in (
        typo.stderr
    )
    assert (site / typo.stdout.strip()).is_file()


# --------------------------------------------------------------------------- migrate


def record_view(path: str, text: str) -> tuple[Any, ...]:
    record, problems = validate(parse_document(path, text), Rules())
    assert record is not None, problems
    items = [
        (i.title, i.owner, i.due, i.priority, i.status, i.ticket, i.done_at) for i in record.action_items
    ]
    return (
        record.id,
        record.title,
        record.severity,
        record.services,
        record.started_at,
        record.resolved_at,
        record.status,
        record.published_at,
        record.authors,
        items,
        record.legacy,
    )


def test_migrate_keeps_every_body_line_and_the_same_record(site: Path) -> None:
    path = site / "docs/postmortems/2025/inc-2025-007-gateway-outage.md"
    result = run(site, "migrate")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "migrated docs/postmortems/2025/inc-2025-007-gateway-outage.md"
    assert "inc-2025-003-checkout-errors.md: note: skipped: already has front matter" in result.stderr

    new = path.read_text(encoding="utf-8")
    assert new.startswith("---\nid: INC-2025-007\n")
    body = new.split("\n---\n", 1)[1].split("\n")
    kept = [line for line in LEGACY.split("\n") if line not in LEGACY_HEADER]
    assert body == kept  # every other line, verbatim and in order
    assert "**Incident Commander:** @maya" in body

    old_view = record_view("x.md", LEGACY)
    new_view = record_view("x.md", new)
    assert old_view[:-1] == new_view[:-1]
    assert (old_view[-1], new_view[-1]) == (True, False)
    assert len(new_view[-2]) == 2
    assert str(new_view[4]) == "2025-04-27 23:10:00+00:00" and str(new_view[5]) == "2025-04-28 00:45:00+00:00"

    after = run(site, "validate", "--strict")
    assert after.returncode == 0, after.stdout


def test_migrate_diff_prints_a_diff_and_changes_nothing(site: Path) -> None:
    path = site / "docs/postmortems/2025/inc-2025-007-gateway-outage.md"
    before = path.read_bytes()
    result = run(site, "migrate", "--diff", "docs/postmortems/2025")
    assert result.returncode == 0
    assert path.read_bytes() == before
    lines = result.stdout.splitlines()
    assert lines[0] == "--- a/docs/postmortems/2025/inc-2025-007-gateway-outage.md"
    assert lines[1] == "+++ b/docs/postmortems/2025/inc-2025-007-gateway-outage.md"
    assert "-**Incident ID:** INC-2025-007" in lines
    assert "+id: INC-2025-007" in lines
    assert "+status: final  # legacy status: Resolved" in lines
    assert "1 would be migrated" in result.stderr


def test_migrate_keeps_crlf_line_ends_and_skips_what_it_cannot_migrate(site: Path) -> None:
    path = site / "docs/postmortems/2025/inc-2025-007-gateway-outage.md"
    path.write_bytes(LEGACY.replace("\n", "\r\n").encode())
    plain = write(site / "docs/postmortems/2025/notes.md", "# Just notes\n\nNo header here.\n")
    result = run(
        site,
        "migrate",
        "docs/postmortems/2025/inc-2025-007-gateway-outage.md",
        "docs/postmortems/2025/notes.md",
    )
    assert result.returncode == 0
    data = path.read_bytes()
    assert data.startswith(b"---\r\nid: INC-2025-007\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    assert "notes.md: note: skipped: no legacy header" in result.stderr
    assert plain.read_text() == "# Just notes\n\nNo header here.\n"


TEAM_LEGACY = """\
# Incident: Checkout down on Sunday

**Incident ID:** INC-2025-041
**Date:** October 5, 2025
**Severity:** P2
**Duration:** 1h 35m (14:00 – 15:35 UTC)
**Services Affected:** payments-api
**Status:** Resolved
**Incident Commander:** @maya
**Root cause:** An expired TLS certificate on the PSP's gateway.
**Published:** 5 Oct 2025

## Summary

Checkout was down for an hour and 35 minutes.
"""


@pytest.mark.parametrize(
    ("duration", "minutes"),
    [
        ("47 minutes", 47),
        ("1h 35m", 95),
        ("1h35m", 95),
        ("1 hour 35 minutes", 95),
        ("2 hours 10 minutes", 130),
        ("2 hours", 120),
        ("1:35", 95),
        ("95 min", 95),
        ("95 minutes (14:00 – 15:35 UTC)", 95),
        ("1 hour 35 minutes (14:23 UTC – 15:58 UTC)", 95),
        ("1 hour 35 minutes (14:23–15:58 UTC)", 95),
        ("1 hour 35 minutes (14:23 UTC - 15:58 UTC)", 95),
        # A word after the range that is no zone name is not taken for one.
        ("14:00 to 15:35 in total", 95),
        ("14:23 - 15:10 and then 47 min", 47),
    ],
)
def test_migrate_keeps_every_minute_of_a_duration(site: Path, duration: str, minutes: int) -> None:
    path = write(
        site / "docs/postmortems/2025/inc-2025-007-gateway-outage.md",
        LEGACY.replace("95 minutes (23:10 – 00:45 UTC)", duration),
    )
    result = run(site, "migrate", str(path))
    assert result.returncode == 0, result.stderr
    record, _problems = validate(parse_document(str(path), path.read_text(encoding="utf-8")), Rules())
    assert record is not None and record.resolved_at is not None
    assert (
        record.resolved_at - record.started_at
    ).total_seconds() == minutes * 60  # MTTR, as every figure sees it
    assert "**Duration:**" not in path.read_text(encoding="utf-8")


def test_migrate_reads_a_range_with_a_time_zone_after_each_time(site: Path) -> None:
    duration = "1 hour 35 minutes (14:23 UTC – 15:58 UTC)"
    path = write(
        site / "docs/postmortems/2025/inc-2025-007-gateway-outage.md",
        LEGACY.replace("95 minutes (23:10 – 00:45 UTC)", duration),
    )
    result = run(site, "migrate", str(path))
    assert result.returncode == 0, result.stderr
    front_lines = path.read_text(encoding="utf-8").split("---\n")[1].splitlines()
    assert [line for line in front_lines if line.startswith(("started_at", "resolved_at"))] == [
        "started_at: 2025-04-27T14:23:00Z",
        f"resolved_at: 2025-04-27T15:58:00Z  # legacy duration: {duration}",
    ]


def test_migrate_reads_a_teams_template_and_keeps_what_has_no_field(site: Path) -> None:
    path = write(site / "docs/postmortems/2025/inc-2025-041-checkout.md", TEAM_LEGACY)
    result = run(site, "migrate", str(path))
    assert result.returncode == 0, result.stderr
    text = path.read_text(encoding="utf-8")
    assert text.split("---\n")[1].splitlines() == [
        "id: INC-2025-041",
        "title: Checkout down on Sunday",
        "status: final  # legacy status: Resolved",
        "severity: P2",
        "services: [payments-api]",
        "started_at: 2025-10-05T14:00:00Z  # legacy date: October 5, 2025",
        "resolved_at: 2025-10-05T15:35:00Z  # legacy duration: 1h 35m (14:00 – 15:35 UTC)",
        "published_at: 2025-10-05  # legacy published: 5 Oct 2025",
    ]
    body = text.split("---\n", 2)[2]
    assert "**Incident Commander:** @maya" in body
    assert "## Root cause\n\nAn expired TLS certificate on the PSP's gateway.\n\n## Summary" in body
    lines = text.split("\n")
    shown = "docs/postmortems/2025/inc-2025-041-checkout.md"
    notes = result.stderr.splitlines()
    assert f"{shown}:7: note: 'Date: October 5, 2025' read as 2025-10-05" in notes
    commander = lines.index("**Incident Commander:** @maya") + 1
    assert (
        f"{shown}:{commander}: note: 'Incident Commander': the format has no field for the incident commander "
        "(the line stays in the body)" in notes
    )
    assert notes[-1] == "postmortems: 1 migrated, 0 skipped, 0 failed"
    assert run(site, "validate", "--strict", str(path)).returncode == 0


UNREADABLE = LEGACY.replace("**Date:** 2025-04-27", "**Date:** 05/10/2025").replace(
    "**Services:** api-gateway, payments-api", "**Systems:** api-gateway"
)


def test_migrate_leaves_what_it_cannot_read_in_the_body_and_exits_1(site: Path) -> None:
    path = write(site / "docs/postmortems/2025/inc-2025-007-gateway-outage.md", UNREADABLE)
    dry = run(site, "migrate", "--dry-run", str(path))
    assert dry.returncode == 1
    assert path.read_text(encoding="utf-8") == UNREADABLE  # --dry-run changes nothing
    shown = "docs/postmortems/2025/inc-2025-007-gateway-outage.md"
    assert dry.stdout.startswith(f"==> {shown} <==\n---\nid: INC-2025-007\n")
    resulting = dry.stdout.split("<==\n", 1)[1].removesuffix("\n")

    result = run(site, "migrate", str(path))
    assert result.returncode == 1
    text = path.read_text(encoding="utf-8")
    assert text == resulting  # the dry run showed exactly what was written
    lines = text.split("\n")
    date_line = lines.index("**Date:** 05/10/2025") + 1  # left in the body, untouched
    systems_line = lines.index("**Systems:** api-gateway") + 1
    errors = [line for line in result.stderr.splitlines() if ": error: " in line or ": warning: " in line]
    assert f"{shown}:{date_line}: error: 'started_at': is required" in "\n".join(errors)
    assert (
        f"{shown}:{date_line}: warning: 'Date: 05/10/2025' is ambiguous: it could be October 5 or May 10; write "
        "it as YYYY-MM-DD (the line stays in the body)" in errors
    )
    assert f"{shown}:1: error: 'services': needs at least one service" in "\n".join(errors)
    assert (
        f"{shown}:{systems_line}: note: 'Systems' is not a field the format knows (the line stays in the body)"
        in result.stderr
    )
    assert "postmortems: 1 migrated (1 still need work: see above), 0 skipped, 0 failed" in result.stderr
    after = run(site, "validate", str(path))  # what remains is what validate reports
    assert after.returncode == 1 and f"{shown}:1: error: 'started_at': is required" in after.stdout


def test_validate_and_migrate_say_the_same_of_a_human_date_that_is_not_on_the_calendar(site: Path) -> None:
    write(
        site / "docs/postmortems/2025/inc-2025-007-gateway-outage.md",
        LEGACY.replace("**Date:** 2025-04-27", "**Date:** February 30, 2025"),
    )
    shown = "docs/postmortems/2025/inc-2025-007-gateway-outage.md"
    checked = run(site, "validate", shown)
    assert checked.returncode == 1
    assert (
        f"{shown}:4: error: 'started_at': 'February 30, 2025' is not on the calendar: February has no day 30: "
        "it has 28 days. Correct it, written as 2025-03-15T14:23:00Z; until this is fixed, the postmortem is "
        "left out of every index and figure"
    ) in checked.stdout.splitlines()
    migrated = run(site, "migrate", "--dry-run", shown)
    assert "'Date: February 30, 2025' is not on the calendar: February has no day 30: it has 28 days" in (
        migrated.stderr
    )


# --------------------------------------------------------------------------- import pagerduty


def pagerduty_export() -> dict[str, Any]:
    """The shape of GET /incidents."""
    return {
        "incidents": [
            {
                "id": "PT4KHLK",
                "incident_number": 1234,
                "title": "Payments API 5xx spike",
                "created_at": "2025-08-15T14:23:00Z",
                "status": "resolved",
                "urgency": "high",
                "service": {"id": "PIJ90N7", "summary": "Payments API", "type": "service_reference"},
                "priority": {"summary": "P1"},
                "last_status_change_at": "2025-08-15T15:10:00Z",
                "acknowledgements": [
                    {"at": "2025-08-15T14:31:00Z", "acknowledger": {"summary": "Sam"}},
                    {"at": "2025-08-15T14:27:00Z", "acknowledger": {"summary": "Maya Okafor"}},
                ],
                "html_url": "https://acme.pagerduty.com/incidents/PT4KHLK",
            },
            {
                "id": "Q1SEARCH9",
                "incident_number": 1240,
                "title": "Search | slow",
                "created_at": "2025-08-16T09:00:00Z",
                "status": "acknowledged",
                "urgency": "low",
                "service": {"summary": "search-service (production)"},
                "priority": None,
                "last_status_change_at": "2025-08-16T09:05:00Z",
                "acknowledgements": [],
                "html_url": "https://acme.pagerduty.com/incidents/Q1SEARCH9",
            },
            {
                "id": "QUNKNOWN1",
                "incident_number": 1241,
                "title": "Mystery queue backlog",
                "created_at": "2025-08-17T01:00:00Z",
                "status": "resolved",
                "urgency": "high",
                "service": {"summary": "Billing Queue"},
                "priority": {"summary": "P9"},
                "last_status_change_at": "2025-08-17T02:00:00Z",
                "html_url": "https://acme.pagerduty.com/incidents/QUNKNOWN1",
            },
        ]
    }


def imported(site: Path) -> dict[str, dict[str, Any]]:
    out = {}
    for path in sorted((site / "docs/postmortems").rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        match = re.search(r"PagerDuty incident #\d+ \((\w+)\)", text)
        if match:
            out[match.group(1)] = {**front(path), "_path": path, "_text": text}
    return out


def test_import_pagerduty_creates_drafts_that_validate(site: Path) -> None:
    export = write(site / "pd.json", json.dumps(pagerduty_export()))
    result = run(site, "import", "pagerduty", str(export))
    assert result.returncode == 0, result.stderr
    created = imported(site)
    assert set(created) == {"PT4KHLK", "Q1SEARCH9", "QUNKNOWN1"}

    payments = created["PT4KHLK"]
    assert payments["id"] == "INC-2025-008"  # the archive's 2025 ids go up to 007
    assert payments["status"] == "draft"
    assert payments["title"] == "Payments API 5xx spike"
    assert payments["services"] == ["payments-api"]  # matched to the catalog
    assert payments["severity"] == "SEV-1"  # priority P1 through the aliases
    assert str(payments["started_at"]) == "2025-08-15 14:23:00+00:00"
    assert str(payments["acknowledged_at"]) == "2025-08-15 14:27:00+00:00"  # the first acknowledgement
    assert str(payments["resolved_at"]) == "2025-08-15 15:10:00+00:00"
    assert (
        "Imported from PagerDuty incident #1234 (PT4KHLK), https://acme.pagerduty.com/incidents/PT4KHLK"
        in payments["_text"]
    )

    search = created["Q1SEARCH9"]
    assert search["id"] == "INC-2025-009"
    assert search["services"] == ["search-service"]
    assert search["severity"] == "SEV-4"  # no priority: urgency low
    assert search["resolved_at"] is None  # not resolved yet
    assert "| Search \\| slow |" not in search["_text"] and search["title"] == "Search | slow"

    unknown = created["QUNKNOWN1"]
    assert unknown["services"] == ["billing-queue"]  # kept as written, as a valid name
    assert unknown["severity"] == "SEV-2"  # P9 is no alias: urgency high
    assert "service 'Billing Queue' is not in the service catalog" in result.stderr

    check = run(site, "validate", "--format", "json", *(str(c["_path"]) for c in created.values()))
    rows = json.loads(check.stdout)
    assert check.returncode == 0, rows
    assert [row["message"] for row in rows] == [
        "'services': 'billing-queue' is not in the service catalog. Add it to the service catalog."
    ]


def test_import_pagerduty_is_idempotent_and_dry_run_writes_nothing(site: Path) -> None:
    export = write(site / "pd.json", json.dumps(pagerduty_export()["incidents"]))  # a bare list
    files = sorted((site / "docs").rglob("*.md"))

    dry = run(site, "import", "pagerduty", "pd.json", "--dry-run")
    assert dry.returncode == 0
    assert dry.stdout.count("would create ") == 3
    assert sorted((site / "docs").rglob("*.md")) == files

    first = run(site, "import", "pagerduty", str(export))
    assert first.stdout.count("created ") == 3
    after_first = {p: p.read_bytes() for p in (site / "docs").rglob("*.md")}

    second = run(site, "import", "pagerduty", str(export))
    assert second.returncode == 0
    assert second.stdout == ""
    assert "PagerDuty incident #1234 (PT4KHLK) is already imported in docs/postmortems/2025/" in second.stderr
    assert "0 created, 3 already imported" in second.stderr
    assert {p: p.read_bytes() for p in (site / "docs").rglob("*.md")} == after_first


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "pd.json: file not found"),
        ('{"incidents": [', "pd.json:1: not valid JSON"),
        ('{"data": []}', 'not a PagerDuty incidents export: expected {"incidents": [...]}'),
        ("[1, 2]", "incident 1: expected an object"),
    ],
)
def test_import_pagerduty_bad_input_is_a_clear_error(site: Path, content: str | None, message: str) -> None:
    if content is not None:
        write(site / "pd.json", content)
    files = sorted((site / "docs").rglob("*"))
    result = run(site, "import", "pagerduty", "pd.json")
    assert result.returncode == 1
    assert message in result.stderr
    assert result.stdout == ""
    assert sorted((site / "docs").rglob("*")) == files


# --------------------------------------------------------------------------- help and version


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["validate", "--help"],
        ["new", "--help"],
        ["migrate", "--help"],
        ["import", "--help"],
        ["import", "pagerduty", "--help"],
    ],
)
def test_help_for_every_command(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _err = call(monkeypatch, capsys, tmp_path, *args)
    assert code == 0
    assert out.startswith("usage: postmortems")


def test_version(tmp_path: Path) -> None:
    from importlib.metadata import version

    result = run(tmp_path, "--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"postmortems {version('mkdocs-postmortems')}"


def test_no_command_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _out, err = call(monkeypatch, capsys, tmp_path)
    assert code == 2 and "required" in err


# --------------------------------------------------------------------------- CI files


def lint(schema: str, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, *map(str, files)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_workflows_and_gitlab_example_pass_the_schema_linter(tmp_path: Path) -> None:
    workflows = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
    assert {w.name for w in workflows} >= {"postmortems.yml", "ci.yml"}
    result = lint("vendor.github-workflows", *workflows, ROOT / "examples" / "github-postmortems.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    gitlab = lint("vendor.gitlab-ci", ROOT / "examples" / "gitlab-ci.yml")
    assert gitlab.returncode == 0, gitlab.stdout + gitlab.stderr

    # The linter does catch mistakes: a misspelt key fails it.
    broken = tmp_path / "broken.yml"
    broken.write_text(
        (ROOT / ".github/workflows/postmortems.yml").read_text().replace("runs-on:", "runs_on:", 1)
    )
    assert lint("vendor.github-workflows", broken).returncode == 1


def test_postmortems_workflow_runs_the_checks_and_deploys_pages() -> None:
    flow = yaml.safe_load((ROOT / ".github/workflows/postmortems.yml").read_text())
    steps = {
        job: " ".join(str(s.get("run", s.get("uses", ""))) for s in spec["steps"])
        for job, spec in flow["jobs"].items()
    }
    assert "postmortems validate --format github" in steps["check"]
    assert "mkdocs build --strict" in steps["check"]
    assert "actions/configure-pages" in steps["build"] and "actions/upload-pages-artifact" in steps["build"]
    assert "actions/deploy-pages" in steps["deploy"]
    assert flow["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert flow["jobs"]["deploy"]["concurrency"]["group"] == "pages"
    ci = yaml.safe_load((ROOT / ".github/workflows/ci.yml").read_text())
    assert "bash .ci/run" in [s.get("run") for s in ci["jobs"]["test"]["steps"]]


def test_the_handbook_example_is_this_repositorys_workflow_installing_from_requirements() -> None:
    """examples/github-postmortems.yml, the workflow a handbook copies, runs what this
    repository's own runs for the sample (a change to one is made to the other), but for the
    install and what pip's cache is keyed on, and for the plugin's documentation, which only
    this repository publishes beside its site."""
    ours = yaml.safe_load((ROOT / ".github/workflows/postmortems.yml").read_text())
    example = yaml.safe_load((ROOT / "examples/github-postmortems.yml").read_text())
    assert example["env"] == {
        **ours["env"],
        "INSTALL": "pip install -r requirements.txt",
        "DEPENDENCIES": "requirements.txt",
    }
    ours_jobs = ours["jobs"]
    ours_jobs["build"]["steps"] = [
        s for s in ours_jobs["build"]["steps"] if "docs/mkdocs.yml" not in s.get("run", "")
    ]
    assert example["jobs"] == ours_jobs
    assert {k: v for k, v in example.items() if k not in ("env", "jobs")} == {
        k: v for k, v in ours.items() if k not in ("env", "jobs")
    }


def test_pre_commit_hook_runs_validate_on_postmortem_markdown(site: Path) -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "postmortems-validate"
    assert hook["language"] == "python" and hook["pass_filenames"] is True
    assert hook["entry"].split() == ["postmortems", "validate"]
    assert hook["types_or"] == ["markdown", "yaml"] and "types" not in hook  # types: all of them
    files = re.compile(hook["files"])
    assert files.search("docs/postmortems/2025/inc-2025-003-x.md")
    assert files.search("postmortems/x.md")
    assert not files.search("docs/guide.md") and not files.search("docs/postmortems/services.yml")
    for name in ("prioritized", "maturity", "targets", "scoring"):  # the loop's files
        assert files.search(f"modernization/{name}.yaml") and files.search(f"site/modernization/{name}.yml")
    assert not files.search("modernization/notes.md") and not files.search("modernization/other.yaml")

    # What pre-commit runs: the entry with the staged files appended.
    write(site / "docs/postmortems/2025/inc-2025-009-bad-severity.md", BAD)
    staged = [
        "docs/postmortems/2025/inc-2025-003-checkout-errors.md",
        "docs/postmortems/2025/inc-2025-009-bad-severity.md",
    ]
    assert run(site, *hook["entry"].split()[1:], *staged[:1]).returncode == 0
    assert run(site, *hook["entry"].split()[1:], *staged).returncode == 1


def test_pre_commit_hook_checks_the_loops_files_it_is_given(site: Path) -> None:
    """An edit to the decisions file alone runs the hook with that file: its problems are shown,
    with file and line, and fail the commit; the postmortems' are not."""
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    args = hook["entry"].split()[1:]
    write(site / "docs/postmortems/2025/inc-2025-009-bad-severity.md", BAD)  # not staged
    decisions = "modernization/prioritized.yaml"
    write(
        site / decisions,
        "decisions:\n  - service: payments-api\n    decision: promote_to_epic\n    decided_on: 2026-11-02\n"
        "    epic: MOD-1\n    owner: maya\n",
    )
    good = run(site, *args, decisions)
    assert good.returncode == 0, good.stdout + good.stderr
    assert (
        good.stdout == "" and "0 postmortems, modernization/prioritized.yaml checked: 0 errors" in good.stderr
    )
    write(site / decisions, (site / decisions).read_text().replace("promote_to_epic", "promote_epic"))
    bad = run(site, *args, decisions)
    assert bad.returncode == 1
    assert bad.stdout.startswith(
        "modernization/prioritized.yaml:3: error: 'decisions.0.decision': 'promote_epic' is not one of"
    )
    assert "inc-2025-009" not in bad.stdout
    write(site / "modernization/targets.yaml", "targets:\n  repeat_rate: {change: -50}\n")
    both = run(site, *args, decisions, "modernization/targets.yaml")
    assert (
        "modernization/targets.yaml:2: error: 'targets.repeat_rate.change': -50 is a percentage"
        in both.stdout
    )


def test_console_script_is_declared() -> None:
    project = (ROOT / "pyproject.toml").read_text()
    assert 'postmortems = "postmortems.cli:main"' in project
    assert shutil.which("postmortems") is not None
