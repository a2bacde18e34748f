"""Browser fixtures: Debian's Chromium driven by Playwright, the workbench served by uvicorn.

Playwright never downloads a browser here: it launches /usr/bin/chromium (the project's
set-up installs Debian's ``chromium`` package) with the flags this machine needs, and a
fresh profile per launch (Playwright makes a new temporary user-data-dir each time).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench_support import CHROMIUM, CHROMIUM_FLAGS, SCREENSHOTS

@pytest.fixture(scope="session")
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is absent: install Debian's chromium (apt-get install -y chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium_path: Path) -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    pw = sync_api.sync_playwright().start()
    try:
        b = pw.chromium.launch(executable_path=str(chromium_path), headless=True, args=CHROMIUM_FLAGS)
    except Exception:
        pw.stop()
        raise
    yield b
    b.close()
    pw.stop()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1360, "height": 900}, device_scale_factor=1,
                                  locale="en-US", timezone_id="UTC")
    context.set_default_timeout(15_000)
    pg = context.new_page()
    pg.errors = []  # type: ignore[attr-defined]
    pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))  # type: ignore[attr-defined]
    yield pg
    context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS
