"""A site's postmortems as the command line sees them, without MkDocs: the config file, the
plugin's options, the archive files, the catalog, and the archive itself.

`postmortems validate` runs in pre-commit hooks and CI on every push, so it must start fast
and report exactly what `mkdocs build` would. That is why this module reads mkdocs.yml
itself (only the few keys it needs) instead of importing MkDocs, Material and Plotly, and why
it hands the per-file work to `archive.read_file` and the whole-archive checks to
`archive.cross_check`, the same functions the plugin uses through `build_archive`.
"""

from __future__ import annotations

import datetime as dt
import os
import pickle
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import yaml

from ..insight.policy import parse_policy
from ..records.archive import (
    DEFAULT_CATALOG,
    DEFAULT_MAX_FILE_KB,
    DEFAULT_PATH,
    Archive,
    Entry,
    build_archive,
    collector_paused,
    cross_check,
    holds_markdown,
    keep_cross_check_lines,
    read_file,
)
from ..records.catalog import backstage_files, check_maturity, load_catalog
from ..records.dates import option_date
from ..records.model import Level, Postmortem, Problem, Service
from ..records.modernization import LoopFiles, LoopInputs, loop_files, read_loop_files
from ..records.parse import ValuesLoader, merge_mappings
from ..records.validate import DEFAULT_ALIASES, DEFAULT_SEVERITIES, Rules

CONFIG_NAMES = ("mkdocs.yml", "mkdocs.yaml")
PLUGIN = "postmortems"
# Below this many files a worker pool costs more than it saves.
PARALLEL_MIN_FILES = 400


class UsageError(Exception):
    """The command was used wrongly: it stops with exit code 2 and this one-line message."""


class ConfigError(UsageError):
    """The site config cannot be used."""


# --------------------------------------------------------------------------- mkdocs.yml


class _ConfigLoader(ValuesLoader):
    """A safe loader that accepts every tag MkDocs configs use.

    Material configs carry `!!python/name:` tags (emoji, superfences) that a safe loader
    rejects; we never need those values, so an unknown tag just yields the plain value under it.
    `!ENV` is resolved like MkDocs does, because docs_dir or plugin options may come from it.
    """


