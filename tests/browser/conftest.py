"""Fixtures and hooks for the browser tests (JupyterLab + Debian's Chromium via Playwright).

Needs Chromium (Debian's /usr/bin/chromium, or the path in WORKBOOK_CHROMIUM: labdriver.CHROMIUM is
the one place that locates it) and Playwright for Python (`pip install -e .[dev]`); without them
every test here is skipped with that advice, and fails instead when CI=true.
Select or deselect these tests with `-m browser` / `-m "not browser"`.
Set WORKBOOK_UPDATE_DOCS_SCREENSHOT=1 to refresh docs/lab.png and docs/lab-projector.png (the README's screenshots).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Iterator

import pytest

from labdriver import (ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, CPU_THROTTLE, UI_TIMEOUT, VIEWPORT, ConsoleLog, JupyterServer,
                       NotebookPage, ServerError, missing_requirements)

HERE = Path(__file__).resolve().parent


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "browser: end-to-end test in JupyterLab + Chromium (needs /usr/bin/chromium and playwright)")


@pytest.fixture(scope="session", autouse=True)
def browser_requirements() -> None:
    """Skip when Chromium or Playwright is missing, with the fix; under CI (CI=true) fail instead,
    so that a CI run can never pass without its browser tests."""
    reason = missing_requirements()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true, and {reason}: the browser tests must run in CI", pytrace=False)
    pytest.skip(reason)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Keep each phase's report on the item, so the page fixture can screenshot a failure."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def jupyter_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterServer]:
    """One JupyterLab for the session, serving a temp copy of notebooks/ with its own settings."""
    server = JupyterServer(tmp_path_factory.mktemp("jupyterlab"))
    try:
        server.start()
    except ServerError as exc:
        pytest.fail(str(exc))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, launched by Playwright (whose own browser download is not used)."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def notebook(browser: Any, jupyter_server: JupyterServer, request: pytest.FixtureRequest) -> Iterator[NotebookPage]:
    """A fresh 1280x720 tab on the server, recording console errors; its kernels end afterwards."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    if CPU_THROTTLE > 1:
        context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": CPU_THROTTLE})
    page.set_default_timeout(UI_TIMEOUT)
    console = ConsoleLog()
    console.attach(page)
    try:
        yield NotebookPage(page, jupyter_server, console)
        failed = any(getattr(getattr(request.node, f"rep_{when}", None), "failed", False)
                     for when in ("setup", "call"))
        if failed:  # what the page looked like, for debugging (artifacts/ is gitignored)
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            safe_name = re.sub(r"[^\w.-]+", "_", request.node.name)
            page.screenshot(path=str(ARTIFACTS / f"FAILED-{safe_name}.png"))
    finally:
        context.close()
        jupyter_server.shutdown_kernels()
