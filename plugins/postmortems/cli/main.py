"""The `postmortems` command: check, create, migrate and import postmortems without building
the site.

Kept thin on purpose: each subcommand parses its arguments, calls the pure modules (project,
diagnostics, authoring, migrate, pagerduty) and turns their results into output and an exit
code. Exit codes are a contract for CI and pre-commit: 0 all good, 1 the postmortems (or
the input) have problems, 2 the command was used wrongly (bad option, missing config).
`validate` imports nothing heavy (no MkDocs, Material, Plotly or Jinja) so a pre-commit hook
starts in a fraction of a second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from ..records.archive import archive_hint
from ..records.dates import iso_error
from .diagnostics import FORMATS, as_text, failed, inside, render, select, shown_path, summary
from .macros import site_macros_problems
from .project import (
    Site,
    UsageError,
    check_archive,
    check_loop,
    find_config,
    load_services,
    load_site,
    located,
    markdown_files,
    resolve_paths,
    search_config,
    standalone_site,
)

PROG = "postmortems"


def _say(message: str) -> None:
    """Notes, warnings and errors go to stderr, so stdout stays clean for paths, diffs and JSON."""
    print(message, file=sys.stderr)


# --------------------------------------------------------------------------- arguments


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors, as the usage message on top adds nothing in CI logs."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


class _Version(argparse.Action):
    """--version, looked up only when asked for (importlib.metadata is slow to import)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("mkdocs-postmortems")
        except PackageNotFoundError:  # pragma: no cover - running from a source tree
            number = "unknown"
        print(f"{PROG} {number}")
        parser.exit(0)


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        why = iso_error(text)
        raise argparse.ArgumentTypeError(f"'{text}' is not a date: " + (why or "use YYYY-MM-DD")) from None


def build_parser() -> argparse.ArgumentParser:
    """Every subcommand and option, with help texts that show real use."""
    parser = _Parser(
        prog=PROG,
        description="Check, create, migrate and import postmortems of an MkDocs postmortem knowledge base.",
        epilog="Exit codes: 0 no errors, 1 errors found (or nothing could be done), 2 wrong usage.",
    )
    parser.add_argument("--version", action=_Version, help="show the version and exit")
    config = _Parser(add_help=False)
    config.add_argument(
        "--config",
        metavar="FILE",
        help="the site's MkDocs config (default: mkdocs.yml in the current folder or the nearest above it)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    validate = sub.add_parser(
        "validate",
        parents=[config],
        help="check postmortems as `mkdocs build` would, without building",
        description="Check the postmortems as the plugin does during `mkdocs build`, without building the "
        "site. The whole archive is read (duplicate and related ids need it); only problems in PATHS "
        "are reported. With no mkdocs.yml here or above, PATHS are the archive, checked with the "
        "format's defaults (no PATH: content/postmortems/, else the current folder).",
    )
    validate.add_argument(
        "paths", nargs="*", metavar="PATH", help="files or folders to report on (default: all)"
    )
    validate.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    validate.add_argument(
        "--strict", action="store_true", help="warnings fail too, like mkdocs build --strict"
    )
    validate.set_defaults(handler=cmd_validate)

    new = sub.add_parser(
        "new",
        parents=[config],
        help="write a new draft postmortem from the template",
        description="Write a new draft postmortem with the next free id, and print its path.",
    )
    new.add_argument("--title", required=True, help="what happened, in a line")
    new.add_argument("--service", action="append", required=True, help="affected service (repeat for more)")
    new.add_argument("--severity", required=True, help="e.g. SEV-2, or an alias such as P2")
    new.add_argument("--date", type=_day, help="the day it started, YYYY-MM-DD (default: today, UTC)")
    new.add_argument("--id", help="use this id instead of the next free INC-<year>-<NNN>")
    new.set_defaults(handler=cmd_new)

    migrate = sub.add_parser(
        "migrate",
        parents=[config],
        help="rewrite legacy bold-header postmortems to front matter",
        description="Rewrite legacy postmortems (a '**Field:** value' header instead of front matter) to "
        "front matter. Every body line is kept; a file is only written when it reads back as the same "
        "record. Each migrated file is validated: what still needs work is listed, and makes the "
        "exit code 1.",
    )
    migrate.add_argument(
        "paths", nargs="*", metavar="PATH", help="files or folders (default: all postmortems)"
    )
    migrate.add_argument("--dry-run", action="store_true", help="print each resulting file, change nothing")
    migrate.add_argument("--diff", action="store_true", help="print a unified diff instead, change nothing")
    migrate.add_argument(
        "--strict", action="store_true", help="a warning in a migrated file fails too, like validate --strict"
    )
    migrate.set_defaults(handler=cmd_migrate)

    importer = sub.add_parser(
        "import",
        help="create draft postmortems from another tool's export",
        description="Create draft postmortems from an export file of an incident tool (no network).",
    )
    sources = importer.add_subparsers(dest="source", metavar="SOURCE", parser_class=_Parser)
    sources.required = True
    pagerduty = sources.add_parser(
        "pagerduty",
        parents=[config],
        help="a PagerDuty REST API incidents export (JSON)",
        description="Create a draft postmortem for each incident of a PagerDuty export (the JSON of "
        "GET /incidents, saved to a file; several files for the pages of one listing). Incidents "
        "already imported are skipped.",
    )
    pagerduty.add_argument(
        "exports", nargs="+", metavar="EXPORT.json", help="export files (every page of a listing)"
    )
    pagerduty.add_argument(
        "--dry-run", action="store_true", help="print the files that would be written, write nothing"
    )
    pagerduty.set_defaults(handler=cmd_import_pagerduty)

    export = sub.add_parser(
        "export",
        help="write the decided epics and their action items as tracker import files",
        description="Write the epics of the promote_to_epic and bundle_with_existing decisions, with their "
        "promoted action items as children, as files a tracker imports. Files only: no network, no token.",
    )
    trackers = export.add_subparsers(dest="tracker", metavar="TRACKER", parser_class=_Parser)
    trackers.required = True
    out = _Parser(add_help=False)
    out.add_argument(
        "--out", metavar="DIR", default="tracker-export", help="folder to write to (default: tracker-export)"
    )
    jira = trackers.add_parser(
        "jira",
        parents=[config, out],
        help="a Jira CSV import file and Jira Cloud bulk-create bodies",
        description="Write jira-import.csv (Jira's CSV importer: epics first, each child naming its epic's "
        "Issue ID in Parent) and the JSON bodies of Jira Cloud's POST /rest/api/3/issue/bulk, at most 50 "
        "issues each: jira-epics-bulk-NNN.json, then jira-issues-bulk-NNN.json (children whose parent is "
        "the epic key of the decisions file).",
    )
    jira.add_argument(
        "--project", metavar="KEY", help="project key of every issue (default: the epic's, MOD-123 → MOD)"
    )
    jira.set_defaults(handler=cmd_export_jira)
    github = trackers.add_parser(
        "github",
        parents=[config, out],
        help="GitHub issue bodies",
        description="Write github-issues.json: one body per issue for GitHub's POST "
        "/repos/{owner}/{repo}/issues, the epics first, then their action items.",
    )
    github.set_defaults(handler=cmd_export_github)
    return parser