def _plain(loader: _ConfigLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    return None


def _env(loader: _ConfigLoader, node: yaml.Node) -> Any:
    """`!ENV NAME` or `!ENV [NAME, OTHER, default]`: the first variable that is set, else the default."""
    if isinstance(node, yaml.ScalarNode):
        names: list[Any] = [loader.construct_scalar(node)]
        default: Any = None
    elif isinstance(node, yaml.SequenceNode):
        items = loader.construct_sequence(node, deep=True)
        names, default = (items[:-1], items[-1]) if len(items) > 1 else (items, None)
    else:
        return None
    for name in names:
        value = os.environ.get(str(name))
        if value is not None:
            return yaml.load(value, Loader=_ConfigLoader) if value else value
    return default


_ConfigLoader.add_constructor("!ENV", _env)
_ConfigLoader.add_multi_constructor("", _plain)


def read_config(path: str, _seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """The config file as a mapping, with `INHERIT` resolved like MkDocs does."""
    display = os.path.relpath(path)
    try:
        with open(path, "rb") as handle:
            data: Any = yaml.load(handle, Loader=_ConfigLoader)
    except FileNotFoundError:
        raise ConfigError(f"{display}: config file not found") from None
    except OSError as exc:
        raise ConfigError(f"{display}: cannot read the config file: {exc.strerror}") from None
    except yaml.MarkedYAMLError as exc:
        line = f":{exc.problem_mark.line + 1}" if exc.problem_mark else ""
        raise ConfigError(f"{display}{line}: not valid YAML: {exc.problem or exc.context}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{display}: not valid YAML: {exc}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{display}: the config must be a mapping of 'key: value' lines")
    parent = data.pop("INHERIT", None)
    if parent is not None:
        parent_path = os.path.normpath(os.path.join(os.path.dirname(path), str(parent)))
        if parent_path in _seen:
            raise ConfigError(f"{display}: INHERIT loops back to {os.path.relpath(parent_path)}")
        data = merge_mappings(read_config(parent_path, (*_seen, path)), data)
    config: dict[str, Any] = data
    return config


def plugin_entries(config: dict[str, Any]) -> list[Any]:
    """The plugins list: strings or one-key mappings (MkDocs also accepts a mapping of name -> options)."""
    plugins = config.get("plugins")
    if isinstance(plugins, dict):
        return [{name: options} for name, options in plugins.items()]
    return plugins if isinstance(plugins, list) else []


def _i18n_default_language(config: dict[str, Any]) -> str | None:
    """The locale of mkdocs-static-i18n's `default: true` language, or None without the plugin
    (named `i18n`, or `<theme>/i18n`) or without a default language."""
    for entry in plugin_entries(config):
        if not isinstance(entry, dict) or len(entry) != 1:
            continue
        ((name, options),) = entry.items()
        if not isinstance(name, str) or name.rsplit("/", 1)[-1] != "i18n" or not isinstance(options, dict):
            continue
        languages = options.get("languages")
        for language in languages if isinstance(languages, list) else []:
            if isinstance(language, dict) and language.get("default") is True:
                locale = language.get("locale")
                return locale if isinstance(locale, str) else None
    return None


def plugin_options(config: dict[str, Any], display: str) -> dict[str, Any]:
    """The `postmortems` plugin's options; the plugins list holds strings or one-key mappings."""
    for entry in plugin_entries(config):
        if entry == PLUGIN:
            return {}
        if isinstance(entry, dict) and len(entry) == 1 and PLUGIN in entry:
            options = entry[PLUGIN]
            if options is None:
                return {}
            if not isinstance(options, dict):
                raise ConfigError(f"{display}: the options of the '{PLUGIN}' plugin must be a mapping")
            found: dict[str, Any] = options
            return found
    raise ConfigError(
        f"{display}: the '{PLUGIN}' plugin is not in 'plugins': add '- {PLUGIN}' there or pass --config"
    )


# --------------------------------------------------------------------------- the site


@dataclass(frozen=True)
class Site:
    """Where a site's postmortems and catalog live, and the rules they are checked by."""

    config_file: str  # absolute
    docs_dir: str  # absolute
    path: str  # the postmortems folder, relative to docs_dir ("postmortems")
    catalog: str | None  # relative to docs_dir
    backstage: tuple[str, ...]  # relative to the config file's folder
    rules: Rules
    max_bytes: int
    exclude: Callable[[str], bool] = field(compare=False)
    backstage_types: tuple[str, ...] = ("service",)  # the Component types that are services
    # Without a mkdocs.yml: the files and folders given, which are then the whole archive.
    roots: tuple[str, ...] = ()
    loop: LoopFiles | None = None  # the decisions, rubric and targets files (options of the same names)
    scoring: str | None = None  # the scoring model laid over the defaults, absolute
    site_url: str = ""
    use_directory_urls: bool = True
    default_language: str | None = None  # mkdocs-static-i18n's, when the site uses it

    @property
    def config_dir(self) -> str:
        return os.path.dirname(self.config_file)

    @property
    def archive_dir(self) -> str:
        return os.path.normpath(os.path.join(self.docs_dir, self.path))

    def loop_file_paths(self) -> list[str]:
        """Absolute paths of the decisions, rubric and targets files, whose problems `validate` reports."""
        return [f.path for f in self.loop.all()] if self.loop is not None else []

    def page_url(self, source: str) -> str:
        """The site-relative URL MkDocs gives a postmortem file (docs-relative path)."""
        stem = source[:-3] if source.endswith(".md") else source
        if stem == "index" or stem.endswith("/index"):
            return stem[: -len("index")] if self.use_directory_urls else stem + ".html"
        return stem + "/" if self.use_directory_urls else stem + ".html"

    def catalog_files(self) -> list[str]:
        """Absolute paths of the catalog files, whose problems `validate` reports too."""
        found = [os.path.normpath(os.path.join(self.docs_dir, self.catalog))] if self.catalog else []
        for entry in self.backstage:
            found.extend(os.path.normpath(path) for path in backstage_files(self.config_dir, entry))
        return found

    def source(self, abs_path: str) -> str | None:
        """The docs-relative path the plugin knows a file by, or None if it is not a postmortem."""
        absolute = os.path.abspath(abs_path)
        rel = os.path.relpath(absolute, self.docs_dir).replace(os.sep, "/")
        if self.roots:
            inside = any(
                absolute == root or absolute.startswith(root.rstrip(os.sep) + os.sep) for root in self.roots
            )
            return rel if inside and rel.endswith(".md") and not self.exclude(rel) else None
        prefix = self.path.strip("/") + "/"
        if not rel.startswith(prefix) or not rel.endswith(".md") or self.exclude(rel):
            return None
        return rel

    @property
    def folders(self) -> list[str]:
        """Where the postmortems are looked for: the archive folder, or the given paths."""
        return list(self.roots) if self.roots else [self.archive_dir]


def find_config(explicit: str | None) -> str:
    """The config file to use: --config, else mkdocs.yml (or mkdocs.yaml) in the current folder
    or the nearest folder above it, as git finds its repository."""
    found = search_config(explicit)
    if found is None:
        raise ConfigError(
            f"no mkdocs.yml in {os.getcwd()} or any folder above it: run from the site's folder or pass "
            "--config FILE"
        )
    return found


def search_config(explicit: str | None) -> str | None:
    """--config (which must exist), else the nearest mkdocs.yml from the current folder up, or None."""
    if explicit:
        if not os.path.isfile(explicit):
            raise ConfigError(f"{explicit}: config file not found")
        return os.path.abspath(explicit)
    folder = os.getcwd()
    while True:
        for name in CONFIG_NAMES:
            path = os.path.join(folder, name)
            if os.path.isfile(path):
                return path
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


# The contract's default places (§1, §2), used when there is no mkdocs.yml to say otherwise.
CONTRACT_ARCHIVE = os.path.join("content", "postmortems")
CONTRACT_CATALOG = os.path.join("content", "services.yml")


def standalone_site(paths: Sequence[str], today: dt.date | None = None, here: bool = False) -> Site:
    """A site without a mkdocs.yml: the given files and folders (default: the contract's
    content/postmortems/) are the archive, checked by the contract's defaults, with the
    contract's content/services.yml as the catalog when there is one. `here`: with no paths
    and no content/postmortems/, a usage error naming a site's mkdocs.yml a few folders below,
    else the current folder when it holds Markdown files (`validate`, run in a team's folder of
    postmortems; it only reads)."""
    cwd = os.getcwd()
    if not paths:
        if os.path.isdir(CONTRACT_ARCHIVE):
            paths = [CONTRACT_ARCHIVE]
        else:
            found = _site_below(cwd) if here else None
            if found is not None:  # run from a folder above the site: it is the site that is meant
                shown = os.path.relpath(found)
                raise ConfigError(
                    f"no mkdocs.yml in {cwd} or any folder above it, but {shown} below it: run from "
                    f"{os.path.dirname(shown)}/ or pass --config {shown}"
                )
            elif here and holds_markdown(cwd):
                paths = [cwd]
            else:
                what = ", no Markdown files here" if here else ""
                raise ConfigError(
                    f"no mkdocs.yml in {cwd} or any folder above it, no {CONTRACT_ARCHIVE}/{what}: pass the "
                    "postmortem files or folders to check, or --config FILE"
                )
    roots = []
    for path in paths:
        if not os.path.exists(path):
            raise UsageError(f"{path}: no such file or folder")
        roots.append(os.path.abspath(path))
    catalog = CONTRACT_CATALOG if os.path.isfile(CONTRACT_CATALOG) else None
    return Site(
        config_file="",
        docs_dir=cwd,
        path="",
        catalog=catalog,
        backstage=(),
        rules=Rules(as_of=today or dt.datetime.now(dt.timezone.utc).date()),
        max_bytes=DEFAULT_MAX_FILE_KB * 1024,
        exclude=_exclusions(None, ""),
        roots=tuple(roots),
    )


# How deep below the current folder a site's mkdocs.yml is looked for, and the folders never
# looked in: dependencies; a virtualenv or a built site is known by the file it holds.
SITE_SEARCH_DEPTH = 3
_NOT_SITES = frozenset({"node_modules", "__pycache__"})
_NOT_SITE_MARKERS = ("pyvenv.cfg", "sitemap.xml")


def _site_below(folder: str, depth: int = SITE_SEARCH_DEPTH) -> str | None:
    """The nearest mkdocs.yml at most `depth` folders below `folder` (the shallowest, then in
    name order), or None. A repository's README.md above its site must not make the site's
    docs loose postmortems, so this is looked for before any Markdown."""
    level = [folder]
    for _ in range(depth):
        below: list[str] = []
        for place in level:
            try:
                entries = sorted(os.scandir(place), key=lambda entry: entry.name)
            except OSError:
                continue
            for entry in entries:
                if entry.name.startswith(".") or entry.name in _NOT_SITES or not entry.is_dir():
                    continue
                try:
                    names = set(os.listdir(entry.path))
                except OSError:
                    continue
                if any(marker in names for marker in _NOT_SITE_MARKERS):
                    continue
                config = next((name for name in CONFIG_NAMES if name in names), None)
                if config is not None:
                    return os.path.join(entry.path, config)
                below.append(entry.path)
        level = below
    return None


def _str_list(value: Any, name: str, display: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{display}: postmortems option '{name}' must be a list of strings")
    return tuple(value)


def _exclusions(patterns: Any, display: str) -> Callable[[str], bool]:
    """MkDocs' exclude_docs (gitignore patterns) plus its defaults: dotfiles and /templates/."""

    def default(rel: str) -> bool:
        return rel.startswith("templates/") or any(part.startswith(".") for part in rel.split("/"))

    if not patterns:
        return default
    if not isinstance(patterns, str):
        raise ConfigError(f"{display}: 'exclude_docs' must be a block of gitignore-style lines")
    import pathspec  # only here: importing it costs more than the rest of the start-up

    spec = pathspec.GitIgnoreSpec.from_lines(patterns.splitlines())
    return lambda rel: default(rel) or bool(spec.match_file(rel))


def load_site(config_file: str, today: dt.date | None = None) -> Site:
    """Read the config file and the plugin options, checked like the plugin's own config."""
    display = os.path.relpath(config_file)
    config = read_config(config_file)
    options = plugin_options(config, display)
    config_dir = os.path.dirname(config_file)
    docs_dir = config.get("docs_dir", "docs")
    if not isinstance(docs_dir, str) or not docs_dir:
        raise ConfigError(f"{display}: 'docs_dir' must be a folder name")
    docs_dir = os.path.normpath(os.path.join(config_dir, docs_dir))
    if not os.path.isdir(docs_dir):
        raise ConfigError(f"{display}: docs_dir '{os.path.relpath(docs_dir)}' does not exist")

    def text(name: str, default: str | None) -> str | None:
        value = options.get(name, default)
        if value is not None and not isinstance(value, str):
            raise ConfigError(f"{display}: postmortems option '{name}' must be a string")
        return value

    path = text("path", DEFAULT_PATH) or ""
    catalog = text("catalog", DEFAULT_CATALOG)
    as_of_value = options.get("as_of")
    try:
        as_of = option_date(as_of_value) or today or dt.datetime.now(dt.timezone.utc).date()
    except ValueError as exc:
        raise ConfigError(f"{display}: postmortems option as_of '{as_of_value}' {exc}") from None
    except TypeError:
        raise ConfigError(f"{display}: postmortems option 'as_of' must be a date (YYYY-MM-DD)") from None
    severities = _str_list(options.get("severities", list(DEFAULT_SEVERITIES)), "severities", display)
    aliases = options.get("severity_aliases", dict(DEFAULT_ALIASES))
    if not isinstance(aliases, dict):
        raise ConfigError(f"{display}: postmortems option 'severity_aliases' must be a mapping")
    legacy = options.get("legacy", "warn")
    if legacy not in ("warn", "info"):
        raise ConfigError(f"{display}: postmortems option 'legacy' must be 'warn' or 'info', not '{legacy}'")
    max_kb = options.get("max_file_kb", DEFAULT_MAX_FILE_KB)
    if isinstance(max_kb, bool) or not isinstance(max_kb, int):
        raise ConfigError(f"{display}: postmortems option 'max_file_kb' must be a whole number")
    level: Level = "warning" if legacy == "warn" else "info"
    rules = Rules(
        severities,
        {str(k): str(v) for k, v in aliases.items()},
        as_of,
        level,
        extra_keys=frozenset(_str_list(options.get("extra_keys", []), "extra_keys", display)),
    )
    try:
        parse_policy(options.get("policy"), severities)
    except ValueError as exc:
        raise ConfigError(f"{display}: postmortems option {exc}") from None
    scoring = text("scoring", None)
    site_url = config.get("site_url")
    return Site(
        config_file=config_file,
        docs_dir=docs_dir,
        path=path,
        catalog=catalog,
        backstage=_str_list(options.get("backstage", []), "backstage", display),
        rules=rules,
        max_bytes=max_kb * 1024,
        exclude=_exclusions(config.get("exclude_docs"), display),
        backstage_types=_str_list(options.get("backstage_types", ["service"]), "backstage_types", display),
        loop=loop_files(config_dir, text("decisions", None), text("maturity", None), text("targets", None)),
        scoring=os.path.join(config_dir, scoring) if scoring else None,
        site_url=site_url if isinstance(site_url, str) else "",
        use_directory_urls=config.get("use_directory_urls", True) is not False,
        default_language=_i18n_default_language(config),
    )


# --------------------------------------------------------------------------- files and archive


def archive_files(site: Site) -> list[str]:
    """Docs-relative paths of every postmortem file, in MkDocs' walk order."""
    found: list[str] = []
    for root in site.folders:
        if os.path.isfile(root):
            rel = site.source(root)
            found.extend([rel] if rel is not None else [])
        for folder, dirs, names in os.walk(root, followlinks=True):
            dirs.sort()
            for name in sorted(names):
                rel = site.source(os.path.join(folder, name))
                if rel is not None:
                    found.append(rel)
    return list(dict.fromkeys(found))


def resolve_paths(paths: Sequence[str], site: Site) -> list[str]:
    """Absolute paths of the PATH arguments; a path that does not exist is a usage error.

    A path relative to the docs folder is accepted too, as the plugin's messages name files
    that way (e.g. "run 'postmortems migrate postmortems/2025/x.md'").
    """
    out = []
    for path in paths:
        if not os.path.exists(path):
            in_docs = os.path.join(site.docs_dir, path)
            if os.path.isabs(path) or not os.path.exists(in_docs):
                raise UsageError(f"{path}: no such file or folder")
            path = in_docs
        out.append(os.path.abspath(path))
    return out


def markdown_files(site: Site, targets: Sequence[str]) -> list[str]:
    """Absolute paths of the Markdown files named or inside the named folders (default: the archive)."""
    if not targets:
        return [os.path.normpath(os.path.join(site.docs_dir, rel)) for rel in archive_files(site)]
    found: list[str] = []
    for target in targets:
        if os.path.isfile(target):
            found.append(target)
            continue
        for folder, dirs, names in os.walk(target):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            found.extend(os.path.join(folder, name) for name in sorted(names) if name.endswith(".md"))
    return list(dict.fromkeys(found))


def located(problems: Iterable[Problem], base: str) -> list[Problem]:
    """The same problems with absolute paths, so they can be matched and shown from anywhere."""
    return [replace(p, path=os.path.normpath(os.path.join(base, p.path))) for p in problems]


def load_services(site: Site) -> tuple[dict[str, Service] | None, list[Problem]]:
    """The catalog exactly as the plugin merges it; problem paths are absolute."""
    catalog, found = load_catalog(site.docs_dir, site.catalog, [])
    problems = located(found, site.docs_dir)
    if site.backstage:
        extra, more = load_catalog(site.config_dir, None, site.backstage, site.backstage_types)
        problems += located(more, site.config_dir)
        if extra:
            catalog = {**extra, **(catalog or {})}
    return catalog, problems


def _read(site: Site, rel: str) -> tuple[Entry, list[Problem]]:
    try:
        with open(os.path.join(site.docs_dir, rel), "rb") as handle:
            data = handle.read()
    except OSError as exc:
        return Entry(rel, None, None), [Problem("error", rel, None, f"cannot read the file: {exc.strerror}")]
    return read_file(rel, data, site.rules, site.max_bytes)


def _slim(entry: Entry) -> Entry:
    """What reporting and the cross-file checks need of an entry, and nothing else.

    Sending a whole record (sections, timeline, action items) back from a worker costs more
    than a third of the time it took to read it.
    """
    record = entry.record
    if record is not None:
        entry.record = Postmortem(
            id=record.id,
            title=record.title,
            status=record.status,
            severity=record.severity,
            services=record.services,
            started_at=record.started_at,
            source=record.source,
            teams=record.teams,
            related=record.related,
            legacy=record.legacy,
            contributing_factors=record.contributing_factors,  # the decisions file names factors
        )
    keep_cross_check_lines(entry)
    entry.body = None if entry.body is None else ""
    return entry


Result = list[tuple[Entry, list[Problem]]]


def _read_chunk(site: Site, paths: Sequence[str]) -> Result:
    return [(_slim(entry), problems) for entry, problems in (_read(site, rel) for rel in paths)]


def _take_chunks(site: Site, chunks: Sequence[Sequence[str]], tickets: int) -> dict[int, Result]:
    """Read the chunks whose numbers this process draws from the `tickets` pipe, until it is empty.

    Each read of one byte from a pipe takes a byte no other process gets, so the processes share
    the chunks as their speeds allow (a forked child starts slower: it copies the pages it touches).
    """
    done: dict[int, Result] = {}
    while ticket := os.read(tickets, 1):
        done[ticket[0]] = _read_chunk(site, chunks[ticket[0]])
    return done


def _fork(site: Site, chunks: Sequence[Sequence[str]], tickets: int) -> Callable[[], dict[int, Result]]:
    """Read chunks in a forked child; the returned function collects what it read.

    A plain fork and a pipe rather than a multiprocessing pool: the pool's start-up and
    bookkeeping cost about as much as the work it saves on a small machine. If the child fails
    for any reason, what it took is read here instead (`_check`), so the result never depends on it.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: do the work, hand it over, leave without running any cleanup
        status = 0
        try:
            os.close(read_end)
            with os.fdopen(write_end, "wb") as out:
                done = _take_chunks(site, chunks, tickets)
                out.write(pickle.dumps(done, protocol=pickle.HIGHEST_PROTOCOL))
        except BaseException:
            status = 1
        finally:
            os._exit(status)
    os.close(write_end)

    def collect() -> dict[int, Result]:
        with os.fdopen(read_end, "rb") as source:
            data = source.read()
        _pid, status = os.waitpid(pid, 0)
        if status == 0 and data:
            try:
                done: dict[int, Result] = pickle.loads(data)
                return done
            except Exception:  # pragma: no cover - a child that died mid-write
                pass
        return {}

    return collect


def _workers(count: int) -> int:
    if not hasattr(os, "fork"):  # pragma: no cover - Windows
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, count // (PARALLEL_MIN_FILES // 2)))


def check_archive(site: Site, catalog: dict[str, Service] | None, jobs: int | None = None) -> Archive:
    """The whole archive, validated as `build_archive` does; problem paths stay docs-relative.

    Parsing YAML dominates, so with several cores the files are shared between forked
    children and this process, and the cross-file checks run once here; the entries are then
    for reporting only (they come back without their text). With one job, or on a system
    without fork, the files go through `build_archive` itself.
    """
    with collector_paused():
        return _check(site, catalog, jobs)


def _check(site: Site, catalog: dict[str, Service] | None, jobs: int | None) -> Archive:
    paths = archive_files(site)
    jobs = _workers(len(paths)) if jobs is None else jobs
    if jobs <= 1 or len(paths) < 2 or not hasattr(os, "fork"):
        blobs = []
        unreadable: list[Problem] = []
        for rel in paths:
            try:
                with open(os.path.join(site.docs_dir, rel), "rb") as handle:
                    blobs.append((rel, handle.read()))
            except OSError as exc:
                unreadable.append(Problem("error", rel, None, f"cannot read the file: {exc.strerror}"))
        archive = build_archive(blobs, site.rules, catalog, site.max_bytes)
        if unreadable:
            archive.problems = sorted(unreadable + archive.problems, key=lambda p: (p.path, p.line or 0))
        return archive
    # Chunks of ~1% of the archive, numbered by one byte each in a pipe both processes draw from.
    size = max(8, -(-len(paths) // 100))
    chunks = [paths[index : index + size] for index in range(0, len(paths), size)]
    tickets, fill = os.pipe()
    os.write(fill, bytes(range(len(chunks))))  # at most 100 bytes: far below a pipe's buffer
    os.close(fill)  # so that an empty pipe reads as its end
    sys.stdout.flush()
    sys.stderr.flush()
    pending = [_fork(site, chunks, tickets) for _ in range(jobs - 1)]
    done = _take_chunks(site, chunks, tickets)
    for collect in pending:
        done.update(collect())
    os.close(tickets)
    # What a failed child took is read here.
    results = [done.get(index) or _read_chunk(site, chunk) for index, chunk in enumerate(chunks)]
    by_path = {entry.path: (entry, problems) for part in results for entry, problems in part}
    archive = Archive(catalog=catalog)
    for rel in paths:  # the walk order, as build_archive would have seen them
        entry, problems = by_path[rel]
        archive.entries[rel] = entry
        archive.problems.extend(problems)
    archive.problems.extend(cross_check(archive.entries, catalog))
    archive.problems.sort(key=lambda p: (p.path, p.line or 0))
    return archive


# --------------------------------------------------------------------------- the loop's files


def scoring_window(site: Site) -> tuple[int, list[Problem]]:
    """The scoring window (the default time to a decision's review), and the problem with the
    scoring model, if any: `mkdocs build` stops on it, so `validate` reports it as an error."""
    from ..insight.scoring import ScoringError, load_model  # here: only what needs it pays for it

    try:
        return load_model(site.scoring).window_days, []
    except ScoringError as exc:
        where = site.scoring or site.config_file
        return 90, [Problem("error", where, None, str(exc).split(": ", 1)[-1])]


def check_loop(
    site: Site, records: Sequence[Postmortem], catalog: dict[str, Service] | None
) -> tuple[LoopInputs, list[Problem]]:
    """The decisions, rubric and targets files read and checked as the plugin does, with the
    catalog's maturity criteria against the rubric; problem paths are absolute."""
    window, problems = scoring_window(site)
    files = site.loop or loop_files(site.config_dir, None, None, None)
    inputs = read_loop_files(
        files,
        window_days=window,
        as_of=site.rules.as_of,
        services=[*(catalog or {}), *(s for r in records for s in r.services)],
        factors=[f for r in records for f in r.contributing_factors],
    )
    problems += located(inputs.problems, site.config_dir)
    for problem in check_maturity(catalog, [c.id for c in inputs.rubric.criteria]):
        # services.yml is named relative to the docs folder, Backstage files to the config's.
        problems += located([problem], site.docs_dir if problem.path == site.catalog else site.config_dir)
    return inputs, problems
