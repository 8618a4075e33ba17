"""Site: the MkDocs plugin and everything it publishes.

Owns the plugin (`plugin`: MkDocs events and options only), the generated pages and their data
(`pages`), postmortem pages' parts (`parts`), the navigation (`nav`), charts (`charts`), the
explorer's data and index (`search`), the JSON API (`export`, and the loop's in `loop_export`,
with the Slack digest), Atom feeds (`feeds`), the second
process (`workers`) and the Markdown rendered in it (`render`), templates and assets.

May import: `postmortems.insight`, `postmortems.records`, MkDocs, Material's conventions,
Jinja, plotly, lunr. Never `postmortems.cli`.
"""
