"""A real headless browser for the tests of pages: Debian's Chromium driven by Playwright.

Playwright's own browser download does not work on every machine (it does not here), so the tests use
the Chromium that `make test` installs (`make browser`; CHROMIUM names another binary). The flags keep
Chromium off the network it would otherwise call at start (updates, sync, Google's hosts): the tests
only ever load pages from 127.0.0.1. tests/conftest.py loads this as a plugin, so any test may ask for
the fixture:

    def test_page(browser):
        page = browser.new_page()
"""

import os
import shutil

import pytest

CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",  # tests run as root in CI
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
)


def chromium_path():
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        pytest.fail(f"no Chromium at {path}: run `make browser` (or set CHROMIUM) before the browser tests")
    return path


@pytest.fixture(scope="session")
def _playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def chromium(_playwright):
    """One Chromium for the whole session; give each test a fresh context (`chromium.new_context()`): its
    own profile and cookies. There is one Playwright per session: a second one would fail to start."""
    instance = _playwright.chromium.launch(executable_path=chromium_path(), args=list(CHROMIUM_FLAGS))
    try:
        yield instance
    finally:
        instance.close()


@pytest.fixture
def browser(_playwright, tmp_path):
    """A fresh Chromium (its own empty profile) per test; closed after it."""
    instance = _playwright.chromium.launch(executable_path=chromium_path(), args=list(CHROMIUM_FLAGS))
    try:
        yield instance
    finally:
        instance.close()
