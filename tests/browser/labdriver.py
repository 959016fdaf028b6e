"""Drive the workbook in JupyterLab + Chromium: start a server, open and run notebooks, read the page.

Used by conftest.py (fixtures) and the browser tests.  What a learner sees is what is tested: the
server is the project's own JupyterLab started from this interpreter, notebooks run in a real
kernel, and Playwright clicks the real menus and widgets at the 1280x720 viewport an instructor
projects at.

Everything the server writes (config, settings, workspaces, runtime files, the notebook-signing
key and the executed notebooks) lives in a temp folder holding a copy of notebooks/, so a run
never touches the repository's committed notebooks or the user's own Jupyter set-up.  Token
authentication stays on.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

from processes import free_port, terminate  # tests/support, on sys.path through the repository's conftest.py

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
README_SCREENSHOT = REPO / "docs" / "lab.png"
README_SCREENSHOT_MAX_BYTES = 300_000
CHROMIUM = Path(os.environ.get("WORKBOOK_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1280, "height": 720}  # what an instructor projects
# A slower machine, simulated: Chromium's CPU throttling factor (1 = none), and JupyterLab's notebook
# windowing ("full", its default: far cells are not in the DOM; or "none": every cell is rendered).
CPU_THROTTLE = float(os.environ.get("WORKBOOK_CPU_THROTTLE", "1"))
WINDOWING = os.environ.get("WORKBOOK_WINDOWING", "full")

SERVER_START_TIMEOUT = 180  # s; the machine is small and shared
NOTEBOOK_TIMEOUT = 900  # s for "Run All" of one chapter (~60-90 s when quiet, far slower under load)
UI_TIMEOUT = 90_000  # ms for the page to react (opening a notebook, starting a kernel, a click)

# The notebook shown in the main area (JupyterLab keeps other tabs in the DOM, hidden).
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
# A TrainingLab's top box: an output's widget holding a control grid and a Train button.
LAB = (f"{PANEL} .jp-OutputArea-output > .jupyter-widgets"
       ":has(> .widget-gridbox):has(button.jupyter-button:text-is('Train'))")

# A lab's status line: the first HTML widget directly inside the lab's box.
LAB_STATUS = ":scope > .widget-html .widget-html-content"

# Console errors that come neither from the workbook's widgets nor from plotly, as
# (regex, why it is harmless).  Anything else logged as an error fails the test.
CONSOLE_ERROR_ALLOW: list[tuple[str, str]] = [
    # none needed so far (JupyterLab 4.6, ipywidgets 8.1, anywidget 0.11, plotly 7.1, Chromium 156)
]

SCRATCH_LAB = "browser_test_lab.ipynb"  # written into the served copy, never into notebooks/
PROJECTOR_LAB = "browser_test_projector.ipynb"  # the same lab in projector mode
BUSY_PAGE_LAB = "browser_test_busy_page.ipynb"  # a lab made while the page is busy (test waits for BUSY_PAGE_GO)
BUSY_PAGE_GO = "busy-page-go"  # the file the test writes once the page is busy
PROJECTOR_SCREENSHOT = REPO / "docs" / "lab-projector.png"
SNAPSHOT_JS = Path(__file__).with_name("snapshot.js").read_text()


def missing_requirements() -> Optional[str]:
    """Why the browser tests cannot run here and how to fix it; None when they can."""
    missing = []
    if not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK)):
        missing.append(f"Chromium at {CHROMIUM} (Debian: apt-get update && apt-get install -y chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("Playwright for Python (pip install -e .[dev])")
    return ("browser tests need " + " and ".join(missing)) if missing else None


def chapter_notebooks() -> list[str]:
    """The chapter notebooks (NN_topic.ipynb) in notebooks/, as found when the tests are collected."""
    return sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def code_sources(path: Path) -> list[str]:
    """The source of every code cell of a notebook file, in order."""
    cells = json.loads(path.read_text())["cells"]
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in cells if c["cell_type"] == "code"]


def wait_until(condition: Callable[[], Any], timeout: float, interval: float = 0.5) -> Any:
    """Poll `condition` until it returns something truthy; returns that, or the last falsy value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


# -- the server -----------------------------------------------------------------------------------

