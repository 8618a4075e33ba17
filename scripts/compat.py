"""The sample site with another plugin (or ProperDocs), built and checked: the compatibility matrix.

    python scripts/compat.py VARIANT [--dest DIR]     # build one variant and check it
    python scripts/compat.py --list                   # the variants

Each variant is the sample site (as_of fixed) with one change a real handbook has: Material's
offline, privacy, tags or blog plugin, mkdocs-static-i18n, mkdocs-awesome-nav,
mkdocs-awesome-pages-plugin, mkdocs-redirects, mkdocs-macros-plugin, or ProperDocs instead of
MkDocs. The check is of the built site, not only that it built (`--strict`): every generated
page and postmortem page exists, every link and asset of every page resolves, no page is twice
in the navigation, and what the variant is about holds (`VARIANTS[...].expect`).

CI runs one job per variant (.github/workflows/ci.yml); tests/site/test_compat.py runs the
same builds and checks, and looks closer at a few.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-20"
SAMPLE_OPTIONS = {"catalog": "services.yml", "scoring": "modernization/scoring.yaml", "legacy": "info"}
OURS = {"postmortems": {"path": "postmortems", **SAMPLE_OPTIONS, "as_of": AS_OF}}
INDEX_PAGES = (
    *("incidents", "explorer", "services", "teams", "patterns"),
    *("action-items", "trends", "reports", "backlog", "targets", "digest"),
)


@dataclass
class Site:
    """A built variant: where it is and how its URLs look."""

    root: Path
    directory_urls: bool = True

    def page(self, url: str) -> Path:
        """The file a site-relative URL is served from."""
        path = unquote(urlsplit(url).path).lstrip("/")
        if path == "" or path.endswith("/"):
            return self.root / path / "index.html"
        return self.root / path

    def url(self, folder: str) -> str:
        """The URL of a page kind's index page, e.g. "services" -> services/ or services/index.html."""
        return f"{folder}/" if self.directory_urls else f"{folder}/index.html"

    def api(self, name: str) -> Any:
        return json.loads((self.root / "api" / name).read_text(encoding="utf-8"))


@dataclass
class Variant:
    """The sample with `plugins` (our entry is OURS) and files added or replaced under the site."""

    about: str
    plugins: list[Any]
    files: dict[str, str] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)  # other mkdocs.yml keys (None removes one)
    command: str = "mkdocs"
    expect: Callable[[Site], list[str]] = lambda site: []


class _Links(HTMLParser):
    """Every href and src of a page; the links of Material's primary nav apart."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.nav: list[str] = []
        self._depth = 0  # inside <nav class="md-nav md-nav--primary">: its depth in nested <nav>s
        self._navs = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "nav":
            self._navs += 1
            if self._depth == 0 and "md-nav--primary" in (values.get("class") or ""):
                self._depth = self._navs
        for name in ("href", "src"):
            value = values.get(name)
            if value:
                self.links.append(value)
        classes = (values.get("class") or "").split()
        href = str(values.get("href") or "")
        if tag == "a" and self._depth and "md-nav__link" in classes and href and not href.startswith("#"):
            self.nav.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            if self._navs == self._depth:
                self._depth = 0
            self._navs -= 1


def _local(link: str) -> bool:
    parts = urlsplit(link)
    return not parts.scheme and not parts.netloc and bool(parts.path) and not link.startswith("#")


# The plugin's documentation, which .github/workflows/postmortems.yml publishes in the docs/
# folder beside the sample (the guide links to its format reference). A build of the sample
# alone has no docs/ (nor does it make one: no page kind is there), so links into it are left
# to tests/site/test_guide.py, which builds both as they are published and follows them.
BESIDE = "docs"


def beside(link: str) -> bool:
    """Whether a page's link goes into the documentation published beside the site."""
    parts = [part for part in PurePosixPath(urlsplit(link).path).parts if part not in ("..", ".")]
    return parts[:1] == [BESIDE]


def check_site(site: Site) -> list[str]:
    """What is wrong with a built knowledge base: missing pages, broken links, nav duplicates."""
    problems = []
    for folder in INDEX_PAGES:
        if not site.page(site.url(folder)).is_file():
            problems.append(f"missing index page: {folder}")
    for name, key in (("incidents.json", "url"), ("services.json", "url")):
        for item in site.api(name):
            if not site.page(item[key]).is_file():
                problems.append(f"{name}: {item[key]} has no page")
    for path in sorted(site.root.rglob("*.html")):
        text = path.read_text(encoding="utf-8", errors="replace")
        parser = _Links()
        parser.feed(text)
        shown = path.relative_to(site.root).as_posix()
        for link in parser.links:
            if not _local(link) or beside(link):
                continue
            target = urlsplit(link).path
            base = site.root if target.startswith("/") else path.parent
            resolved = Path(os.path.normpath(base / unquote(target).lstrip("/")))
            if target.endswith("/") or resolved.is_dir():
                resolved = resolved / "index.html"
            if not resolved.exists():
                problems.append(f"{shown}: broken link {link}")
        seen = [Path(os.path.normpath(path.parent / urlsplit(link).path)) for link in parser.nav]
        twice = sorted({str(p.relative_to(site.root)) for p in seen if seen.count(p) > 1})
        if twice:
            problems.append(f"{shown}: twice in the nav: {', '.join(twice)}")
    return problems


