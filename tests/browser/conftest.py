"""Fixtures of the browser tests: one headless Chromium (Debian's) for every test, the sample
site served, and recording tabs opened in it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from browser_support import CHROMIUM, LAUNCH_ARGS, Tab, serve
from playwright.sync_api import Browser, sync_playwright


@pytest.fixture(scope="session")
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


@pytest.fixture
def new_tab(browser: Browser) -> Iterator[Callable[..., Tab]]:
    """Opens recording tabs (each in a fresh context: empty cache and storage); closes them after."""
    tabs: list[Tab] = []

    def open_tab(url: str, **context: object) -> Tab:
        tabs.append(Tab.open_in(browser, url, **context))
        return tabs[-1]

    yield open_tab
    for tab in tabs:
        tab.context.close()
