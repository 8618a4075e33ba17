"""Insight: validated records → what they mean.

Owns the contract's figures (`metrics`: MTTR, MTTA, repeats, windows), the modernization
scoring model and its default (`scoring`, `scoring.yaml`), everything the pages show computed
once (`knowledge`), and the monthly report (`report`).

Pure: functions of records, catalog, model and `as_of`; no MkDocs, no Jinja, no files written.
May import: `postmortems.records`, the standard library, PyYAML.
"""
