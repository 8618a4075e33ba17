"""Markdown rendered in the worker (render.py) must be exactly what MkDocs renders itself: the same
HTML, table of contents, anchors and link warnings, whichever process took a page."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page
from postmortems.site.render import Offload, install, make_setup, render_pages
from sites import AS_OF, ROOT, LogCapture, copy_sample

# Links of every kind Page.render resolves or warns about, anchors, raw HTML ids, a title.
BODY = """\
# A title from the Markdown

## Timeline {#timeline}

See [the other one](other.md#impact), [a missing page](missing.md), [a folder](sub/),
[an excluded page](hidden.md), [an absolute link](/abs/path.md), [myself](#timeline),
[outside](https://example.com/x.md) and ![a diagram](img/diagram.png).

<a id="raw-anchor"></a>

### Detail: `code` & <b>bold</b>

| a | b |
|---|---|
| [x](other.md) | 2 |
"""


def files_for(config: object) -> Files:
    def make(uri: str, inclusion: InclusionLevel = InclusionLevel.INCLUDED) -> File:
        return File(uri, "/nowhere", "/site", True, inclusion=inclusion)

    return Files(
        [
            make("pm/one.md"),
            make("pm/other.md"),
            make("pm/hidden.md", InclusionLevel.EXCLUDED),
            make("pm/img/diagram.png"),
            make("index.md"),
        ]
    )


def test_the_worker_renders_like_page_render(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "docs").mkdir()
    config_file = tmp_path / "mkdocs.yml"
    config_file.write_text(
        "site_name: t\nsite_url: https://example.com/kb/\nmarkdown_extensions:\n"
        "  - tables\n  - attr_list\n  - toc:\n      permalink: true\n"
        "validation:\n  links:\n    absolute_links: warn\n    anchors: info\n"
    )
    config = load_config(str(config_file))
    files = files_for(config)
    page = Page(None, files.get_file_from_path("pm/one.md"), config)  # type: ignore[arg-type]
    page.markdown = BODY
    with caplog.at_level(logging.INFO, logger="mkdocs"):
        setup = make_setup(config, files, token=7)  # takes the log levels in force, as in a build
        page.render(config, files)
        expected_logs = [(r.name, r.levelno, r.getMessage()) for r in caplog.records]
        assert any("missing.md" in m for _, _, m in expected_logs)  # the case is really exercised
        assert setup is not None
        install(setup)  # as the worker does; here it sets this process's levels to the same values
        rendered = render_pages(7, [("pm/one.md", "\n" + BODY)])["pm/one.md"]
    assert rendered.content == page.content
    assert str(rendered.toc) == str(page.toc) and "Timeline" in str(rendered.toc)
    assert rendered.title == page._title_from_render == "A title from the Markdown"
    assert rendered.present_anchor_ids == page.present_anchor_ids
    assert "raw-anchor" in rendered.present_anchor_ids
    assert page.links_to_anchors is not None
    assert rendered.links_to_anchors == {f.src_uri: a for f, a in page.links_to_anchors.items()}
    assert [r for r in rendered.records if r[0].startswith("mkdocs")] == expected_logs


def test_a_setup_that_cannot_cross_processes_is_refused(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "mkdocs.yml").write_text("site_name: t\nmarkdown_extensions: [tables]\n")
    config = load_config(str(tmp_path / "mkdocs.yml"))
    from markdown.extensions.tables import TableExtension

    config.markdown_extensions.append(TableExtension())  # type: ignore[arg-type]  # as some plugins do
    assert make_setup(config, files_for(config), token=1) is None


def test_chunks_meet_in_the_middle_and_failures_fall_back(tmp_path: Path) -> None:
    """The worker's chunks go from the last page back; a chunk not started is left to MkDocs;
    a failed chunk is rendered by MkDocs too."""
    import concurrent.futures

    (tmp_path / "docs").mkdir()
    (tmp_path / "mkdocs.yml").write_text("site_name: t\n")
    config = load_config(str(tmp_path / "mkdocs.yml"))
    uris = [f"pm/{i}.md" for i in range(6)]
    files = Files([File(u, "/nowhere", "/site", True) for u in uris])
    setup = make_setup(config, files, token=3)
    assert setup is not None
    submitted: list[list[str]] = []
    futures: list[concurrent.futures.Future[object]] = []

    class FakeWorker:
        """Records what is submitted; the test decides what each future does."""

        def future(self, fn: object, *args: object) -> concurrent.futures.Future[object]:
            future: concurrent.futures.Future[object] = concurrent.futures.Future()
            if fn is not install:
                submitted.append([uri for uri, _ in args[0]])  # type: ignore[attr-defined]
                futures.append(future)
            return future

    offload = Offload(FakeWorker(), setup, [(u, f"# {u}\n") for u in uris], chunk_size=2)  # type: ignore[arg-type]
    assert submitted == [["pm/4.md", "pm/5.md"], ["pm/2.md", "pm/3.md"], ["pm/0.md", "pm/1.md"]]
    install(setup)
    last = futures[0]
    last.set_running_or_notify_cancel()
    last.set_result(render_pages(3, [("pm/5.md", "# five\n"), ("pm/4.md", "# four\n")]))
    futures[1].set_running_or_notify_cancel()
    futures[1].set_exception(RuntimeError("worker died"))
    assert offload.take("pm/0.md") is None  # not started: cancelled, MkDocs renders it
    assert futures[2].cancelled()
    assert offload.take("pm/2.md") is None  # failed: MkDocs renders it
    five = offload.take("pm/5.md")
    assert five is not None and "five" in five.content
    assert offload.take("pm/5.md") is None  # taken once (`taken` counts the pages claimed)


def _build(config_file: Path, site: Path, capture: LogCapture, steal: bool = True, **options: object) -> int:
    """A real build; returns how many pages the worker rendered."""
    cfg = load_config(str(config_file), site_dir=str(site))
    plugin = cfg.plugins["postmortems"]
    plugin.config["as_of"] = AS_OF
    for key, value in options.items():
        plugin.config[key] = value
    plugin.steal = steal  # type: ignore[attr-defined]
    logger = logging.getLogger("mkdocs")
    logger.addHandler(capture)
    try:
        build(cfg)
        offload = plugin.build.offload  # type: ignore[attr-defined]
        return 0 if offload is None else int(offload.taken)
    finally:
        logger.removeHandler(capture)
        cfg.plugins.on_shutdown()


def _tree(site: Path) -> dict[str, bytes]:
    """Every file but the sitemap (dated by the build day) and the search index: Pagefind's files
    are not byte for byte the same from one build to the next (their names hash data it keeps in
    hash maps), and the index is made from the archive before any page is rendered."""
    return {
        str(path.relative_to(site)): path.read_bytes()
        for path in sorted(site.rglob("*"))
        if path.is_file()
        and path.suffix != ".gz"
        and path.name != "sitemap.xml"  # dated by the build day
        # Pagefind's index is made from the records before any page is rendered, and its output
        # is not byte-reproducible from one build to the next: tests/site/test_search_index.py
        and path.relative_to(site).parts[0] != "pagefind"
    }


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="the worker needs a second core")
def test_the_site_is_the_same_whoever_renders(tmp_path: Path) -> None:
    """Every page rendered by the worker gives byte for byte the site MkDocs alone gives, with the
    same warnings; a page another plugin changes in on_page_markdown is rendered by MkDocs."""
    config_file = copy_sample(tmp_path / "src")
    posts = sorted((tmp_path / "src" / "content" / "postmortems").rglob("*.md"))
    linked = posts[10]
    linked.write_text(
        linked.read_text()
        + "\nSee [a missing page](../nowhere.md), [an anchor](#no-such-anchor) and [the guide](../../guide.md).\n"
    )
    hooks = tmp_path / "src" / "hooks.py"
    hooks.write_text(  # first of all plugins, before the postmortems plugin's own handlers
        "from mkdocs.plugins import event_priority\n"
        "@event_priority(5000)\n"
        "def on_page_markdown(markdown, page, **kwargs):\n"
        f"    if page.file.src_uri.endswith('{posts[20].name}'):\n"
        "        return markdown + '\\n\\nChanged by a hook.\\n'\n"
    )
    config_file.write_text(config_file.read_text() + "hooks:\n  - hooks.py\n")

    serial, parallel = LogCapture(), LogCapture()
    assert _build(config_file, tmp_path / "serial", serial, parallel=False) == 0
    taken = _build(config_file, tmp_path / "parallel", parallel, steal=False)
    published = len(list((tmp_path / "serial").glob("postmortems/*/*/index.html")))
    assert taken == published - 1  # all but the page the hook changed

    assert _tree(tmp_path / "parallel") == _tree(tmp_path / "serial")
    changed = tmp_path / "parallel" / "postmortems" / posts[20].parent.name / posts[20].stem / "index.html"
    assert "Changed by a hook." in changed.read_text()
    assert parallel.messages() == serial.messages()
    assert any("nowhere.md" in m for m in serial.messages())
    assert ROOT.exists()
