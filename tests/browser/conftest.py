"""Fixtures of the browser tests: one Chromium (Debian's) per module and the sample site served."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import CHROMIUM, LAUNCH_ARGS, serve
from playwright.sync_api import Browser, sync_playwright


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def base(sample_site: Path, browser: Browser) -> Iterator[str]:
    """The sample site, served at the root of 127.0.0.1 on a free port."""
    with serve(sample_site) as url:
        yield url
