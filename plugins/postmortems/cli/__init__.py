"""The `postmortems` command: validate, new, migrate, import, without building the site.

Owns the command line (`main`), reading mkdocs.yml without MkDocs (`project`), reporting
problems in each output format (`diagnostics`), writing new drafts (`authoring`), migrating
legacy files (`migrate`) and the PagerDuty import (`pagerduty`).

May import: `postmortems.insight`, `postmortems.records`, the standard library, PyYAML, Jinja.
Never `postmortems.site` nor MkDocs: the pre-commit hook must start fast.
"""

from __future__ import annotations

from .main import main

__all__ = ["main"]
