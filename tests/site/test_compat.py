"""The knowledge base in a site that has other plugins: the sample built with each of them (and
with ProperDocs), and the built site checked, as CI's compatibility jobs do (scripts/compat.py):
every page there, every link resolving, nothing twice in the nav, and what each plugin is about.

Builds run in this process (ProperDocs in its own, as a user runs it), with the worker taking
every page it can (`steal = False`), so that the Markdown offload can be checked to stay on
where another plugin leaves a postmortem's Markdown as it was.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from helpers import front_matter_file
from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.config.base import ValidationError
from mkdocs.exceptions import Abort
from postmortems.records.archive import read_file
from postmortems.records.validate import Rules
from postmortems.site.build import plotly_source
from postmortems.site.compat import external_urls, without_external_urls
from postmortems.site.nav import NavChoice
from postmortems.site.plugin import NavOption
from sites import ROOT, LogCapture, build_site

sys.path.insert(0, str(ROOT / "scripts"))
import compat  # scripts/compat.py: the variants CI builds

TWO_CORES = len(os.sched_getaffinity(0)) >= 2
# Plugins that leave postmortems' Markdown as it was (but for a trailing newline, or a file list
# that changes elsewhere): every postmortem page is still taken from the worker.
KEEP_OFFLOAD = {"macros": 1, "i18n": 0, "blog": 0, "tags": 0}  # pages a plugin changes: by MkDocs


class _Debug(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def plugin_debug() -> Iterator[_Debug]:
    handler = _Debug()
    logger = logging.getLogger("mkdocs.plugins.postmortems")
    level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def build_here(config_file: Path, site_dir: Path) -> None:
    """`mkdocs build --strict` in this process, every page the worker can take taken from it."""
    cfg = load_config(str(config_file), site_dir=str(site_dir), strict=True)
    cfg.plugins["postmortems"].steal = False
    try:
        build(cfg)
    finally:
        cfg.plugins.on_shutdown()


def taken(debug: _Debug) -> list[int]:
    prefix = "postmortems: the worker rendered the Markdown of "
    return [int(m[len(prefix) :].split()[0]) for m in debug.messages if m.startswith(prefix)]


OUTLINE_HOOK = """\
import json, os
from mkdocs.plugins import event_priority

@event_priority(-1000)  # after every plugin: the nav as the site shows it
def on_nav(nav, config, files):
    def outline(items):
        return [[i.title, outline(i.children)] if i.is_section else i.file.src_uri for i in items if i.is_page or i.is_section]
    with open(os.path.join(os.path.dirname(config.config_file_path), "nav.json"), "w") as handle:
        json.dump(outline(nav.items), handle)
