"""Reading a postmortem file: bytes to text, front matter with line numbers, body sections,
the Action Items and Timeline tables, and the legacy bold-field header.

Nothing here judges values (that is `validate`); this module only finds them and remembers
on which line of the file each one stood, so every later message can name it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from .model import Problem

try:  # libyaml is ~10x faster; fall back to the pure-Python composer where it is missing.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


KeyPath = tuple[str | int, ...]

SECTION_ALIASES: dict[str, str] = {
    "summary": "summary",
    "impact": "impact",
    "customer impact": "impact",
    "timeline": "timeline",
    "root cause": "root_cause",
    "root causes": "root_cause",
    "contributing factors": "contributing_factors",
    "what went well": "what_went_well",
    "action items": "action_items",
    "lessons learned": "lessons_learned",
}

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_FENCE = re.compile(r"^[ \t]{0,3}(```|~~~)")
_CLOSER = re.compile(r"^(?:---|\.\.\.)", re.MULTILINE)  # may close the front matter
_CELL_BREAK = re.compile(r"(?<!\\)\|")  # a pipe, unless escaped
_TABLE_SEP = re.compile(r"^\|?[ \t]*:?-{1,}:?[ \t]*(\|[ \t]*:?-{1,}:?[ \t]*)*\|?[ \t]*$")
_LEGACY_FIELD = re.compile(r"^[ \t]*\*\*([^*:]+?)[ \t]*:?[ \t]*\*\*[ \t]*:?[ \t]*(.*?)[ \t]*$")


@dataclass
class Section:
    title: str
    line: int  # 1-based line of the heading in the file
    text: str  # without leading and trailing blank lines
    text_line: int = 0  # file line of the first line of text


@dataclass
class TableRow:
    cells: dict[str, str]
    line: int


@dataclass
class ParsedDoc:
    """What a postmortem file says, before validation."""

    path: str
    text: str
    front: dict[str, Any]
    lines: dict[KeyPath, int]
    body: str
    body_line: int
    sections: dict[str, Section]
    legacy: bool = False
    has_front_matter: bool = False
    fatal: bool = False
    problems: list[Problem] = field(default_factory=list)
    legacy_lines: list[int] = field(default_factory=list)

    def line_of(self, *path: str | int) -> int | None:
        """The file line of a key path, or of its nearest parent that has one."""
        found = line_of(self.lines, path)
        return found if found is not None else (1 if self.has_front_matter else None)


def line_of(lines: dict[KeyPath, int], path: KeyPath) -> int | None:
    """The line of a key path in a line map, or of its nearest parent that has one."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return None


# --------------------------------------------------------------------------- bytes -> text


def decode(path: str, data: bytes, max_bytes: int) -> tuple[str | None, list[Problem]]:
    """Turn a file's bytes into text with `\\n` line ends, or say why it cannot be read."""
    if len(data) > max_bytes:
        return None, [
            Problem(
                "error",
                path,
                None,
                f"file is {len(data) // 1024} KiB, over the {max_bytes // 1024} KiB limit "
                "(option max_file_kb): split it or move attachments out of the Markdown",
            )
        ]
    if b"\x00" in data[:8192]:
        return None, [
            Problem("error", path, None, "file is binary, not Markdown text: remove it or rename it")
        ]
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [
            Problem(
                "error",
                path,
                line,
                f"file is not valid UTF-8 (byte 0x{data[exc.start]:02x}): re-save it as UTF-8",
            )
        ]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, []


# --------------------------------------------------------------------------- front matter


def split_front_matter(text: str) -> tuple[str | None, int, int]:
    """Find the front matter block.

    Returns (yaml_text, yaml_first_line, body_first_line); yaml_text is None when the file
    has no front matter, and body_first_line is 0 when the block is never closed.
    """
    if not text.startswith("---"):
        return None, 0, 1
    first_nl = text.find("\n")
    if first_nl == -1 or text[3:first_nl].strip():
        return None, 0, 1
    # Lines that start like a closing line, found by one regex scan; the first that is one wins.
    for match in _CLOSER.finditer(text, first_nl + 1):
        start = match.start()
        end = text.find("\n", start)
        if text[start : len(text) if end == -1 else end].rstrip() in ("---", "..."):
            line_no = 2 + text.count("\n", first_nl + 1, start)
            return text[first_nl + 1 : start], 2, line_no + 1
    return text[first_nl + 1 :], 2, 0


