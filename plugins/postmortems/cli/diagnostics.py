"""Showing problems to people and to CI: which ones to show, in which format (text, JSON, GitHub
annotations, a GitLab Code Quality report), and the exit code.

Kept apart from the command line so each format can be tested as a pure function of a list of
problems. Problem paths arrive absolute and leave relative to the current folder, because
that is what a terminal user clicks on and what GitHub needs to put an annotation on the
right line of a pull request.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Sequence

from ..records.model import Problem

FORMATS = ("text", "json", "github", "gitlab")
_GITHUB_COMMAND = {"error": "error", "warning": "warning", "info": "notice"}
# GitLab Code Quality severities: info, minor, major, critical, blocker. An error keeps the page
# out of every figure (or off the site): major; a warning fails --strict: minor.
_GITLAB_SEVERITY = {"error": "major", "warning": "minor", "info": "info"}


def shown_path(path: str, cwd: str | None = None) -> str:
    """A path relative to the current folder, with forward slashes on every OS."""
    try:
        rel = os.path.relpath(path, cwd or os.getcwd())
    except ValueError:  # another drive on Windows
        rel = path
    return rel.replace(os.sep, "/")


def inside(path: str, targets: Sequence[str]) -> bool:
    """Whether an absolute path is one of the target files or lies in one of the target folders."""
    return any(path == target or path.startswith(target.rstrip(os.sep) + os.sep) for target in targets)


def select(problems: Iterable[Problem], targets: Sequence[str] | None) -> list[Problem]:
    """The problems in the given files or folders (absolute paths); all of them when none are given."""
    if not targets:
        return list(problems)
    return [p for p in problems if inside(p.path, targets)]


def failed(problems: Iterable[Problem], strict: bool) -> bool:
    """Errors always fail; warnings fail too with --strict, as they do for `mkdocs build --strict`."""
    stopping = ("error", "warning") if strict else ("error",)
    return any(p.level in stopping for p in problems)


def as_text(problems: Iterable[Problem], cwd: str | None = None) -> list[str]:
    """`path:line: level: message`, the form editors and terminals turn into links."""
    out = []
    for p in problems:
        where = shown_path(p.path, cwd) + (f":{p.line}" if p.line else "")
        out.append(f"{where}: {p.level}: {p.message}")
    return out


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def as_github(problems: Iterable[Problem], cwd: str | None = None) -> list[str]:
    """GitHub Actions workflow commands, which become annotations on the pull request's files."""
    out = []
    for p in problems:
        props = [f"file={_escape_property(shown_path(p.path, cwd))}"]
        if p.line:
            props.append(f"line={p.line}")
        props.append("title=postmortems")
        out.append(f"::{_GITHUB_COMMAND[p.level]} {','.join(props)}::{_escape_data(p.message)}")
    return out


def as_json(problems: Iterable[Problem], cwd: str | None = None) -> str:
    """A JSON list of {path, line, level, key, message}, for scripts and other tools."""
    rows = [
        {
            "path": shown_path(p.path, cwd),
            "line": p.line,
            "level": p.level,
            "key": p.key,
            "message": p.message,
        }
        for p in problems
    ]
    return json.dumps(rows, indent=2, ensure_ascii=False)


def as_gitlab(problems: Iterable[Problem], cwd: str | None = None) -> str:
    """A GitLab Code Quality report: the problems show in the merge request's widget and diff.

    Each issue is {description, check_name, fingerprint, severity, location: {path, lines:
    {begin}}}. The fingerprint, GitLab's key for "the same issue" between the two branches of a
    merge request, hashes the file, the key and the message, not the line: a problem does not
    count as new because lines were added above it. The same problem twice in a file gets its
    count in the hash, so no two issues share one.
    """
    rows = []
    seen: dict[str, int] = {}
    for p in problems:
        path = shown_path(p.path, cwd)
        identity = f"{path}\0{p.key or ''}\0{p.level}\0{p.message}"
        seen[identity] = count = seen.get(identity, 0) + 1
        rows.append(
            {
                "description": p.message,
                "check_name": f"postmortems/{p.key}" if p.key else "postmortems",
                "fingerprint": hashlib.sha256(f"{identity}\0{count}".encode()).hexdigest(),
                "severity": _GITLAB_SEVERITY[p.level],
                "location": {"path": path, "lines": {"begin": p.line or 1}},
            }
        )
    return json.dumps(rows, indent=2, ensure_ascii=False)


def render(problems: Sequence[Problem], fmt: str, cwd: str | None = None) -> str:
    """The whole report in one format; empty text when there is nothing to say (json, gitlab: `[]`)."""
    if fmt == "json":
        return as_json(problems, cwd)
    if fmt == "gitlab":
        return as_gitlab(problems, cwd)
    lines = as_github(problems, cwd) if fmt == "github" else as_text(problems, cwd)
    return "\n".join(lines)


def summary(problems: Sequence[Problem], files: int, also: Sequence[str] = ()) -> str:
    """One line for the end of a run: how many postmortems were checked (and which other files
    given: the catalog, the loop's files) and what was found."""
    counts = {level: sum(1 for p in problems if p.level == level) for level in ("error", "warning", "info")}

    def plural(count: int, word: str) -> str:
        return f"{count} {word}{'' if count == 1 else 's'}"

    found = f"{plural(counts['error'], 'error')}, {plural(counts['warning'], 'warning')}"
    if counts["info"]:
        found += f", {plural(counts['info'], 'note')}"
    return f"{', '.join([plural(files, 'postmortem'), *also])} checked: {found}"
