"""The `postmortems` command: validate, new, migrate, import, export, without building the site.

Owns the command line (`main`), reading mkdocs.yml without MkDocs (`project`), reporting
problems in each output format (`diagnostics`), writing new drafts (`authoring`), migrating
legacy files (`migrate`), the PagerDuty import (`pagerduty`) and the tracker exports
(`trackers`: Jira CSV and bulk create, GitHub issues).

May import: `postmortems.insight`, `postmortems.records`, the standard library, PyYAML, Jinja.
Never `postmortems.site` nor MkDocs: the pre-commit hook must start fast.
"""

from __future__ import annotations

from .main import main

__all__ = ["main"]