# --------------------------------------------------------------------------- the variants


def _has(site: Site, path: str, *texts: str) -> list[str]:
    page = site.root / path
    if not page.is_file():
        return [f"{path} is missing"]
    content = page.read_text(encoding="utf-8")
    return [f"{path} does not contain {text!r}" for text in texts if text not in content]


def _offline(site: Site) -> list[str]:
    wrong = _has(site, "index.html", 'href="./services/payments-api.html"')
    if (site.root / "services" / "payments-api" / "index.html").exists():
        wrong.append("services/payments-api/index.html: built with directory URLs")
    return wrong


def _i18n(site: Site) -> list[str]:
    wrong = _has(site, "fr/index.html", "Bonjour", 'href="../services/"', 'href="../explorer/"')
    for folder in ("postmortems", "services", "api", "explorer"):
        if (site.root / "fr" / folder).exists():
            wrong.append(f"fr/{folder}/ was built: the knowledge base is the default language's")
    return wrong + _has(site, "services/index.html", 'lang="en"')


def _nav_kept(site: Site) -> list[str]:
    return _has(site, "index.html", "Handbook", "Knowledge base")


def _tags(site: Site) -> list[str]:
    return _has(site, "tags/index.html", "certificates", "../postmortems/2025/inc-2025-019")


def _redirects(site: Site) -> list[str]:
    return _has(site, "old-services/index.html", "../services/")


def _macros(site: Site) -> list[str]:
    # The search index (Pagefind's, compressed) is rebuilt from the same text; the feed shows it.
    return _has(site, "feeds/all.xml", "rendered by macros for Northwind Commerce postmortems")


def _privacy(site: Site) -> list[str]:
    script = site.root / "assets/postmortems/vendor/plotly.min.js"
    text = script.read_text(encoding="utf-8") if script.is_file() else ""
    return ["plotly.min.js names basemaps.cartocdn.com"] if "basemaps.cartocdn.com/gl" in text else []


SAMPLE_PM = "postmortems/2025/inc-2025-019-login-failures-gateway-cert-expiry.md"
LANGUAGES = [
    {"locale": "en", "default": True, "name": "English", "build": True},
    {"locale": "fr", "name": "Français", "build": True},
]
SECTION = "Knowledge base"
AWESOME_NAV = "nav:\n  - Home: index.md\n  - Handbook:\n      - guide.md\n  - Knowledge base:\n"
AWESOME_NAV += "".join(f"      - {page}/index.md\n" for page in INDEX_PAGES) + "  - '*'\n"
REDIRECTS = {"old-services.md": "services/index.md", "old-incident.md": SAMPLE_PM}
FRENCH_HOME = "# Bonjour\n\nVoir les [services](services/index.md) et l'[explorateur](explorer/index.md).\n"
BLOG_POST = "---\ndate: 2026-01-05\n---\n\n# Our first post\n\nSee the [services](../../services/index.md).\n"
VARIANTS: dict[str, Variant] = {
    "offline": Variant("Material's offline plugin after ours", ["search", OURS, "offline"], expect=_offline),
    # Material's own bundle.js names Mermaid on unpkg.com, which privacy fetches for any site: left
    # out here because the test machines are offline. Nothing of this plugin's needs excluding.
    "privacy": Variant(
        "Material's privacy plugin, defaults (but Material's own Mermaid, fetched for any site)",
        ["search", {"privacy": {"assets_exclude": ["unpkg.com/mermaid@11/*"]}}, OURS],
        expect=_privacy,
    ),
    "tags": Variant(
        "Material's tags plugin with a tags index page",
        ["search", "tags", OURS],
        files={"tags.md": "# Tags\n\n<!-- material/tags -->\n"},
        expect=_tags,
    ),
    "blog": Variant(
        "Material's blog plugin with one post",
        ["search", {"blog": {"blog_dir": "blog"}}, OURS],
        files={"blog/index.md": "# Blog\n", "blog/posts/first.md": BLOG_POST},
    ),
    "i18n": Variant(
        "mkdocs-static-i18n, English and French",
        ["search", {"i18n": {"docs_structure": "suffix", "languages": LANGUAGES}}, OURS],
        files={"index.fr.md": FRENCH_HOME},
        # i18n warns that Material's language switcher cannot keep the page with instant navigation
        config={"theme.features": ["navigation.tracking", "navigation.top", "search.suggest"]},
        expect=_i18n,
    ),
    "awesome-nav": Variant(
        "mkdocs-awesome-nav with a .nav.yml that places the knowledge base in a section",
        ["search", "awesome-nav", OURS],
        files={".nav.yml": AWESOME_NAV},
        config={"nav": None},
        expect=_nav_kept,
    ),
    "awesome-pages": Variant(
        "mkdocs-awesome-pages-plugin with a .pages file, and nav: {section: Knowledge base}",
        ["search", "awesome-pages", {"postmortems": {**OURS["postmortems"], "nav": {"section": SECTION}}}],
        files={".pages": "nav:\n  - index.md\n  - Handbook: guide.md\n  - ...\n"},
        config={"nav": None},
        expect=_nav_kept,
    ),
    "redirects": Variant(
        "mkdocs-redirects to generated pages",
        ["search", {"redirects": {"redirect_maps": REDIRECTS}}, OURS],
        expect=_redirects,
    ),
    "macros": Variant(
        "mkdocs-macros-plugin: a variable in a postmortem; a Helm snippet under render_macros: false",
        ["search", "macros", OURS],
        expect=_macros,
    ),
    "properdocs": Variant("ProperDocs instead of MkDocs", ["search", OURS], command="properdocs"),
}

