"""mkdocs-postmortems: a postmortem knowledge base for MkDocs.

The MkDocs plugin is `postmortems.plugin:PostmortemsPlugin` (entry point `postmortems`); the
command line is `postmortems.cli:main`. Every other module is pure and usable on its own.
"""