# --------------------------------------------------------------------------- helpers


def _site(args: argparse.Namespace) -> Site:
    return load_site(find_config(args.config))


def _site_or_paths(args: argparse.Namespace, here: bool = False) -> Site:
    """The site of the nearest mkdocs.yml; without one, the given paths under the format's
    defaults (`here`: with none given, the current folder if nothing else is found)."""
    config = search_config(args.config)
    if config is not None:
        return load_site(config)
    site = standalone_site(args.paths, here=here)
    catalog = shown_path(os.path.join(site.docs_dir, site.catalog)) if site.catalog else None
    cwd = os.getcwd()
    checking = (
        "the current folder"
        if site.roots == (cwd,) and not args.paths
        else ", ".join(shown_path(p) for p in site.roots)
    )
    _say(
        f"{PROG}: note: no mkdocs.yml in {cwd} or any folder "
        f"above it: checking {checking} with the format's defaults "
        f"(severities {', '.join(site.rules.severities)}; aliases "
        f"{', '.join(f'{k}={v}' for k, v in site.rules.aliases.items())}; as_of {site.rules.as_of}; "
        + (f"catalog {catalog})" if catalog else "no service catalog)")
    )
    return site


# --------------------------------------------------------------------------- subcommands


def cmd_validate(args: argparse.Namespace) -> int:
    """Report the problems `mkdocs build` would log, for the files asked about."""
    site = _site_or_paths(args, here=True)
    targets = resolve_paths(args.paths, site)
    catalog, problems = load_services(site)
    archive = check_archive(site, catalog)
    problems += located(archive.problems, site.docs_dir)
    if not site.roots:  # a site's mkdocs.yml, whose mkdocs-macros options say what it renders
        problems += site_macros_problems(site)
    _inputs, loop_problems = check_loop(site, archive.records, catalog)
    problems += loop_problems
    shown = select(problems, targets)
    output = render(shown, args.format)
    if output:
        print(output)
    sources = [os.path.normpath(os.path.join(site.docs_dir, rel)) for rel in archive.entries]
    scoring = [os.path.normpath(site.scoring)] if site.scoring else []
    others = {*site.catalog_files(), *site.loop_file_paths(), *scoring}
    known = {*sources, *others}
    where = ", ".join(f"{shown_path(folder)}/" for folder in site.folders)
    for target in targets:
        if os.path.isfile(target) and target not in known:
            _say(
                f"{shown_path(target)}: note: not a postmortem of this site (not under {where}): not checked"
            )
    if not sources:
        hint = "" if site.roots else "; " + archive_hint(site.docs_dir, site.path, site.default_language)
        _say(f"{PROG}: note: no postmortems found under {where}{hint}")
    checked = sum(1 for path in sources if inside(path, targets)) if targets else len(sources)
    also = [shown_path(target) for target in targets if target in others]  # e.g. from the pre-commit hook
    _say(f"{PROG}: {summary(shown, checked, also)}")
    return 1 if failed(shown, args.strict) else 0