def _line_map(
    node: yaml.Node,
    offset: int,
    path: KeyPath,
    out: dict[KeyPath, int],
    dupes: list[tuple[KeyPath, int]],
    seen: set[int] | None = None,
) -> None:
    out[path] = node.start_mark.line + offset
    seen = set() if seen is None else seen
    if id(node) in seen:  # an alias: its anchor's lines are mapped, and `&a [*a]` would never end
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        names: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            sub = (*path, key)
            if key in names:
                dupes.append((sub, key_node.start_mark.line + offset))
            names.add(key)
            _line_map(value_node, offset, sub, out, dupes, seen)
            out[sub] = key_node.start_mark.line + offset
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _line_map(item, offset, (*path, index), out, dupes, seen)


_YAML = "tag:yaml.org,2002:"
_STR, _MAP, _SEQ = _YAML + "str", _YAML + "map", _YAML + "seq"
# Scalars the safe constructor turns into Python values by itself; any other tag (merge keys,
# sets, binary, custom tags) takes the general path, which also reports what it rejects.
_PLAIN_SCALARS = {
    _YAML + name: SafeConstructor.yaml_constructors[_YAML + name]
    for name in ("int", "float", "bool", "null", "timestamp")
}


class _General(Exception):
    """This document needs PyYAML's general constructor."""


def _construct(
    node: yaml.Node,
    offset: int,
    path: KeyPath,
    lines: dict[KeyPath, int],
    dupes: list[tuple[KeyPath, int]],
    scalars: SafeConstructor,
    seen: set[int],
) -> Any:
    """The value of `node` as SafeConstructor builds it, and the line of every key and item, in
    one walk. Front matter is plain mappings, lists, strings, numbers and dates: this builds
    those directly (the pure-Python constructor was a third of the time spent reading a file)
    and leaves anything else, or any node met twice (an alias), to the general path."""
    lines[path] = node.start_mark.line + offset
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _STR:
            return node.value
        build = _PLAIN_SCALARS.get(node.tag)
        if build is None:
            raise _General
        return build(scalars, node)
    if id(node) in seen:
        raise _General
    seen.add(id(node))
    if isinstance(node, yaml.SequenceNode) and node.tag == _SEQ:
        return [
            _construct(item, offset, (*path, index), lines, dupes, scalars, seen)
            for index, item in enumerate(node.value)
        ]
    if not isinstance(node, yaml.MappingNode) or node.tag != _MAP:
        raise _General
    out: dict[Any, Any] = {}
    names: set[str] = set()
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise _General
        name = str(key_node.value)
        sub = (*path, name)
        if name in names:
            dupes.append((sub, key_node.start_mark.line + offset))
        names.add(name)
        if key_node.tag == _STR:
            key = key_node.value
        else:
            key = _construct(key_node, offset, sub, {}, [], scalars, seen)
        out[key] = _construct(value_node, offset, sub, lines, dupes, scalars, seen)
        lines[sub] = key_node.start_mark.line + offset
    return out


