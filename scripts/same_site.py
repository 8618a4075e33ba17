"""Build the sample site at two commits and compare every file (the sitemap's dates aside).

Used while moving code (issue 13): `python scripts/same_site.py BEFORE [AFTER]` checks out each
commit into a temporary work tree, builds the sample there with its own package (as_of fixed)
and prints the files that differ. Exit 1 if any does. AFTER defaults to the work tree itself.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The installed entry point names this tree's plugin module; the other tree's may differ.
BUILD = """
import importlib.metadata, importlib.util
from mkdocs import plugins
module = "postmortems.site.plugin" if importlib.util.find_spec("postmortems.site") else "postmortems.plugin"
installed = plugins.get_plugins()
installed["postmortems"] = importlib.metadata.EntryPoint(
    "postmortems", module + ":PostmortemsPlugin", "mkdocs.plugins")
plugins.get_plugins = lambda: installed
from mkdocs.config import load_config
from mkdocs.commands.build import build
cfg = load_config("mkdocs.yml", site_dir={site!r})
cfg.plugins["postmortems"].config["as_of"] = "2026-11-20"
try:
    build(cfg)
finally:
    cfg.plugins.on_shutdown()
"""
SKIP = {"sitemap.xml", "sitemap.xml.gz"}  # dated by the build day


def build(tree: Path, site: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(tree / "plugins"), "NO_MKDOCS_2_WARNING": "1"}
    subprocess.run([sys.executable, "-c", BUILD.format(site=str(site))], cwd=tree, env=env, check=True)


def differences(a: Path, b: Path) -> tuple[int, list[str]]:
    """How many files were compared, and those that differ or exist on one side only."""
    out = []
    names = {p.relative_to(a) for p in a.rglob("*") if p.is_file()}
    names |= {p.relative_to(b) for p in b.rglob("*") if p.is_file()}
    for name in sorted(names):
        if name.name in SKIP:
            continue
        left, right = a / name, b / name
        if not (left.is_file() and right.is_file() and filecmp.cmp(left, right, shallow=False)):
            out.append(str(name))
    return len(names), out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after", nargs="?")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sites = []
        for label, commit in (("before", args.before), ("after", args.after)):
            tree = ROOT
            if commit is not None:
                tree = Path(tmp) / f"tree-{label}"
                subprocess.run(
                    ["git", "worktree", "add", "--detach", str(tree), commit],
                    cwd=ROOT,
                    check=True,
                    capture_output=True,
                )
            site = Path(tmp) / f"site-{label}"
            try:
                build(tree, site)
            finally:
                if commit is not None:
                    subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=True)
            sites.append(site)
        compared, diff = differences(*sites)
    for name in diff:
        print(f"differs: {name}")
    print(f"{compared} files compared, {len(diff)} differ")
    return 1 if diff else 0


if __name__ == "__main__":
    sys.exit(main())
