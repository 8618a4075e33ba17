"""What goes into the search index (search.py) and how a build runs Pagefind: real-world text
to plain text, a postmortem's record, and no Pagefind process left behind by a build that
succeeds, fails or cannot start it. What a reader finds is tested in the browser
(tests/browser/test_search.py)."""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import item, record
from mkdocs.exceptions import Abort
from postmortems.insight.knowledge import build_knowledge
from postmortems.insight.scoring import load_model
from postmortems.records.model import Impact, Slo
from postmortems.records.validate import DEFAULT_SEVERITIES
from postmortems.site.pagefind import PagefindError, Service, _write_files
from postmortems.site.search import page_title, plain, postmortem_record, vocabulary_record, words_of
from sites import LogCapture, build_site, copy_sample

REAL_WORLD = """## What happened

The **distributor's** feed was "infected" -- see [PAY-1084](https://jira.example/browse/PAY-1084 "ticket").
Chrome said `net::ERR_CERT_DATE_INVALID`; the importer logged `status=504 upstream=sms-gateway`.

| Time (UTC) | Event |
|:---|---:|
| 04:10 | p99 at 7,318 ms (normal: 263 ms) |

<details><summary>Settings</summary>retry_interval=90s &mdash; a < b &amp;&amp; c > d</details>

```text
05:35:12Z ERROR pool exhausted (active=200 idle=0)
```

- first bullet
  - nested bullet
> quoted line
"""


def words(text: str) -> list[str]:
    return text.split()


def test_plain_keeps_every_word_and_drops_the_markup() -> None:
    text = plain(REAL_WORLD)
    for kept in (
        "distributor's",
        '"infected"',
        "PAY-1084",
        "net::",
        "ERR_CERT_DATE_INVALID",
        "status=",
        "504",
        "sms-gateway",
        "7,318",
        "retry_interval=",
        "90s",
        "—",  # &mdash; decoded
        "<",
        "&&",
        "05:35:12Z",
        "(active=",
        "first",
        "nested",
        "quoted",
        "Settings",
    ):
        assert kept in text, kept
    for dropped in (
        "**",
        "](",
        "https://jira.example",
        "|",
        ":---",
        "```",
        "<details>",
        "<summary>",
        "&amp;",
        "- first",
    ):
        assert dropped not in text, dropped
    assert "What happened" in text and "##" not in text


def test_plain_cuts_a_snippet_on_a_word() -> None:
    snippet = plain("word " * 100, 30)
    assert len(snippet) <= 30 and snippet.endswith("…") and "wor…" not in snippet


def test_a_postmortem_record_holds_its_whole_text_and_its_facets() -> None:
    pm = record(
        "INC-2026-001",
        "2026-03-04T05:06:00Z",
        title="Checkout 5xx after the PSP's certificate expired",
        teams=["payments"],
        services=["payments-api", "checkout-web"],
        trigger="dependency",
        contributing_factors=["expired-certificate"],
        authors=["@ines.duarte"],
        slos=[Slo(name="checkout-availability", kind="availability", burn_rate=14.5)],
        impact=Impact(regulatory=["PCI-DSS"]),
        action_items=[item("Alert on certificate expiry", "2026-03-20")],
        sections={},  # no Summary heading
    )
    pm.action_items[0].ticket = "PAY-2001"
    kb = build_knowledge(
        [pm],
        None,
        as_of=dt.date(2026, 4, 1),
        severities=DEFAULT_SEVERITIES,
        repeat_window_days=90,
        model=load_model(),
    )
    body = "## What happened\n\nThe `ERR_CERT_DATE_INVALID` storm started at 05:06.\n"
    got = postmortem_record(pm, body, kb)
    # The values are searched as metadata: a snippet is a passage of the text, never a run of them.
    assert "@ines.duarte" not in got["content"] and "PAY-2001" in got["meta"]["fields"]
    content = got["content"] + " " + got["meta"]["fields"]
    for value in (
        "Checkout 5xx after the PSP's certificate expired",
        "ERR_CERT_DATE_INVALID",
        "What happened",
        "payments-api",
        "checkout-web",
        "@ines.duarte",
        "checkout-availability",
        "14.5",
        "PCI-DSS",
        "Alert on certificate expiry",
        "PAY-2001",
        "@someone",
        "2026-03-20",
        "2026-03-04",
        "expired-certificate",
    ):
        assert value in content, value
    assert "True" not in content and "False" not in content and "None" not in content
    assert got["url"] == pm.url
    assert got["filters"] == {
        "kind": ["postmortem"],
        "service": ["payments-api", "checkout-web"],
        "team": ["payments"],
        "severity": ["SEV-2"],
        "factor": ["expired-certificate"],
        "trigger": ["dependency"],
        "status": ["final"],
        "started": ["2026-03-04"],
    }
    assert "sort" not in got  # the index's order is the sort: newest first
    assert got["meta"]["title"] == pm.title and got["meta"]["id"] == "INC-2026-001"
    assert got["meta"]["summary"].startswith("What happened The ERR_CERT_DATE_INVALID storm")


