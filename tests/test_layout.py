"""The package's layout is its architecture: imports run one way (records ← insight ← site, cli)
and no module imports itself back through another. Read from the source, so a new module or an
import inside a function is checked too."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "plugins" / "postmortems"
# What each room may import of ours. The top-level modules (the package docstring and the
# `postmortems.plugin` name kept for old scripts) may import anything.
ALLOWED = {
    "records": {"records"},
    "insight": {"records", "insight"},
    "site": {"records", "insight", "site"},
    "cli": {"records", "insight", "cli"},
}
# Third-party packages a room must not import: the pure rooms and the fast-starting command line
# never pull in MkDocs.
FORBIDDEN = {"records": {"mkdocs", "material", "jinja2"}, "insight": {"mkdocs", "material", "jinja2"},
             "cli": {"mkdocs", "material"}}  # fmt: skip


def module_name(path: Path) -> str:
    parts = ["postmortems", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, name: str | None = None) -> Iterator[tuple[int, str]]:
    """(line, absolute name) of every import in the file, wherever it stands; `from x import y`
    gives x.y (y may be a module of x). `name`: the module the file is read as."""
    name = name or module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            for alias in node.names:
                yield node.lineno, f"{target}.{alias.name}"


def room(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) >= 2 and parts[0] == "postmortems" and parts[1] in ALLOWED else None


SOURCES = sorted(PACKAGE.rglob("*.py"))
MODULES = {module_name(p) for p in SOURCES}


def test_every_module_lives_in_a_room() -> None:
    loose = [module_name(p) for p in SOURCES if room(module_name(p)) is None]
    # __init__ (the package's docstring) and plugin (the old import path of the plugin class).
    assert sorted(loose) == ["postmortems", "postmortems.plugin"]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_run_one_way(path: Path) -> None:
    here = room(module_name(path))
    if here is None:
        return
    wrong = []
    for line, target in imports(path):
        top = target.split(".")[0]
        there = room(target)
        if there is not None and there not in ALLOWED[here]:
            wrong.append(f"{path.name}:{line}: {here} imports {target}")
        if top in FORBIDDEN.get(here, set()):
            wrong.append(f"{path.name}:{line}: {here} imports {top}")
    assert not wrong, "imports that go the wrong way:\n" + "\n".join(wrong)


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in SOURCES:
        name = module_name(path)
        targets = set()
        for _line, target in imports(path):
            # `from .x import y`: the module x (or the package, if y is not a module of it)
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name and not name.startswith(target + "."):
                targets.add(target)
        graph[name] = targets
    return graph


def test_no_import_cycle() -> None:
    graph = _graph()
    done: set[str] = set()

    def visit(node: str, stack: list[str]) -> None:
        if node in stack:
            cycle = [*stack[stack.index(node) :], node]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if node in done:
            return
        for target in sorted(graph.get(node, ())):
            # A package's __init__ re-exporting its own modules is not a cycle through them.
            if not target.startswith(node + "."):
                visit(target, [*stack, node])
        done.add(node)

    for node in sorted(graph):
        visit(node, [])


def test_the_checker_sees_a_wrong_way_import(tmp_path: Path) -> None:
    """The rule must be able to fail: an insight module importing the site is caught."""
    copy = tmp_path / "metrics.py"
    copy.write_text("from ..site import pages\nfrom ..records.model import Postmortem\n", encoding="utf-8")
    found = [target for _line, target in imports(copy, "postmortems.insight.metrics")]
    assert found == ["postmortems.site.pages", "postmortems.records.model.Postmortem"]
    assert [room(target) for target in found] == ["site", "records"]