def cmd_new(args: argparse.Namespace) -> int:
    """Write a draft from the template; never overwrite, never reuse an id."""
    from .authoring import (
        ArchiveIndex,
        catalog_warnings,
        draft_path,
        plan_draft,
        render,
        write_new,
    )

    site = _site(args)
    day: dt.date = args.date or dt.datetime.now(dt.timezone.utc).date()
    index = ArchiveIndex.scan(site)
    draft = plan_draft(site.rules, index, args.title, args.service, args.severity, day, args.id)
    path = draft_path(site, draft)
    if os.path.exists(path):
        _say(f"{PROG}: error: {shown_path(path)} already exists: not overwritten")
        return 1
    if args.id and draft.id.upper() in index.ids:
        _say(
            f"{PROG}: error: id {draft.id} is already used in this archive: choose another or leave out --id"
        )
        return 1
    catalog, _problems = load_services(site)
    for warning in catalog_warnings(draft.services, catalog, site.catalog):
        _say(f"{PROG}: warning: {warning}")
    try:
        write_new(path, render(draft, site.rules.severities))
    except FileExistsError:  # created since we looked
        _say(f"{PROG}: error: {shown_path(path)} already exists: not overwritten")
        return 1
    print(shown_path(path))
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    """Rewrite legacy files to front matter (or show the result); fail if any file could not be
    migrated or still needs work once migrated."""
    from .migrate import migrate_file

    site = _site_or_paths(args)
    files = markdown_files(site, resolve_paths(args.paths, site))
    dry_run = args.dry_run or args.diff
    counts = {"migrated": 0, "skipped": 0, "failed": 0}
    unfinished = 0
    for path in files:
        shown = shown_path(path)
        result = migrate_file(path, shown, site.rules, site.max_bytes, dry_run)
        counts[result.outcome] += 1
        if result.outcome == "migrated":
            if args.diff:
                sys.stdout.write(result.diff(shown))
            elif dry_run:
                sys.stdout.write(f"==> {shown} <==\n{result.new}\n")
            else:
                print(f"migrated {shown}")
            for line in as_text(result.problems):
                _say(line.replace(": info: ", ": note: ", 1))
            if result.needs_work(args.strict):
                unfinished += 1
        elif result.outcome == "skipped":
            _say(f"{shown}: note: skipped: {result.message}")
        else:
            _say(f"{shown}: error: {result.message}")
    verb = "would be migrated" if dry_run else "migrated"
    still = f" ({unfinished} still need work: see above)" if unfinished else ""
    _say(
        f"{PROG}: {counts['migrated']} {verb}{still}, {counts['skipped']} skipped, {counts['failed']} failed"
    )
    return 1 if counts["failed"] or unfinished else 0


