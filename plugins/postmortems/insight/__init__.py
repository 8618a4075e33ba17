"""Insight: validated records → what they mean.

Owns the contract's figures (`metrics`: MTTR, MTTA, repeats, windows), the modernization
scoring model and its default (`scoring`, `scoring.yaml`), everything the pages show computed
once (`knowledge`), the monthly report (`report`), and the modernization loop: what decisions
mean (`decisions`), maturity levels (`maturity`), targets over periods (`targets`), the
postmortem policy (`policy`), all of it with the digest computed once (`loop`).

Pure: functions of records, catalog, model and `as_of`; no MkDocs, no Jinja, no files written.
May import: `postmortems.records`, the standard library, PyYAML.
"""
