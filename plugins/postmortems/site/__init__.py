"""Site: the MkDocs plugin and everything it publishes.

Owns the plugin (`plugin`: MkDocs events and options only), the generated pages and their data
(`pages`), postmortem pages' parts (`parts`), the navigation (`nav`), charts (`charts`), the search index
(`search`, written by Pagefind's service: `pagefind`) and the header's search box (`searchbox`),
the JSON API (`export`, and the loop's in `loop_export`, with the Slack digest), Atom feeds
(`feeds`), the second process (`workers`) and the Markdown rendered in it (`render`), templates
and assets.

May import: `postmortems.insight`, `postmortems.records`, MkDocs, Material's conventions,
Jinja, plotly, pagefind. Never `postmortems.cli`.
"""