"""
INDEXES = [f"{folder}/index.md" for folder in compat.INDEX_PAGES]
# The nav each nav-plugin variant must end with (page src_uris, [section, children]).
NAV_OUTLINES = {
    # .nav.yml places the index pages in its own section: left as it is
    "awesome-nav": ["index.md", ["Handbook", ["guide.md"]], ["Knowledge base", INDEXES]],
    # awesome-pages alone makes a section per folder ('...': the rest); nav: {section: ...} gathers them
    "awesome-pages": ["index.md", "guide.md", ["Knowledge base", INDEXES]],
}


def with_outline(config_file: Path, nav: object = None, plugins: list[object] | None = None) -> Path:
    """The site made to write its final nav to nav.json beside mkdocs.yml (a hook, last of all);
    `nav`: our option, `plugins`: instead of the variant's. Returns nav.json's path."""
    config = yaml.safe_load(config_file.read_text())
    config["plugins"] = plugins or config["plugins"]
    for entry in config["plugins"]:
        if isinstance(entry, dict) and "postmortems" in entry and nav is not None:
            entry["postmortems"] = {**entry["postmortems"], "nav": nav}
    config["hooks"] = ["hooks.py"]
    config_file.write_text(yaml.safe_dump(config))
    (config_file.parent / "hooks.py").write_text(OUTLINE_HOOK)
    return config_file.parent / "nav.json"


@pytest.mark.parametrize("name", [n for n in compat.VARIANTS if compat.VARIANTS[n].command == "mkdocs"])
def test_the_sample_works_with_another_plugin(
    name: str, tmp_path: Path, mkdocs_log: LogCapture, plugin_debug: _Debug
) -> None:
    if name == "i18n":  # its own advice, logged for the site's config and not ours to follow
        mkdocs_log.expect("language switcher contextual link is not compatible")
    config_file = compat.make(name, tmp_path / "src")
    nav = with_outline(config_file)
    build_here(config_file, tmp_path / "site")
    site = compat.Site(tmp_path / "site", directory_urls=name != "offline")
    assert compat.check_site(site) == []
    assert compat.VARIANTS[name].expect(site) == []
    if name in NAV_OUTLINES:
        assert json.loads(nav.read_text()) == NAV_OUTLINES[name]
    if name in KEEP_OFFLOAD and TWO_CORES:
        pages = len(list(site.root.glob("postmortems/*/*/index.html")))
        assert taken(plugin_debug)[-1] == pages - KEEP_OFFLOAD[name]


@pytest.mark.skipif(importlib.util.find_spec("properdocs") is None, reason="ProperDocs is a test dependency")
def test_properdocs_builds_the_same_site(tmp_path: Path, sample_site: Path) -> None:
    """`properdocs build` loads the plugin through ProperDocs' own entry point group
    (properdocs.plugins) and gives the site MkDocs gives."""
    found = subprocess.run(
        [sys.executable, "-c", "import properdocs.replacement; from properdocs.plugins import get_plugins; "
         "print(get_plugins()['postmortems'].group)"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert found.stdout.strip() == "properdocs.plugins"  # ProperDocs' own group, not only MkDocs'
    problems = compat.run("properdocs", tmp_path)
    assert problems == []
    built = compat.Site(tmp_path / "site")
    for name in ("incidents.json", "services.json", "backlog.json"):
        assert built.api(name) == compat.Site(sample_site).api(name), name


@pytest.mark.skipif(importlib.util.find_spec("properdocs") is None, reason="ProperDocs is a dependency")
@pytest.mark.parametrize("command", ["mkdocs", "properdocs"])
def test_the_plugin_declares_properdocs_support_as_properdocs_asks(tmp_path: Path, command: str) -> None:
    """ProperDocs' notice is shown once to whoever builds with `mkdocs` (the plugin calls
    `properdocs.replacement_warning.setup()` when it is imported; its worker, which imports it
    too, says nothing), never with `properdocs`."""
    (tmp_path / "docs" / "postmortems").mkdir(parents=True)
    (tmp_path / "docs" / "index.md").write_text("# Home\n")
    for number in range(3):  # the worker renders postmortem pages: it runs in this build
        text = front_matter_file(id=f"INC-2025-{number:03d}", title=f"Checkout's 5xx #{number}")
        (tmp_path / "docs" / "postmortems" / f"inc-2025-{number:03d}.md").write_text(text)
    (tmp_path / "mkdocs.yml").write_text("site_name: Notice\ntheme: {name: material, font: false}\nplugins: [postmortems]\n")
    env = {k: v for k, v in os.environ.items() if k != "DISABLE_MKDOCS_2_WARNING"}
    result = subprocess.run(
        [sys.executable, "-m", command, "build", "-q"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    notices = result.stderr.count("MkDocs may break support for all existing plugins")
    assert notices == (1 if command == "mkdocs" else 0), result.stderr


def test_the_offline_plugin_before_ours_gives_the_same_urls(tmp_path: Path) -> None:
    """Offline switches directory URLs off in its on_config: before or after ours, the same site."""
    config_file = compat.make("offline", tmp_path / "src")
    config = yaml.safe_load(config_file.read_text())
    config["plugins"] = ["search", "offline", compat.OURS]
    config_file.write_text(yaml.safe_dump(config))
    build_here(config_file, tmp_path / "site")
    site = compat.Site(tmp_path / "site", directory_urls=False)
    assert compat.check_site(site) == [] and compat.VARIANTS["offline"].expect(site) == []


I18N_FOLDERS = """\
site_name: Handbook
docs_dir: docs
theme: {name: material, font: false}
plugins:
  - i18n:
      docs_structure: folder
      languages:
        - {locale: en, default: true, name: English, build: true}
        - {locale: fr, name: Français, build: true}
  - postmortems
