"""Records: postmortem files → validated `Postmortem` records and `Problem`s with file and line.

Owns the record model (`model`), reading bytes, front matter, sections, tables and legacy
headers (`parse`), the record schema (`validate`), the service catalog (`catalog`), the
cross-file checks and the archive (`archive`), HTML cleaning (`sanitize`), the files of the
modernization loop (`modernization`: decisions, the maturity rubric and its default
`maturity.yaml`, targets), and the shape of a new postmortem (`new-postmortem.md`, which
`postmortems new` fills in).

May import: the standard library, PyYAML, nh3. Nothing else of this package: insight, site
and cli build on records, never the other way round.
"""

from __future__ import annotations

import os

NEW_POSTMORTEM = os.path.join(os.path.dirname(__file__), "new-postmortem.md")
"""The Jinja template `postmortems new` writes a draft from."""
