"""Whatever the files hold, a real `mkdocs build` and the real `postmortems validate` over them
end normally, every problem names its file, both report the same problems, and every good file
is still published. One build per example over a folder of generated files (few examples: each
is a whole site), files written the way people type front matter (tests/strategies.py)."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sites import AS_OF, LogCapture, build_site
from strategies import ODD_TEXT, files

CONFIG = f"""\
site_name: Generated
docs_dir: docs
theme: {{name: material, font: false}}
plugins:
  - search
  - postmortems:
      as_of: {AS_OF}
      show_drafts: true
"""


def good_file(number: int, title: str, body: str) -> str:
    quoted = yaml.safe_dump({"title": title or "x"}, allow_unicode=True, width=1 << 20)
    return (
        f"---\nid: INC-2030-{number:03d}\n{quoted}status: final\nseverity: SEV-2\n"
        "services: [payments-api]\nstarted_at: 2026-03-15T14:23:00Z\nresolved_at: 2026-03-15T15:10:00Z\n"
        f"published_at: 2026-03-19\n---\n\n## Summary\n\n{body}\n"
    )


def make_site(root: Path, generated: list[str], good: list[tuple[str, str]]) -> Path:
    folder = root / "docs" / "postmortems"
    folder.mkdir(parents=True)
    (root / "mkdocs.yml").write_text(CONFIG)
    (root / "docs" / "index.md").write_text("# Postmortems\n")
    for number, text in enumerate(generated):
        (folder / f"gen-{number}.md").write_bytes(text.encode("utf-8"))
    for number, (title, body) in enumerate(good):
        (folder / f"good-{number}.md").write_bytes(good_file(number, title, body).encode("utf-8"))
    return root


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@settings(
    max_examples=3,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # a whole site per example: report a failure as found, unshrunk
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(
    generated=st.lists(files, min_size=12, max_size=12),
    good=st.lists(
        st.tuples(ODD_TEXT, ODD_TEXT.filter(lambda text: "\x00" not in text)), min_size=3, max_size=3
    ),
)
def test_a_build_and_validate_over_generated_files(
    tmp_path_factory: pytest.TempPathFactory, generated: list[str], good: list[tuple[str, str]]
) -> None:
    root = make_site(tmp_path_factory.mktemp("generated"), generated, good)
    logger = logging.getLogger("mkdocs.plugins.postmortems")
    capture = LogCapture()
    capture.setLevel(logging.INFO)
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(capture)
    try:
        build_site(root / "mkdocs.yml", root / "site")  # no exception escapes
    finally:
        logger.removeHandler(capture)
        logger.setLevel(level)
    names = {f"postmortems/gen-{n}.md" for n in range(len(generated))} | {
        f"postmortems/good-{n}.md" for n in range(len(good))
    }
    logged = [r.getMessage() for r in capture.records if r.getMessage().startswith("postmortems/")]
    others = [m for m in capture.messages() if not m.startswith(("postmortems/", "postmortems: "))]
    assert not others, others  # every problem names its file
    assert all(m.split(":", 1)[0] in names for m in logged), logged
    assert not any("internal error" in m for m in logged), logged  # no bug of ours was hit
    assert not any(m.startswith(tuple(f"postmortems/good-{n}.md" for n in range(len(good)))) for m in logged)

    site = root / "site"
    published = {row["id"] for row in json.loads((site / "api" / "incidents.json").read_text())}
    assert {f"INC-2030-{n:03d}" for n in range(len(good))} <= published  # every good file still counts
    binary = {m.split(":", 1)[0] for m in logged if "file is binary" in m}  # reported, never published
    for name in names - binary:  # and every other file has its page, with what was wrong listed on it
        assert (site / name.removesuffix(".md") / "index.html").is_file(), name

    result = subprocess.run(
        [sys.executable, "-m", "postmortems.cli", "validate", "--format", "json"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode in (0, 1) and "Traceback" not in result.stderr, result.stderr
    rows = json.loads(result.stdout)
    reported = sorted(
        f"{row['path'].removeprefix('docs/')}{':' + str(row['line']) if row['line'] else ''}: {row['message']}"
        for row in rows
    )
    assert reported == sorted(logged)  # the command line reports exactly what the build logged
    assert result.returncode == (1 if any(row["level"] == "error" for row in rows) else 0)
