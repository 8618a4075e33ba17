"""Shared fixtures: a real `mkdocs build` of the sample into tmp_path, and a log capture that
fails any test on a warning it did not expect. The builders themselves are in sites.py."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sites import ROOT, LogCapture, build_site


@pytest.fixture
def mkdocs_log() -> Iterator[LogCapture]:
    """Fails the test if MkDocs or the plugin warned about something the test did not expect."""
    handler = LogCapture()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
    leftover = handler.unexpected()
    assert not leftover, f"unexpected warnings: {leftover}"


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample knowledge base, built once for the session with as_of fixed."""
    site = tmp_path_factory.mktemp("sample") / "site"
    build_site(ROOT / "mkdocs.yml", site, strict=True)
    return site