def _write_scratch_labs(folder: Path) -> None:
    """One-lab notebooks, so TrainingLab is tested in the browser independently of any chapter: one
    that imports the workbook in the lab's own cell (its figures are the first the page sees, so
    plotly's code arrives with them), one in projector mode, trained once, and one whose lab is
    made only once the test has made the page busy (it waits for the file BUSY_PAGE_GO)."""
    import nbformat
    lab = ("lab = w.TrainingLab(w.RunConfig(epochs=30), controls=(\"activation\", \"depth\", \"learning_rate\", \"epochs\"))\n"
           "lab")
    wait_for_go = ("import time\nfrom pathlib import Path\n"
                   f"while not Path({BUSY_PAGE_GO!r}).exists():\n    time.sleep(0.1)")
    for name, cells in ((SCRATCH_LAB, ["import widgets as w\n" + lab]),
                        (PROJECTOR_LAB, ["import widgets as w\nw.presentation(True)", lab,
                                         "lab.run();  # trained, so the projector view shows real curves"]),
                        (BUSY_PAGE_LAB, ["import widgets as w\nimport keras  # TensorFlow loaded before the wait",
                                         wait_for_go, lab,
                                         "lab.code_view.show()\nlab.run();"])):
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                     "language": "python"}
        nb.cells = [nbformat.v4.new_markdown_cell("# TrainingLab in the browser (written by tests/browser)"),
                    *map(nbformat.v4.new_code_cell, cells)]
        nbformat.write(nb, folder / name)


def _complete_json(path: Path) -> Optional[str]:
    """The file's text once it parses as JSON (a save may still be under way)."""
    text = path.read_text()
    try:
        json.loads(text)
    except ValueError:
        return None
    return text


class ServerError(RuntimeError):
    """JupyterLab did not start or answer."""


