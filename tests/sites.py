"""Real sites for the tests: the sample copied or built with `mkdocs build` into tmp_path, and
a log capture of what MkDocs and the plugin warn about. Shared by every folder of tests."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import Any

from mkdocs.commands.build import build
from mkdocs.config import load_config

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2026-11-20"

os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
os.environ.setdefault("DISABLE_MKDOCS_2_WARNING", "true")  # ProperDocs' notice (site/__init__.py)


class LogCapture(logging.Handler):
    """Records what MkDocs and the plugin log at WARNING and above."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []
        self.expected: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def messages(self) -> list[str]:
        return [r.getMessage() for r in self.records]

    def expect(self, *fragments: str) -> None:
        """Declare warnings this test expects (each fragment must match at least one message)."""
        self.expected.extend(fragments)

    def unexpected(self) -> list[str]:
        return [m for m in self.messages() if not any(f in m for f in self.expected)]


def build_site(config_file: Path, site_dir: Path, strict: bool = False, **plugin_options: Any) -> None:
    """A real `mkdocs build` of config_file into site_dir, with plugin options overridden."""
    cfg = load_config(str(config_file), site_dir=str(site_dir), strict=strict)
    options = {"as_of": AS_OF, **plugin_options}
    plugin = cfg.plugins["postmortems"]
    for key, value in options.items():
        plugin.config[key] = value
    try:
        build(cfg)
    finally:
        cfg.plugins.on_shutdown()


def build_docs(site_dir: Path) -> None:
    """A real, strict `mkdocs build` of the plugin's documentation (docs/mkdocs.yml) into site_dir."""
    cfg = load_config(str(ROOT / "docs" / "mkdocs.yml"), site_dir=str(site_dir), strict=True)
    try:
        build(cfg)
    finally:
        cfg.plugins.on_shutdown()


def copy_sample(dest: Path) -> Path:
    """A copy of the sample site (config, content, overrides, scoring model) under dest."""
    for name in ("content", "theme_overrides", "modernization"):
        shutil.copytree(ROOT / name, dest / name)
    shutil.copy(ROOT / "mkdocs.yml", dest / "mkdocs.yml")
    return dest / "mkdocs.yml"
