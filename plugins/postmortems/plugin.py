"""Kept so that `from postmortems.plugin import PostmortemsPlugin` (scripts written for 0.1)
still works; the plugin lives in `postmortems.site.plugin`."""

from .site.plugin import PostmortemsConfig, PostmortemsPlugin

__all__ = ["PostmortemsConfig", "PostmortemsPlugin"]