@pytest.mark.parametrize(
    ("markdown", "meta", "title"),
    [
        ("# Writing a *postmortem*\n\ntext", {}, "Writing a postmortem"),
        ("text only", {}, "guide"),
        ("# Heading\n", {"title": "From the front matter"}, "From the front matter"),
    ],
)
def test_a_page_is_titled_as_mkdocs_titles_it(markdown: str, meta: dict[str, str], title: str) -> None:
    assert page_title(markdown, meta, "guide") == title


def pagefind_children() -> list[str]:
    """Pagefind processes this test process started that are still running."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                command = handle.read().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError, IndexError):
            continue
        if ppid == os.getpid() and "pagefind" in command:
            found.append(command)
    return found


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc")
def test_no_pagefind_process_is_left_by_a_build(tmp_path: Path, sample_site: Path) -> None:
    """The session's sample build, a second one, and one that fails in strict mode."""
    entry = json.loads((sample_site / "pagefind" / "pagefind-entry.json").read_text())
    assert sum(language["page_count"] for language in entry["languages"].values()) > 40
    assert pagefind_children() == []
    config = copy_sample(tmp_path)
    (tmp_path / "content/postmortems/2026/broken.md").write_text("---\nid: [\n---\n")
    with pytest.raises(Abort):
        build_site(config, tmp_path / "site", strict=True)
    assert pagefind_children() == []
    assert not (tmp_path / "site" / "pagefind").exists() or (tmp_path / "site/pagefind/pagefind.js").is_file()


def test_without_pagefind_the_rest_of_the_site_builds(
    tmp_path: Path, mkdocs_log: LogCapture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A broken install (no binary): one error that says how to fix it, every page still built."""
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "no-such-pagefind"))
    mkdocs_log.expect("the search index cannot be built")
    build_site(copy_sample(tmp_path), tmp_path / "site")
    assert any("could not start Pagefind" in m for m in mkdocs_log.messages()), mkdocs_log.messages()
    assert (tmp_path / "site/explorer/index.html").is_file()
    assert (tmp_path / "site/incidents/index.html").is_file()
    assert not (tmp_path / "site/pagefind").exists()
    assert pagefind_children() == []


def test_a_parts_dictionary_and_the_vocabulary_it_is_given() -> None:
    """Each part of a large index is given the words of the others it lacks, so that no part answers
    a word by a shorter one ("PAY-1084" by "pay"): its words as Pagefind reads them (case folded,
    without the punctuation around them, the punctuation inside kept), in one stable order."""
    records = [
        {"content": "Pool exhausted. (PAY-1084)", "meta": {"fields": '"infected" distributor\'s'}},
        {"content": "pool POOL, net:: ERR_CERT_DATE_INVALID -- `x`", "meta": {"title": "Pool"}},
    ]
    words = words_of(records)
    assert words == {
        "pool",
        "exhausted",
        "pay-1084",
        "infected",
        "distributor's",
        "net",
        "err_cert_date_invalid",
        "x",
    }
    vocabulary = vocabulary_record(words - words_of(records[:1]))
    assert vocabulary["content"] == "err_cert_date_invalid net x"
    assert vocabulary["filters"] == {"kind": ["vocabulary"]}


@contextlib.contextmanager
def busy_cores(count: int) -> Iterator[None]:
    """Every core busy at normal priority, as in a loaded CI runner: Pagefind (niced) then gets
    little CPU for the writes it does in the background."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


def test_the_index_is_whole_when_written_returns_even_if_pagefind_dies_then(tmp_path: Path) -> None:
    """Pagefind 1.5 answers its own WriteFiles with writes still in flight and exits when its
    input closes: on a loaded machine that left an empty pagefind-entry.json (in 2 of 5 rounds
    here, with every core busy). The plugin writes the files it is sent: once `written` returns,
    the index is whole, even if Pagefind is killed at that moment."""
    with busy_cores(len(os.sched_getaffinity(0)) + 1):
        for attempt in range(3):
            folder = tmp_path / f"round-{attempt}"
            service = Service({"force_language": "en"})
            try:
                for number in range(300):
                    service.add_record(
                        url=f"/postmortems/inc-{number}/",
                        content=f"Checkout's timeout number {number}: the pool was exhausted.",
                        language="en",
                        meta={"title": f"INC-{number}"},
                        filters={"kind": ["postmortem"]},
                    )
                service.write(str(folder))
                assert service.written() == 300
                service._process.kill()  # what Pagefind still had in flight never reaches the disk
            finally:
                service.close(finish=False)
            entry = json.loads((folder / "pagefind-entry.json").read_text())
            assert entry["languages"]["en"]["page_count"] == 300
            fragments = list((folder / "fragment").iterdir())
            assert len(fragments) == 300 and all(gzip.decompress(f.read_bytes()) for f in fragments)


def test_a_file_pagefind_sends_outside_its_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PagefindError, match="outside its folder"):
        _write_files(str(tmp_path / "pagefind"), [{"path": "../escaped.js", "content": ""}])
    assert not (tmp_path / "escaped.js").exists()