def load_yaml(
    path: str, source: str, first_line: int, what: str = "front matter"
) -> tuple[Any, dict[KeyPath, int], list[Problem]]:
    """Parse YAML keeping the file line of every key and list item; `what` names the YAML in
    messages ("front matter", "the decisions file", ...)."""
    try:
        node = yaml.compose(source, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark else first_line
        problem = exc.problem or exc.context or "syntax error"
        return (
            None,
            {},
            [
                Problem(
                    "error",
                    path,
                    line,
                    f"{what} is not valid YAML: {problem}. Check the indentation and quote "
                    "values that contain ':', '#', '@' or start with '[' or '{'",
                )
            ],
        )
    except yaml.YAMLError as exc:
        return None, {}, [Problem("error", path, first_line, f"{what} is not valid YAML: {exc}")]
    if node is None:
        return {}, {}, []
    lines: dict[KeyPath, int] = {}
    dupes: list[tuple[KeyPath, int]] = []
    data: Any = None
    general = False
    try:
        data = _construct(node, first_line, (), lines, dupes, SafeConstructor(), set())
    except _General:
        general = True
        lines.clear()
        dupes.clear()
        _line_map(node, first_line, (), lines, dupes)
    problems = [
        Problem(
            "warning",
            path,
            line,
            f"'{'.'.join(map(str, key))}' is given twice; the last value wins. Remove one",
            key=".".join(map(str, key)),
        )
        for key, line in dupes
    ]
    if general:
        try:
            data = SafeConstructor().construct_document(node)
        except yaml.YAMLError as exc:
            return None, lines, [Problem("error", path, first_line, f"{what} is not valid YAML: {exc}")]
    return data, lines, problems


def merge_mappings(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """`override` laid over `base`: mappings merge key by key, anything else replaces.

    How MkDocs merges an INHERIT-ed config, and how a site's scoring model overrides the defaults.
    """
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_mappings(out[key], value)
        else:
            out[key] = value
    return out


@dataclass
class YamlFile:
    """A YAML file read with the line of every key path (the decisions, rubric and targets files,
    the service catalog): what `validate.Checker` needs to report a problem at its line."""

    path: str  # as shown in messages
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)

    def line_of(self, *path: str | int) -> int | None:
        found = line_of(self.lines, path)
        return found if found is not None else 1


def read_yaml_file(path: str, display: str, what: str) -> tuple[YamlFile | None, list[Problem]]:
    """A YAML file from disk with its lines, or None and why it cannot be read; `display` is the
    path shown in messages, `what` names the file ("the decisions file")."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        return None, [Problem("error", display, None, f"cannot read {what}: {exc.strerror}")]
    text, problems = decode(display, raw, 16 * 1024 * 1024)
    if text is None:
        return None, problems
    data, lines, found = load_yaml(display, text, 1, what)
    if data is None and found:
        return None, found
    return YamlFile(display, data, lines), found


# --------------------------------------------------------------------------- body


def _iter_lines(body: str, first_line: int) -> list[tuple[int, str, bool]]:
    """(file line, text, inside a fenced code block) for each body line."""
    if "```" not in body and "~~~" not in body:  # most bodies: no fence to look for
        return [(first_line + index, line, False) for index, line in enumerate(body.split("\n"))]
    out: list[tuple[int, str, bool]] = []
    fence: str | None = None
    for index, line in enumerate(body.split("\n")):
        match = _FENCE.match(line)
        if match:
            marker = match.group(1)
            if fence is None:
                fence = marker
                out.append((first_line + index, line, True))
                continue
            if marker == fence:
                fence = None
                out.append((first_line + index, line, True))
                continue
        out.append((first_line + index, line, fence is not None))
    return out


def parse_sections(body: str, first_line: int) -> dict[str, Section]:
    """Recognised sections by heading, case-insensitively; the first of each name wins."""
    lines = _iter_lines(body, first_line)
    sections: dict[str, Section] = {}
    current: tuple[str, int, int, int] | None = None  # key, level, heading line, start index
    collected: dict[str, tuple[str, int, int, int]] = {}

    def close(end: int) -> None:
        if current is not None and current[0] not in sections:
            key, _level, heading_line, start = current
            raw = "\n".join(line for _n, line, _f in lines[start:end])
            text = raw.lstrip("\n")
            first = heading_line + 1 + (len(raw) - len(text))
            sections[key] = Section(collected[key][0], heading_line, text.rstrip("\n"), first)

    for index, (line_no, line, fenced) in enumerate(lines):
        if fenced or not line.startswith("#"):
            continue
        match = _HEADING.match(line)
        if not match:
            continue
        level = len(match.group(1))
        if current is not None and level <= current[1]:
            close(index)
            current = None
        name = match.group(2).strip().rstrip(":").strip()
        key = SECTION_ALIASES.get(re.sub(r"\s+", " ", name.lower()))
        if key and current is None and key not in sections:
            collected[key] = (name, level, line_no, index + 1)
            current = (key, level, line_no, index + 1)
    close(len(lines))
    return sections


def split_row(line: str) -> list[str]:
    """Cells of a Markdown table row; `\\|` is a literal pipe."""
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    if "\\|" not in text:
        return [cell.strip() for cell in text.split("|")]
    return [cell.strip().replace("\\|", "|") for cell in _CELL_BREAK.split(text)]


def parse_table(section: Section) -> tuple[list[str], list[TableRow], list[tuple[int, str]]]:
    """The first pipe table in a section: headers, rows keyed by header, and row problems.

    Row problems are (line, message) pairs for rows with missing or extra cells; such rows are
    still returned (missing cells empty, extra cells dropped) so nothing is silently lost.
    """
    lines = section.text.split("\n")
    start_line = section.text_line or section.line + 1
    headers: list[str] = []
    rows: list[TableRow] = []
    issues: list[tuple[int, str]] = []
    index = 0
    while index < len(lines):
        if (
            lines[index].strip().startswith("|")
            and index + 1 < len(lines)
            and _TABLE_SEP.match(lines[index + 1].strip())
        ):
            break
        index += 1
    else:
        return headers, rows, issues
    headers = split_row(lines[index])
    for offset, line in enumerate(lines[index + 2 :], start=index + 2):
        if not line.strip().startswith("|"):
            break
        cells = split_row(line)
        line_no = start_line + offset
        if len(cells) != len(headers):
            issues.append(
                (
                    line_no,
                    f"table row has {len(cells)} cells but the header has {len(headers)}: "
                    "add the missing cells (leave them empty) or remove the extra ones",
                )
            )
            cells = (cells + [""] * len(headers))[: len(headers)]
        rows.append(TableRow(dict(zip(headers, cells, strict=True)), line_no))
    return headers, rows, issues


# --------------------------------------------------------------------------- legacy header

LEGACY_KEYS: dict[str, str] = {
    "incident id": "id",
    "id": "id",
    "incident": "id",
    "date": "date",
    "severity": "severity",
    "sev": "severity",
    "duration": "duration",
    "services": "services",
    "service": "services",
    "affected services": "services",
    "status": "status",
    "teams": "teams",
    "team": "teams",
    "published": "published_at",
    "published at": "published_at",
    "authors": "authors",
    "author": "authors",
    "owner": "authors",
    "reviewers": "reviewers",
    "trigger": "trigger",
    "detection": "detection",
    "contributing factors": "contributing_factors",
    "tags": "tags",
}
_LIST_FIELDS = {"services", "teams", "authors", "reviewers", "contributing_factors", "tags"}
_RANGE = re.compile(r"(\d{1,2}):(\d{2})\s*(?:[–—-]|to)\s*(\d{1,2}):(\d{2})")
_MINUTES = re.compile(r"(\d+)\s*(?:min|minutes|m\b)")
_HOURS = re.compile(r"(\d+(?:\.\d+)?)\s*(?:h|hours?)\b")


def _legacy_times(date_text: str, duration: str | None) -> tuple[Any, Any]:
    """started_at and resolved_at from a Date and a Duration such as '47 minutes (14:23 – 15:10 UTC)'."""
    try:
        day = dt.date.fromisoformat(date_text.strip()[:10])
    except ValueError:
        return date_text, None
    if not duration:
        return day, None
    match = _RANGE.search(duration)
    if match:
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        try:
            start = dt.datetime(day.year, day.month, day.day, h1, m1, tzinfo=dt.timezone.utc)
            end = dt.datetime(day.year, day.month, day.day, h2, m2, tzinfo=dt.timezone.utc)
        except ValueError:
            return day, None
        if end < start:  # the range passes midnight: it ends the next day
            end += dt.timedelta(days=1)
        return start, end
    minutes = _MINUTES.search(duration)
    hours = _HOURS.search(duration)
    start_day = dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)
    if minutes:
        return day, start_day + dt.timedelta(minutes=int(minutes.group(1)))
    if hours:
        return day, start_day + dt.timedelta(hours=float(hours.group(1)))
    return day, None


def parse_legacy_header(path: str, text: str) -> tuple[dict[str, Any], dict[KeyPath, int], list[int]] | None:
    """The bold-field header block of a legacy postmortem, mapped to front-matter fields.

    Returns (fields, lines, consumed line numbers) or None when the file has no such header.
    Only the block before the first `##` heading is read.
    """
    raw: dict[str, tuple[str, int]] = {}
    consumed: list[int] = []
    title: tuple[str, int] | None = None
    for index, line in enumerate(text.split("\n")[:60], start=1):
        if line.startswith("## "):
            break
        if title is None and line.startswith("# "):
            heading = line[2:].strip()
            heading = re.sub(
                r"^(post[- ]?mortem|incident report|incident)\s*[:\-–—]\s*", "", heading, flags=re.I
            )
            title = (heading, index)
            consumed.append(index)
            continue
        match = _LEGACY_FIELD.match(line)
        if match:
            key = LEGACY_KEYS.get(match.group(1).strip().lower())
            if key and key not in raw:
                raw[key] = (match.group(2).strip(), index)
                consumed.append(index)
    if "id" not in raw:
        return None
    fields: dict[str, Any] = {}
    lines: dict[KeyPath, int] = {}
    if title:
        fields["title"], lines[("title",)] = title
    for key, (text, at) in raw.items():
        if key in ("date", "duration"):
            continue
        if key in _LIST_FIELDS:
            fields[key] = [part.strip() for part in re.split(r"[,;]", text) if part.strip()]
        elif key == "status":
            low = text.strip().lower()
            fields[key] = low if low in ("draft", "review") else "final"
        else:
            fields[key] = text
        lines[(key,)] = at
    if "date" in raw:
        started, resolved = _legacy_times(raw["date"][0], raw.get("duration", ("", 0))[0] or None)
        fields["started_at"] = started
        lines[("started_at",)] = raw["date"][1]
        if resolved is not None:
            fields["resolved_at"] = resolved
            lines[("resolved_at",)] = raw.get("duration", raw["date"])[1]
    return fields, lines, sorted(consumed)


# --------------------------------------------------------------------------- whole file


def parse_document(path: str, text: str) -> ParsedDoc:
    """Split a postmortem file into front matter (with lines), body and sections."""
    problems: list[Problem] = []
    yaml_text, yaml_line, body_line = split_front_matter(text)
    front: dict[str, Any] = {}
    lines: dict[KeyPath, int] = {}
    fatal = False
    legacy = False
    legacy_lines: list[int] = []
    if yaml_text is not None and body_line == 0:
        problems.append(
            Problem(
                "error",
                path,
                1,
                "front matter is not closed: add a line with only '---' after the last field",
            )
        )
        return ParsedDoc(
            path,
            text,
            {},
            {},
            "",
            len(text.split("\n")) + 1,
            {},
            fatal=True,
            has_front_matter=True,
            problems=problems,
        )
    if yaml_text is not None:
        data, lines, yaml_problems = load_yaml(path, yaml_text, yaml_line)
        problems.extend(yaml_problems)
        if data is None:
            fatal = True
        elif not isinstance(data, dict):
            problems.append(
                Problem("error", path, yaml_line, "front matter must be a mapping of 'key: value' lines")
            )
            fatal = True
        else:
            front = data
        body = "\n".join(text.split("\n")[body_line - 1 :])
    else:
        body = text
        body_line = 1
        header = parse_legacy_header(path, text)
        if header is not None:
            front, lines, legacy_lines = header
            legacy = True
    doc = ParsedDoc(
        path,
        text,
        front,
        lines,
        body,
        body_line,
        parse_sections(body, body_line),
        legacy=legacy,
        has_front_matter=yaml_text is not None,
        fatal=fatal,
        problems=problems,
        legacy_lines=legacy_lines,
    )
    return doc