def cmd_import_pagerduty(args: argparse.Namespace) -> int:
    """Create one draft per PagerDuty incident not imported before."""
    from .authoring import ArchiveIndex, draft_path, render, write_new
    from .pagerduty import (
        Export,
        ExportError,
        pages_left,
        parse_incident,
        read_export,
        service_for,
        severity_for,
        to_draft,
    )

    site = _site(args)
    errors = 0
    incidents = []
    seen: set[str] = set()
    pages: list[tuple[str, Export]] = []
    for export in args.exports:  # pages of one listing may overlap: an incident is taken once
        try:
            page = read_export(export)
        except ExportError as exc:
            _say(f"{PROG}: error: {exc}")
            errors += 1
            continue
        pages.append((export, page))
        for position, item in enumerate(page.incidents):
            incident, why = parse_incident(item, position)
            if incident is None:
                _say(f"{export}: error: {why}: skipped")
                errors += 1
            elif incident.pd_id not in seen:
                seen.add(incident.pd_id)
                incidents.append(incident)
    for left in pages_left(pages):
        _say(left)
    if errors and not incidents:
        _say(f"{PROG}: 0 created, {errors} failed")
        return 1
    incidents.sort(key=lambda i: (i.created_at, i.number or 0, i.pd_id))
    catalog, _problems = load_services(site)
    index = ArchiveIndex.scan(site)
    created = skipped = 0
    for incident in incidents:
        existing = index.mentioning(incident.pd_id)
        if existing is not None:
            skipped += 1
            _say(
                f"{PROG}: note: {incident.label} is already imported in "
                f"{shown_path(os.path.join(site.docs_dir, existing))}: skipped"
            )
            continue
        service, service_note = service_for(incident, catalog)
        if service is None:
            _say(f"{PROG}: error: {incident.label} has no service: skipped")
            errors += 1
            continue
        severity, severity_note = severity_for(incident, site.rules)
        draft, notes = to_draft(incident, index.next_id(incident.created_at.year), service, severity)
        path = draft_path(site, draft)
        text = render(draft, site.rules.severities)
        shown = shown_path(path)
        if not args.dry_run:
            try:
                write_new(path, text)
            except FileExistsError:
                _say(f"{shown}: error: already exists: not overwritten ({incident.label} not imported)")
                errors += 1
                continue
        index.add(os.path.relpath(path, site.docs_dir).replace(os.sep, "/"), text)
        created += 1
        print(f"{'would create' if args.dry_run else 'created'} {shown} from {incident.label}")
        if args.dry_run:  # the file itself, indented, so a reviewer sees what would be written
            sys.stdout.write(
                "".join(f"    {line}" if line.strip() else line for line in text.splitlines(True))
            )
        if service_note is not None:
            level, message = service_note
            _say(f"{shown}: {'note' if level == 'info' else level}: {message}")
        for note in (severity_note, *notes):
            if note:
                _say(f"{shown}: warning: {note}")
    verb = "would be created" if args.dry_run else "created"
    _say(f"{PROG}: {created} {verb}, {skipped} already imported, {errors} failed")
    return 1 if errors else 0


def _epics(args: argparse.Namespace) -> tuple[Site, list[Any]]:
    """The site and the epics to export; the decisions file's problems are shown, not fatal."""
    from .trackers import epics

    site = _site(args)
    catalog, _problems = load_services(site)
    archive = check_archive(site, catalog, jobs=1)  # whole records: the action items and their epics
    inputs, problems = check_loop(site, archive.records, catalog)
    files = set(site.loop_file_paths())
    for line in as_text(p for p in problems if p.path in files and p.level != "info"):
        _say(line)
    for record in archive.records:
        record.url = site.page_url(record.source)
    as_of = site.rules.as_of or dt.datetime.now(dt.timezone.utc).date()  # load_site always sets it
    return site, epics(archive.records, inputs.decisions, as_of)


def _write(folder: str, name: str, text: str) -> None:
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
    print(shown_path(path))


def _json(value: Any) -> str:
    import json

    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def _export(args: argparse.Namespace, write: Callable[[Site, list[Any]], None]) -> int:
    """The epics, written by `write`; exit 1 when there is none."""
    site, found = _epics(args)
    if not found:
        shown = site.loop.decisions.shown if site.loop else "the decisions file"
        kinds = "promote_to_epic or bundle_with_existing"
        _say(f"{PROG}: nothing to export: no {kinds} decision with an epic in {shown} (decided by as_of)")
        return 1
    write(site, found)
    _say(f"{PROG}: {len(found)} epics, {sum(len(e.items) for e in found)} action items")
    return 0


def cmd_export_jira(args: argparse.Namespace) -> int:
    """The CSV import file and the bulk-create bodies; stale bodies of an earlier run are removed."""
    import glob

    from .trackers import jira_bulk, jira_csv

    def write(site: Site, found: list[Any]) -> None:
        try:
            epic_bodies, item_bodies = jira_bulk(found, args.project, site.site_url)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        for stale in glob.glob(os.path.join(args.out, "jira-*-bulk-*.json")):
            os.remove(stale)
        _write(args.out, "jira-import.csv", jira_csv(found, site.site_url))
        for kind, bodies in (("epics", epic_bodies), ("issues", item_bodies)):
            for number, body in enumerate(bodies, start=1):
                _write(args.out, f"jira-{kind}-bulk-{number:03d}.json", _json(body))

    return _export(args, write)


def cmd_export_github(args: argparse.Namespace) -> int:
    """The issue bodies, epics first."""
    from .trackers import github_issues

    return _export(
        args,
        lambda site, found: _write(
            args.out, "github-issues.json", _json(github_issues(found, site.site_url))
        ),
    )


# --------------------------------------------------------------------------- entry point


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns the exit code (the console script passes it to sys.exit)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version and usage errors
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    prog = f"{PROG} {args.command}"
    try:
        code: int = args.handler(args)
        sys.stdout.flush()
        return code
    except UsageError as exc:  # ConfigError and bad arguments
        _say(f"{prog}: error: {exc}")
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `postmortems validate | head`: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except OSError as exc:  # a file that cannot be written (permissions, full disk)
        where = f"{exc.filename}: " if exc.filename else ""
        _say(f"{prog}: error: {where}{exc.strerror or exc}")
        return 1