"""


def test_an_archive_folder_without_postmortems_is_a_warning_that_names_the_language_folder(
    tmp_path: Path, mkdocs_log: LogCapture
) -> None:
    """mkdocs-static-i18n's `docs_structure: folder` puts the archive in docs/en/postmortems:
    with the default `path: postmortems`, the build warns (so --strict fails) instead of
    publishing an empty knowledge base, and says which `path` to set; with it, it is published."""
    config_file = tmp_path / "mkdocs.yml"
    config_file.write_text(I18N_FOLDERS)
    for locale, title in (("en", "Handbook"), ("fr", "Manuel")):
        (tmp_path / "docs" / locale).mkdir(parents=True)
        (tmp_path / "docs" / locale / "index.md").write_text(f"# {title}\n")
    archive = tmp_path / "docs/en/postmortems/2025"
    archive.mkdir(parents=True)
    (archive / "inc-2025-001-checkout.md").write_text(front_matter_file())

    wanted = (
        "postmortems: option 'path': no postmortem files in 'postmortems/' under docs_dir ('docs/'), so the "
        "knowledge base is empty; Markdown files are in 'en/postmortems/' (mkdocs-static-i18n's folder for "
        "'en'): set `path: en/postmortems` in the plugin's options"
    )
    mkdocs_log.expect(wanted)
    build_site(config_file, tmp_path / "site")
    assert wanted in mkdocs_log.messages()
    assert json.loads((tmp_path / "site/api/incidents.json").read_text()) == []
    with pytest.raises(Abort):  # what a CI build does with it
        build_site(config_file, tmp_path / "strict", strict=True)

    mkdocs_log.records.clear()
    build_site(config_file, tmp_path / "fixed", strict=True, path="en/postmortems")
    (incident,) = json.loads((tmp_path / "fixed/api/incidents.json").read_text())
    assert incident["id"] == "INC-2025-001"
    assert (tmp_path / "fixed" / incident["url"] / "index.html").is_file()
    assert not any("option 'path'" in message for message in mkdocs_log.messages())


def test_an_archive_folder_that_is_missing_is_a_warning(tmp_path: Path, mkdocs_log: LogCapture) -> None:
    config_file = tmp_path / "mkdocs.yml"
    config_file.write_text("site_name: Handbook\nplugins:\n  - postmortems:\n      path: incidents/\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/index.md").write_text("# Handbook\n")
    wanted = (
        "postmortems: option 'path': no postmortem files in 'incidents/' under docs_dir ('docs/'), so the "
        "knowledge base is empty; write them there (`postmortems new` writes a draft) or set `path:` in the "
        "plugin's options to the folder under docs_dir that holds them"
    )
    mkdocs_log.expect(wanted)
    build_site(config_file, tmp_path / "site")
    assert mkdocs_log.messages() == [wanted]


def test_nav_option_takes_auto_off_or_a_section_and_nothing_else() -> None:
    option = NavOption()
    assert option.validate("auto") == NavChoice("auto")
    assert option.validate("off") == NavChoice("off")
    assert option.validate({"section": " Incidents & reviews "}) == NavChoice(
        "section", "Incidents & reviews"
    )
    for bad in ("Knowledge base", {"section": ""}, {"name": "x"}, ["auto"], 3):
        with pytest.raises(ValidationError, match="expected 'auto', 'off' or"):
            option.validate(bad)


def test_nav_auto_and_off_with_mkdocs_automatic_nav(tmp_path: Path) -> None:
    """No nav plugin, no nav in mkdocs.yml: `auto` puts the index pages after the site's own, in
    their order; `off` leaves MkDocs' one section per folder."""
    plain = ["search", compat.OURS]
    outlines = []
    for nav in ("auto", "off"):
        config_file = compat.make("awesome-pages", tmp_path / nav / "src")
        written = with_outline(config_file, nav=nav, plugins=plain)
        build_here(config_file, tmp_path / nav / "site")
        outlines.append(json.loads(written.read_text()))
    automatic, untouched = outlines
    assert automatic[:2] == ["index.md", "guide.md"] and automatic[2:] == INDEXES
    sections = [item for item in untouched if isinstance(item, list)]
    assert sorted(children[0] for _title, children in sections) == sorted(INDEXES)
    assert all(len(children) == 1 for _title, children in sections)


def test_the_plugins_scripts_name_no_external_file_for_privacy_to_fetch() -> None:
    plotly = plotly_source()
    text = Path(plotly).read_text(encoding="utf-8")
    assert len(external_urls(text)) >= 6  # the map styles: what privacy fetched before
    blanked = without_external_urls(text)
    assert external_urls(blanked) == [] and len(text) - len(blanked) < 1000
    for path in (ROOT / "plugins/postmortems/site/assets").iterdir():
        assert external_urls(path.read_text(encoding="utf-8")) == [], path.name


def test_other_plugins_page_keys_are_allowed_and_passed_to_the_page() -> None:
    text = (
        '---\nid: INC-2025-001\ntitle: Checkout\'s "5xx" <b>spike</b>\nstatus: final\nseverity: P2\n'
        "services: [payments-api]\nstarted_at: 2025-03-15T14:23:00Z\nresolved_at: 2025-03-15T15:00:00Z\n"
        "published_at: 2025-03-19\nrender_macros: false\nsocial: {cards: false}\ngiscus: {term: x}\n---\n"
        "## Summary\n\nWe quoted `{{ .Values.tag }}`.\n"
    )
    plain, problems = read_file("pm/a.md", text.encode(), Rules(), 1 << 20)
    assert [p.message for p in problems if p.key == "giscus" or "giscus" in p.message]
    assert plain.page_meta == {"render_macros": False, "social": {"cards": False}}
    extra, problems = read_file("pm/a.md", text.encode(), Rules(extra_keys=frozenset({"giscus"})), 1 << 20)
    assert not [p for p in problems if "giscus" in p.message]
    assert extra.page_meta["giscus"] == {"term": "x"}
