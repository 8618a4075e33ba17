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
from collections.abc import Sequence
from typing import Any, NoReturn

from .diagnostics import FORMATS, failed, inside, render, select, shown_path, summary
from .macros import site_macros_problems
from .project import (
    Site,
    UsageError,
    check_archive,
    find_config,
    load_services,
    load_site,
    located,
    markdown_files,
    resolve_paths,
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
        raise argparse.ArgumentTypeError(f"'{text}' is not a date: use YYYY-MM-DD") from None


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
        help="the site's MkDocs config (default: mkdocs.yml in the current folder)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    validate = sub.add_parser(
        "validate",
        parents=[config],
        help="check postmortems as `mkdocs build` would, without building",
        description="Check the postmortems as the plugin does during `mkdocs build`, without building the "
        "site. The whole archive is read (duplicate and related ids need it); only problems in PATHS "
        "are reported.",
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
        "record.",
    )
    migrate.add_argument(
        "paths", nargs="*", metavar="PATH", help="files or folders (default: all postmortems)"
    )
    migrate.add_argument("--dry-run", action="store_true", help="print a unified diff, change nothing")
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
    return parser


# --------------------------------------------------------------------------- helpers


def _site(args: argparse.Namespace) -> Site:
    return load_site(find_config(args.config))


# --------------------------------------------------------------------------- subcommands


def cmd_validate(args: argparse.Namespace) -> int:
    """Report the problems `mkdocs build` would log, for the files asked about."""
    site = _site(args)
    targets = resolve_paths(args.paths, site)
    catalog, problems = load_services(site)
    archive = check_archive(site, catalog)
    problems += located(archive.problems, site.docs_dir)
    problems += site_macros_problems(site)
    shown = select(problems, targets)
    output = render(shown, args.format)
    if output:
        print(output)
    sources = [os.path.join(site.docs_dir, rel) for rel in archive.entries]
    known = {*sources, *site.catalog_files()}
    for target in targets:
        if os.path.isfile(target) and target not in known:
            _say(
                f"{shown_path(target)}: note: not a postmortem of this site (not under "
                f"{shown_path(site.archive_dir)}/): not checked"
            )
    if not sources:
        _say(f"{PROG}: note: no postmortems found under {shown_path(site.archive_dir)}/")
    checked = sum(1 for path in sources if inside(path, targets)) if targets else len(sources)
    _say(f"{PROG}: {summary(shown, checked)}")
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
    """Rewrite legacy files to front matter (or show the diff); fail if any file could not be."""
    from .migrate import migrate_file

    site = _site(args)
    files = markdown_files(site, resolve_paths(args.paths, site))
    counts = {"migrated": 0, "skipped": 0, "failed": 0}
    for path in files:
        shown = shown_path(path)
        result = migrate_file(path, shown, site.rules, site.max_bytes, args.dry_run)
        counts[result.outcome] += 1
        if result.outcome == "migrated":
            if args.dry_run:
                sys.stdout.write(result.diff(shown))
            else:
                print(f"migrated {shown}")
        elif result.outcome == "skipped":
            _say(f"{shown}: note: skipped: {result.message}")
        else:
            _say(f"{shown}: error: {result.message}")
    verb = "would be migrated" if args.dry_run else "migrated"
    _say(f"{PROG}: {counts['migrated']} {verb}, {counts['skipped']} skipped, {counts['failed']} failed")
    return 1 if counts["failed"] else 0


def cmd_import_pagerduty(args: argparse.Namespace) -> int:
    """Create one draft per PagerDuty incident not imported before."""
    from .authoring import ArchiveIndex, draft_path, render, write_new
    from .pagerduty import ExportError, parse_incident, read_export, service_for, severity_for, to_draft

    site = _site(args)
    errors = 0
    incidents = []
    seen: set[str] = set()
    for export in args.exports:  # pages of one listing may overlap: an incident is taken once
        try:
            items = read_export(export)
        except ExportError as exc:
            _say(f"{PROG}: error: {exc}")
            errors += 1
            continue
        for position, item in enumerate(items):
            incident, why = parse_incident(item, position)
            if incident is None:
                _say(f"{export}: error: {why}: skipped")
                errors += 1
            elif incident.pd_id not in seen:
                seen.add(incident.pd_id)
                incidents.append(incident)
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
