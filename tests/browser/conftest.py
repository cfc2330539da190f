"""One headless Chromium for the whole session, driven by Playwright for Python.

The browser is Debian's ``chromium`` (``make chromium``, or ``apt-get install chromium``);
Playwright's own browser download is never used (``CHAINGRAD_CHROMIUM`` overrides the path).
Missing pieces fail the tests with the command that installs them: these tests never skip.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHAINGRAD_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - depends on the install
        pytest.fail("the browser tests need Playwright for Python: "
                    f"{sys.executable} -m pip install -e '.[dev]'")
    if not Path(CHROMIUM).exists():  # pragma: no cover - depends on the machine
        pytest.fail(f"no Chromium at {CHROMIUM}: run `make chromium` "
                    "(apt-get install chromium) or set CHAINGRAD_CHROMIUM")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


class Opened:
    """A page loaded from file://, with every request and console error it made."""

    def __init__(self, page, path: Path):
        self.page = page
        self.path = path
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", lambda m: m.type in ("error", "warning") and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.goto(path.resolve().as_uri())
        page.wait_for_load_state("load")

    def check_clean(self) -> None:
        assert self.requests == [self.path.resolve().as_uri()], self.requests
        assert self.errors == [], self.errors
        assert self.dialogs == [], self.dialogs


@pytest.fixture
def open_page(browser):
    pages = []

    def opener(path: Path, width: int = 1400, height: int = 800) -> Opened:
        page = browser.new_page(viewport={"width": width, "height": height})
        pages.append(page)
        return Opened(page, path)

    yield opener
    for page in pages:
        page.close()
