"""The documentation site builds strictly (every internal link and anchor resolves), and the
README keeps the two commands of its Quick start."""

from __future__ import annotations

import re
from pathlib import Path

from sites import ROOT, build_docs


def test_the_documentation_site_builds_strictly(tmp_path: Path, mkdocs_log) -> None:  # type: ignore[no-untyped-def]
    build_docs(tmp_path)
    pages = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("index.html")}
    assert {"index.html", "format/index.html", "configuration/index.html", "cli/index.html"} <= pages


def test_readme_links_resolve_and_quick_start_has_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "mkdocs serve" in quick and "bash scripts/test.sh" in quick
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", readme):
        if not target.startswith(("http://", "https://")):
            assert (ROOT / target).exists(), f"README links to {target}, which does not exist"