MACROS_SUMMARY = "Checkout errors rendered by macros for {{ config.site_name }}."
HELM = "```yaml\nimage: {{ .Values.image.repository }}:{{ .Values.image.tag }}\n```\n"


def _macros_files(dest: Path) -> None:
    """The macros variant's postmortems: one whose Summary uses a variable, one with a Helm
    snippet that only builds because it says render_macros: false."""
    docs = dest / "content"
    path = docs / SAMPLE_PM
    text = path.read_text(encoding="utf-8")
    head, rest = text.split("## Summary", 1)
    path.write_text(f"{head}## Summary\n\n{MACROS_SUMMARY}\n{rest}", encoding="utf-8")
    helm = sorted((docs / "postmortems" / "2026").glob("*.md"))[3]
    text = helm.read_text(encoding="utf-8")
    text = text.replace("\n---\n", "\nrender_macros: false\n---\n", 1) + "\n## Helm values\n\n" + HELM
    helm.write_text(text, encoding="utf-8")


def make(name: str, dest: Path) -> Path:
    """The variant's site under dest (a copy of the sample); returns its mkdocs.yml."""
    variant = VARIANTS[name]
    for folder in ("content", "theme_overrides", "modernization"):
        shutil.copytree(ROOT / folder, dest / folder)
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    config["plugins"] = variant.plugins
    for key, value in variant.config.items():  # "theme.features": a key inside a key
        *parents, last = key.split(".")
        where = config
        for parent in parents:
            where = where[parent]
        if value is None:
            where.pop(last, None)
        else:
            where[last] = value
    for rel, text in variant.files.items():
        (dest / "content" / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / "content" / rel).write_text(text, encoding="utf-8")
    if name == "macros":
        _macros_files(dest)
    config_file = dest / "mkdocs.yml"
    config_file.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return config_file


def build(name: str, config_file: Path, site_dir: Path) -> subprocess.CompletedProcess[str]:
    """`mkdocs build --strict` (or `properdocs build --strict`) in a subprocess, as a user runs it."""
    command = VARIANTS[name].command
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    args = [sys.executable, "-m", command, "build", "--strict", "-f", str(config_file), "-d", str(site_dir)]
    return subprocess.run(args, capture_output=True, text=True, env=env, cwd=config_file.parent, timeout=600)


def run(name: str, dest: Path) -> list[str]:
    """Make, build and check one variant; the problems found (empty: it works)."""
    config_file = make(name, dest)
    site_dir = dest / "site"
    result = build(name, config_file, site_dir)
    if result.returncode != 0:
        return [f"{VARIANTS[name].command} build --strict failed:\n{result.stderr[-4000:]}"]
    site = Site(site_dir, directory_urls=name != "offline")
    return check_site(site) + VARIANTS[name].expect(site)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("variant", nargs="?", choices=sorted(VARIANTS))
    parser.add_argument("--dest", help="build there (default: a temporary folder)")
    parser.add_argument("--list", action="store_true", help="list the variants")
    args = parser.parse_args(argv)
    if args.list or not args.variant:
        for name, variant in VARIANTS.items():
            print(f"{name:15} {variant.about}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        dest = Path(args.dest) if args.dest else Path(tmp)
        problems = run(args.variant, dest)
    for problem in problems:
        print(f"{args.variant}: {problem}")
    print(f"{args.variant}: {'ok' if not problems else f'{len(problems)} problems'}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