@dataclass
class JupyterServer:
    """A JupyterLab serving a temp copy of notebooks/ (plus the scratch lab) with its own settings."""

    base: Path
    url: str = ""
    token: str = ""
    process: Optional[subprocess.Popen] = None

    @property
    def root(self) -> Path:
        return self.base / "notebooks"

    @property
    def log(self) -> Path:
        return self.base / "jupyterlab.log"

    def start(self) -> "JupyterServer":
        shutil.copytree(NOTEBOOKS, self.root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        _write_scratch_labs(self.root)
        dirs = {name: self.base / name for name in ("config", "data", "runtime", "workspaces",
                                                    "app-settings", "user-settings", "ipython")}
        for folder in dirs.values():
            folder.mkdir()
        (dirs["app-settings"] / "overrides.json").write_text(json.dumps({
            # The news pop-up ("Would you like to receive official Jupyter news?") can cover the page.
            "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
            # No autosave: every test opens the notebook as committed.  A saved copy would carry
            # outputs pointing at widgets of a dead kernel ("widget model not found").
            "@jupyterlab/docmanager-extension:plugin": {"autosave": False},
            "@jupyterlab/notebook-extension:tracker": {"windowingMode": WINDOWING},
        }))
        env = dict(os.environ, JUPYTER_CONFIG_DIR=str(dirs["config"]), JUPYTER_DATA_DIR=str(dirs["data"]),
                   JUPYTER_RUNTIME_DIR=str(dirs["runtime"]), JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]),
                   JUPYTERLAB_SETTINGS_DIR=str(dirs["user-settings"]), IPYTHONDIR=str(dirs["ipython"]),
                   PYTHONUNBUFFERED="1")
        port, self.token = free_port(), secrets.token_hex(24)
        self.url = f"http://127.0.0.1:{port}"
        command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
                   f"--port={port}", "--ServerApp.port_retries=0", f"--ServerApp.root_dir={self.root}",
                   f"--IdentityProvider.token={self.token}",
                   f"--LabApp.app_settings_dir={dirs['app-settings']}",
                   f"--LabApp.user_settings_dir={dirs['user-settings']}",
                   f"--LabApp.workspaces_dir={dirs['workspaces']}",
                   # no calls to the internet from the server or the page
                   "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                   "--LabApp.extension_manager=readonly",
                   # window.jupyterapp, to scroll a windowed notebook to a cell (NotebookPage.scroll_to)
                   "--LabApp.expose_app_in_browser=True"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")
        with open(self.log, "w") as log_file:
            self.process = subprocess.Popen(command, cwd=self.root, env=env, stdout=log_file,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise ServerError(f"JupyterLab exited with code {self.process.returncode}:\n{self.log_tail()}")
            try:
                self.api("GET", "/api/status")
                return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    self.stop()
                    raise ServerError(f"JupyterLab did not answer within {SERVER_START_TIMEOUT} s:\n"
                                      f"{self.log_tail()}") from None
                time.sleep(0.5)

    def stop(self) -> None:
        """Shut every kernel down, then the server (SIGKILL to its process group if it hangs)."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            self.shutdown_kernels()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass  # the server is stopped below either way
        terminate(self.process)

    def lab_url(self, notebook: str) -> str:
        return f"{self.url}/lab/tree/{notebook}?reset&token={self.token}"

    def api(self, method: str, path: str) -> Any:
        request = urllib.request.Request(f"{self.url}{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """End every session and kernel (frees the shared cores between notebooks)."""
        for session in self.api("GET", "/api/sessions"):
            self.api("DELETE", f"/api/sessions/{session['id']}")
        for kernel in self.api("GET", "/api/kernels"):
            self.api("DELETE", f"/api/kernels/{kernel['id']}")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


# -- the page -------------------------------------------------------------------------------------

@dataclass
class ConsoleLog:
    """Errors the page reported: console.error messages and uncaught exceptions, minus the allow-list."""

    errors: list[str] = field(default_factory=list)

    def record(self, kind: str, text: str, location: str = "") -> None:
        if any(re.search(pattern, text) for pattern, _why in CONSOLE_ERROR_ALLOW):
            return
        self.errors.append(f"{kind}: {text}" + (f" (at {location})" if location else ""))

    def attach(self, page: Any) -> None:
        def on_console(message: Any) -> None:
            if message.type == "error":
                where = message.location or {}
                self.record("console.error", message.text, f"{where.get('url', '')}:{where.get('lineNumber', '')}")
        page.on("console", on_console)
        page.on("pageerror", lambda exc: self.record("uncaught exception", str(exc)))


class NotebookPage:
    """One notebook open in JupyterLab, with the actions and readings the tests need."""

    def __init__(self, page: Any, server: JupyterServer, console: ConsoleLog):
        self.page = page
        self.server = server
        self.console = console
        self.name = ""

    # -- actions ------------------------------------------------------------------------------
    def open(self, name: str) -> "NotebookPage":
        """Open `name` in a fresh layout (?reset) and wait for its kernel to be idle."""
        self.name = name
        self.page.goto(self.server.lab_url(name))
        self.page.wait_for_selector(f"{PANEL} .jp-Cell", timeout=UI_TIMEOUT)
        self.page.wait_for_function(  # the status bar reads "Python 3 (ipykernel) | Idle"
            "() => [...document.querySelectorAll('.jp-StatusBar-Item')]"
            ".some(e => /\\|\\s*Idle\\s*$/.test(e.innerText))", timeout=UI_TIMEOUT)
        self.page.wait_for_selector(f"{PANEL} .jp-Notebook-ExecutionIndicator[data-status='idle']",
                                    timeout=UI_TIMEOUT)
        self.fail_on_dialog()
        return self

    def fail_on_dialog(self) -> None:
        dialog = self.page.query_selector(".jp-Dialog")
        if dialog is not None:
            raise AssertionError(f"{self.name}: JupyterLab shows a dialog a learner would have to answer: "
                                 f"{dialog.inner_text()!r}")

    def menu(self, menu: str, item: str) -> None:
        """Click a menu of the menu bar, then one of its items, as a learner does."""
        self.page.click(f".lm-MenuBar-itemLabel:text-is('{menu}')")
        self.page.click(f".lm-Menu-itemLabel:text-is('{item}')")

    def prompts(self) -> list[str]:
        """Each code cell's prompt: '' (not run), '*' (queued or running) or its execution count."""
        return self.page.evaluate(
            f"""() => [...document.querySelectorAll('{PANEL} .jp-CodeCell .jp-InputArea-prompt')]
                   .map(e => (e.textContent.match(/\\[(.*)\\]/) || [, ''])[1].trim())""")

    def kernel_idle(self) -> bool:
        return self.page.query_selector(
            f"{PANEL} .jp-Notebook-ExecutionIndicator[data-status='idle']") is not None

    def run_cells(self, menu_item: str, until: Optional[int] = None,
                  timeout: float = NOTEBOOK_TIMEOUT) -> float:
        """Run cells with a Run-menu item; wait until code cells [0, until) all show a count.

        Returns the seconds taken.  Fails early when the kernel is idle, nothing is queued and an
        error is shown (JupyterLab's Run All stops at the first error), with the error's text.
        """
        start = time.monotonic()
        self.start_run(menu_item)
        self.wait_for_cells(until, timeout - (time.monotonic() - start))
        return time.monotonic() - start

    def start_run(self, menu_item: str = "Run All Cells") -> None:
        """Choose a Run-menu item and wait until a cell shows it has started (without waiting for the end)."""
        self.menu("Run", menu_item)
        self._wait_for_start(menu_item)

    def wait_for_cells(self, until: Optional[int] = None, timeout: float = NOTEBOOK_TIMEOUT) -> None:
        """Wait until code cells [0, until) all show a count (see `run_cells`)."""
        start = time.monotonic()
        idle_with_error = 0
        while True:
            states = self.prompts()[:until]
            idle = self.kernel_idle()
            if idle and all(s.isdigit() for s in states):
                return
            if idle and "*" not in states and self.error_outputs():
                idle_with_error += 1
                if idle_with_error >= 3:
                    raise AssertionError(f"{self.name}: execution stopped at an error:\n{self.error_report()}")
            else:
                idle_with_error = 0
            if time.monotonic() - start > timeout:
                raise AssertionError(f"{self.name}: cells not finished after {timeout} s; prompts {states}\n"
                                     f"server log:\n{self.server.log_tail()}")
            time.sleep(1.0)

    def _wait_for_start(self, menu_item: str) -> None:
        # Right after a server starts, the first execution request was sometimes lost (NOTES.md):
        # if no prompt shows [*] or a count within 30 s, ask once more.
        for attempt in range(2):
            try:
                self.page.wait_for_function(
                    f"""() => [...document.querySelectorAll('{PANEL} .jp-CodeCell .jp-InputArea-prompt')]
                           .some(e => /\\[(\\*|\\d+)\\]/.test(e.textContent))""", timeout=30_000)
                return
            except Exception:
                self.fail_on_dialog()
                if attempt == 1:
                    raise
                self.menu("Run", menu_item)

    def run_all(self) -> float:
        """Run > Run All Cells, then wait for every code cell to finish; returns the seconds taken."""
        return self.run_cells("Run All Cells")

    def run_through(self, index: int) -> float:
        """Run code cells 0..index (0-based) as a learner reaching that cell would; returns seconds."""
        cell = self.page.locator(f"{PANEL} .jp-CodeCell").nth(index)
        cell.scroll_into_view_if_needed()
        cell.locator(".jp-InputArea-prompt").click()  # selects the cell (command mode)
        seconds = self.run_cells("Run All Above Selected Cell", until=index) if index else 0.0
        return seconds + self.run_cells("Run Selected Cell and Do not Advance", until=index + 1)

    def scroll_to(self, element: Any) -> None:
        """Bring `element` (a locator inside a cell) into view and wait until it is drawn and its
        cell's figures fit their boxes (at most 5 s).

        JupyterLab's windowed notebook does not lay out cells out of view, so such an element has no
        size, and neither Playwright nor the DOM can scroll to it: the notebook is asked to.
        """
        element.evaluate("""async (el) => {
            const notebook = window.jupyterapp.shell.currentWidget.content;
            const index = notebook.widgets.findIndex((cell) => cell.node === el.closest('.jp-Cell'));
            notebook.activeCellIndex = index;
            await notebook.scrollToItem(index, 'start');
        }""")
        element.wait_for(state="visible")
        element.scroll_into_view_if_needed()
        try:  # a figure redrawn while out of view was drawn 700 px wide; in view a narrower box refits it
            element.evaluate("""(el) => new Promise((resolve, reject) => {
                const fits = () => [...el.closest('.jp-Cell').querySelectorAll('.js-plotly-plot')].every(
                    (p) => !p._fullLayout || p.clientWidth === 0 || p._fullLayout.width <= p.clientWidth + 2);
                const started = performance.now();
                const poll = () => fits() ? resolve() : performance.now() - started > 5000 ? reject() : setTimeout(poll, 50);
                poll();
            })""")
        except Exception:
            pass  # the layout checks report a figure that still does not fit

    def save(self) -> dict:
        """Save the notebook (Ctrl+S, as a learner does) and return the file JupyterLab wrote."""
        path = self.server.root / self.name
        before = path.stat().st_mtime_ns
        self.page.locator(f"{PANEL} .jp-Notebook").first.focus()
        self.page.keyboard.press("Control+s")
        if not wait_until(lambda: path.stat().st_mtime_ns != before, 60):
            raise AssertionError(f"{self.name}: Ctrl+S did not save the notebook within 60 s")
        self.fail_on_dialog()
        return json.loads(wait_until(lambda: _complete_json(path), 30))

    # -- readings -----------------------------------------------------------------------------
    def snapshot(self) -> dict:
        """Outputs, plots, labs and layout of the visible notebook, read in one pass (snapshot.js)."""
        return self.page.evaluate(SNAPSHOT_JS, PANEL)

    def settled_snapshot(self, timeout: float = 60) -> dict:
        """A snapshot once widgets have rendered and every plot with data has drawn it (or timeout)."""
        def settled() -> Optional[dict]:
            snap = self.snapshot()
            pending = [o for o in snap["outputs"] if o["widgetProblem"]]
            undrawn = [p for p in snap["plots"] if not p["hasSvg"] or (p["tracesWithData"] and not p["drawn"])]
            return None if pending or undrawn else snap
        return wait_until(settled, timeout) or self.snapshot()

    def error_outputs(self) -> list[dict]:
        return [o for o in self.snapshot()["outputs"] if o["error"]]

    def error_report(self) -> str:
        return "\n".join(f"--- code cell {o['cell']} ({o['source']!r}):\n{o['text'][-1500:]}"
                         for o in self.error_outputs())

    def labs(self) -> Any:
        return self.page.locator(LAB)

    def screenshot(self, locator: Any, name: str) -> bytes:
        """Screenshot of one whole element, also saved as tests/browser/artifacts/<name>.

        JupyterLab scrolls the notebook inside a fixed-size panel, so an element taller than the
        window would be cut off: the window is made taller (same width, so the same layout) for
        the shot and then set back.
        """
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        height = int(locator.bounding_box()["height"]) + 250
        try:
            if height > VIEWPORT["height"]:
                self.page.set_viewport_size({"width": VIEWPORT["width"], "height": height})
                self.page.wait_for_timeout(500)  # let plotly react to the resize
            locator.scroll_into_view_if_needed()
            return locator.screenshot(path=str(ARTIFACTS / name), animations="disabled")
        finally:
            self.page.set_viewport_size(VIEWPORT)

    def downscaled_png(self, png: bytes, width: int) -> bytes:
        """`png` scaled down to `width` pixels wide by the browser's canvas (no imaging library)."""
        data_url = self.page.evaluate(
            """async ([b64, width]) => {
                 const blob = await (await fetch('data:image/png;base64,' + b64)).blob();
                 const image = await createImageBitmap(blob);
                 const scale = Math.min(1, width / image.width);
                 const canvas = document.createElement('canvas');
                 canvas.width = Math.round(image.width * scale);
                 canvas.height = Math.round(image.height * scale);
                 const context = canvas.getContext('2d');
                 context.imageSmoothingQuality = 'high';
                 context.drawImage(image, 0, 0, canvas.width, canvas.height);
                 return canvas.toDataURL('image/png');
               }""", [base64.b64encode(png).decode(), width])
        return base64.b64decode(data_url.split(",", 1)[1])


def layout_problems(snap: dict) -> list[str]:
    """What would make a learner scroll sideways or miss part of a figure at this viewport.

    The page, the notebook or a lab's output scrolling horizontally; a lab, or a control or
    figure inside it, ending past the viewport or the lab's edge; a figure with data drawn wider
    than its box (plotly draws at a fixed pixel size, and the box clips the rest).
    """
    problems = []
    layout = snap["layout"]
    for what in ("document", "notebook"):
        box = layout[what]
        if box["scrollWidth"] > box["clientWidth"]:
            problems.append(f"the {what} scrolls horizontally: scrollWidth {box['scrollWidth']} > "
                            f"clientWidth {box['clientWidth']}")
    for lab in snap["labs"]:
        where = f"lab in code cell {lab['cell']}"
        if lab["rect"]["right"] > layout["viewportWidth"]:
            problems.append(f"{where} ends at x={lab['rect']['right']:.0f}, beyond the "
                            f"{layout['viewportWidth']} px viewport")
        if lab["widestChildRight"] > lab["rect"]["right"] + 1:
            problems.append(f"{where}: a control or figure ends at x={lab['widestChildRight']:.0f}, "
                            f"past the lab's right edge {lab['rect']['right']:.0f}")
        if lab["output"]["scrollWidth"] > lab["output"]["clientWidth"]:
            problems.append(f"{where}: its output area scrolls horizontally ({lab['output']['scrollWidth']} > "
                            f"{lab['output']['clientWidth']} px)")
    for plot in snap["plots"]:
        if plot["tracesWithData"] and plot["drawnRight"] > plot["box"]["right"] + 1:
            problems.append(f"figure {plot['title']!r} (code cell {plot['cell']}) is drawn "
                            f"{plot['drawnRight'] - plot['box']['left']:.0f} px wide in a "
                            f"{plot['box']['width']:.0f} px box: its right part is cut off")
    return problems
