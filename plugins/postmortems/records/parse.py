"""Reading a postmortem file: bytes to text, front matter with line numbers, body sections,
the Action Items and Timeline tables, and the legacy bold-field header.

Nothing here judges values (that is `validate`); this module only finds them and remembers
on which line of the file each one stood, so every later message can name it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor

from .legacy import LegacyHeader, parse_legacy_header
from .model import SECTION_ALIASES, KeyPath, Problem

try:  # libyaml is ~10x faster; fall back to the pure-Python composer where it is missing.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_FENCE = re.compile(r"^[ \t]{0,3}(```|~~~)")
_CLOSER = re.compile(r"^(?:---|\.\.\.)", re.MULTILINE)  # may close the front matter
_CELL_BREAK = re.compile(r"(?<!\\)\|")  # a pipe, unless escaped
_TABLE_SEP = re.compile(r"^\|?[ \t]*:?-{1,}:?[ \t]*(\|[ \t]*:?-{1,}:?[ \t]*)*\|?[ \t]*$")


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
    header: LegacyHeader | None = None  # a legacy file's header, as read

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


class _Values(SafeConstructor):
    """PyYAML's safe constructor, but a scalar that looks like a date, time or number and is
    not one (`2025-02-30T10:00:00Z`, `2025-13-01`, `!!int abc`, an int of 5,000 digits, a float
    past the largest one, `1.0e+999`) stays the text it was written as, instead of raising
    ValueError from deep inside `datetime` or becoming infinity: validation then says what is
    wrong with it, on its line."""


def _as_written(build: Any) -> Any:
    def construct(constructor: SafeConstructor, node: yaml.ScalarNode) -> Any:
        try:
            value = build(constructor, node)
        except (ValueError, OverflowError, KeyError, AttributeError, TypeError):
            return str(node.value)
        if isinstance(value, float) and math.isinf(value) and "inf" not in str(node.value).lower():
            return str(node.value)  # `1.0e+999`: too large for a float, not `.inf`; said as written
        return value

    return construct


for _name in ("int", "float", "bool", "timestamp"):
    _Values.add_constructor(_YAML + _name, _as_written(SafeConstructor.yaml_constructors[_YAML + _name]))


class ValuesLoader(_Loader):
    """A safe loader (libyaml's where there is one) whose impossible dates and lying tags stay
    text, like front matter's: for every other YAML file a site gives us (mkdocs.yml as the
    command line reads it, Backstage catalogs), so none of them can raise ValueError either."""


for _tag, _build in _Values.yaml_constructors.items():
    ValuesLoader.add_constructor(_tag, _build)
# Scalars built directly; any other tag (merge keys, sets, binary, custom tags) takes the
# general path, which also reports what it rejects.
_PLAIN_SCALARS = {
    _YAML + name: _Values.yaml_constructors[_YAML + name]
    for name in ("int", "float", "bool", "null", "timestamp")
}
MAX_DEPTH = 64  # front matter needs three levels; libyaml's composer recurses (and crashes) without end


def nesting_error(source: str, first_line: int) -> int | None:
    """The file line where `source` nests collections deeper than MAX_DEPTH, or None.

    Checked before composing: libyaml's composer recurses in C, and a front matter of 100,000
    `[` ends the process with a segmentation fault that no `except` catches. Only a source with
    many brackets, or a long one (deep block nesting needs quadratic indentation), is scanned.
    """
    if source.count("[") + source.count("{") <= MAX_DEPTH and len(source) < 65536:
        return None
    depth = 0
    opening = (yaml.FlowSequenceStartToken, yaml.FlowMappingStartToken, yaml.BlockMappingStartToken,
               yaml.BlockSequenceStartToken)  # fmt: skip
    closing = (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken, yaml.BlockEndToken)
    try:
        for token in yaml.scan(source, Loader=_Loader):
            if isinstance(token, opening):
                depth += 1
                if depth > MAX_DEPTH:
                    return int(token.start_mark.line) + first_line
            elif isinstance(token, closing):
                depth -= 1
    except yaml.YAMLError:
        return None  # composing reports it
    return None


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
    deep = nesting_error(source, first_line)
    if deep is not None:
        return (
            None,
            {},
            [
                Problem(
                    "error",
                    path,
                    deep,
                    f"{what} nests lists or mappings more than {MAX_DEPTH} levels deep: a "
                    "postmortem's fields need at most three; remove the extra brackets or indentation",
                )
            ],
        )
    try:
        node = yaml.compose(source, Loader=_Loader)
    except yaml.YAMLError as exc:
        return None, {}, [_yaml_problem(path, exc, first_line, source, what)]
    if node is None:
        return {}, {}, []
    lines: dict[KeyPath, int] = {}
    dupes: list[tuple[KeyPath, int]] = []
    data: Any = None
    general = False
    try:
        data = _construct(node, first_line, (), lines, dupes, _Values(), set())
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
            data = _Values().construct_document(node)
        except yaml.YAMLError as exc:
            return None, lines, [_yaml_problem(path, exc, first_line, source, what)]
    return data, lines, problems


def _yaml_problem(path: str, exc: yaml.YAMLError, first_line: int, source: str, what: str) -> Problem:
    """A YAML error as a one-line problem on the line PyYAML points at."""
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML does not accept, at a character offset
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        return Problem(
            "error",
            path,
            first_line + source.count("\n", 0, max(0, exc.position)),
            f"{what} holds a character YAML does not accept (U+{code:04X}, {exc.reason}): remove it, "
            f"or write it inside double quotes as \\u{code:04X}",
        )
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark else first_line
        problem = exc.problem or exc.context or "syntax error"
        if exc.context and exc.problem:
            problem = f"{exc.context}: {exc.problem}"
        return Problem(
            "error",
            path,
            line,
            f"{what} is not valid YAML: {problem}. Check the indentation and quote "
            "values that contain ':', '#', '@' or start with '[' or '{'",
        )
    return Problem("error", path, first_line, f"{what} is not valid YAML: " + " ".join(str(exc).split()))


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


# --------------------------------------------------------------------------- whole file


def parse_document(path: str, text: str) -> ParsedDoc:
    """Split a postmortem file into front matter (with lines), body and sections."""
    problems: list[Problem] = []
    yaml_text, yaml_line, body_line = split_front_matter(text)
    front: dict[str, Any] = {}
    lines: dict[KeyPath, int] = {}
    fatal = False
    header: LegacyHeader | None = None
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
    sections = parse_sections(body, body_line)
    if yaml_text is None:
        header = parse_legacy_header(path, text, set(sections))
        if header is not None:
            front, lines = header.fields, header.lines
            for key, part in header.sections.items():
                sections[key] = Section(part.title, part.line, part.text, part.line)
            problems.extend(
                Problem(note.level, path, note.line, note.message) for note in header.notes if note.build
            )
    return ParsedDoc(
        path,
        text,
        front,
        lines,
        body,
        body_line,
        sections,
        legacy=header is not None,
        has_front_matter=yaml_text is not None,
        fatal=fatal,
        problems=problems,
        header=header,
    )
