"""Site: the MkDocs plugin and everything it publishes.

Owns the plugin (`plugin`: MkDocs events and options only), the generated pages and their data
(`pages`), postmortem pages' parts (`parts`), the navigation (`nav`), charts (`charts`), the search index
(`search`, written by Pagefind's service: `pagefind`) and the header's search box (`searchbox`),
the JSON API (`export`, and the loop's in `loop_export`, with the Slack digest), Atom feeds
(`feeds`), the second process (`workers`) and the Markdown rendered in it (`render`), what
other plugins need (`compat`), how figures are written (`formats`), the slug lists in the site's
own pages (`placeholders`), templates and assets.

May import: `postmortems.insight`, `postmortems.records`, MkDocs, Material's conventions,
Jinja, plotly, pagefind, properdocs. Never `postmortems.cli`.
"""

import multiprocessing

try:
    import properdocs.replacement_warning
except ImportError:  # an environment that has MkDocs without ProperDocs (it is a dependency)
    pass
else:
    # How ProperDocs asks a plugin to declare that it supports ProperDocs: called where the
    # plugin is first imported, it shows ProperDocs' notice once to whoever builds with the
    # `mkdocs` executable (not with `properdocs`); DISABLE_MKDOCS_2_WARNING=true silences it.
    # Not in the worker, which is spawned with the build's argv and imports this package too.
    if multiprocessing.parent_process() is None:
        properdocs.replacement_warning.setup()  # type: ignore[no-untyped-call]  # ProperDocs ships no types
