"""mkdocs-postmortems: a postmortem knowledge base for MkDocs.

Four subpackages, one job each; imports run one way (tests/test_layout.py enforces it):

- `records`: files → validated records and problems (parse, validate, catalog, archive, sanitize).
  Imports nothing else of ours.
- `insight`: records → figures, scores, the knowledge the pages show. Pure: no MkDocs, no I/O
  beyond the scoring model's YAML. Imports `records` only.
- `site`: the MkDocs plugin (`postmortems.site.plugin:PostmortemsPlugin`, entry point
  `postmortems`), generated pages, charts, search, feeds, JSON, templates and assets.
  Imports `insight` and `records`.
- `cli`: the `postmortems` command (`postmortems.cli:main`). Imports `insight` and `records`,
  never MkDocs (the pre-commit hook must start fast).
"""
