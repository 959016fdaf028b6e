"""The static course site, built by its README command and read in Chromium with no network.

The module builds chapters 00 and 01 (01 with its precomputed lab; 00's lab shown as its last figures,
which keeps 27 more training runs out of the test command) into a temporary folder,
starting from a copy of the repository's build cache when there is one (.site-cache/: then only what
changed is executed or trained; from an empty cache this takes a few minutes).  In the whole test
run, the build takes both chapters as nbval executed them (tests/support/kept_executions.py), so no
chapter is executed a third time; run alone, this module's build executes them.  The build runs in a
process of its own under the suite's offline guard.  Every page is opened from file://, and every
request that is not a local file is blocked and counted: none may be attempted.

Checked: the index and each chapter load without console errors; every figure is drawn by plotly
with data; chapter links lead to the built pages; moving a precomputed lab's control swaps in that
grid cell's runs (the figures' data, the summary and the Keras code, compared with the cell's own
data); the controls work from the keyboard; axe-core finds no serious or critical problem.

To check a site built before (every chapter, say) instead of building 00 and 01, point WORKBOOK_SITE
at its folder: `WORKBOOK_SITE=_site pytest -n 0 tests/browser/test_site_in_browser.py` runs the same
checks on each of its chapters and on each of its precomputed labs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import nbformat
import pytest

import kept_executions
from lab_session import axe_audit
from labdriver import REPO, UI_TIMEOUT, VIEWPORT, ConsoleLog
from widgets.site import execute

pytestmark = pytest.mark.browser

CHAPTERS = tuple(name[:2] for name in kept_executions.KEPT)
PRECOMPUTED = ("01",)
# Where each lab of the test build starts: the config of the chapter's lab cell (widgets/site/grids.py).
STARTS = {"01": "sigmoid|glorot_uniform|8"}
SITE_UNDER_TEST = Path(os.environ["WORKBOOK_SITE"]).resolve() if os.environ.get("WORKBOOK_SITE") else None


def _numbers(pattern: str) -> tuple[str, ...]:
    return tuple(sorted({p.name[:2] for p in SITE_UNDER_TEST.glob(pattern)}))


# The chapters and the precomputed labs checked: the test build's, or those of the site under test.
BUILT = _numbers("[0-9][0-9]_*.html") if SITE_UNDER_TEST else CHAPTERS
LABS = _numbers("data/[0-9][0-9]_*-lab.js") if SITE_UNDER_TEST else PRECOMPUTED
BUILD_TIMEOUT = 1800  # s: from an empty cache, two chapters executed and 36 runs trained on a loaded 2-core machine
REPO_CACHE = REPO / ".site-cache"

# Every figure box: drawn by plotly (an SVG), and how many values its traces hold as plotly drew them
# (_fullData: arrays that travel base64-encoded in the JSON are decoded there).
FIGURES_JS = """() => [...document.querySelectorAll('.site-figure')].map((box) => ({
    id: box.id, label: box.getAttribute('aria-label'), svg: !!box.querySelector('.main-svg'),
    values: (box._fullData || []).reduce((n, t) => n + ['x', 'y', 'z', 'source', 'dimensions'].reduce((m, k) => m + ((t[k] || []).length || 0), 0), 0),
}))"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Chapters 00 and 01 (01's lab precomputed) built by `python -m widgets.site build` into a
    temporary folder (or the site WORKBOOK_SITE names)."""
    if SITE_UNDER_TEST:
        assert (SITE_UNDER_TEST / "index.html").is_file(), f"WORKBOOK_SITE={SITE_UNDER_TEST}: no index.html there"
        return SITE_UNDER_TEST
    base = tmp_path_factory.mktemp("site")
    cache = base / "cache"
    if REPO_CACHE.is_dir():  # read the maintainer's cache, never write to it (the run must leave no files)
        shutil.copytree(REPO_CACHE, cache)
    kept = [p for p in map(kept_executions.path, kept_executions.KEPT) if p is not None and p.is_file()]
    for path in kept:  # nbval's executions of this run, in the build cache's form
        execute.store(REPO / "notebooks" / path.name, nbformat.read(path, as_version=4), cache)
    out = base / "out"
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "widgets.site", "build", "--chapters", *CHAPTERS,
                           "--labs", *PRECOMPUTED, "--out", str(out), "--cache", str(cache)],
                          cwd=REPO, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    print(f"site build of chapters {', '.join(CHAPTERS)}: {time.monotonic() - start:.0f} s "
          f"({'with' if REPO_CACHE.is_dir() else 'without'} the repository's cache; "
          f"nbval's execution of {', '.join(p.name for p in kept) or 'no chapter'} reused)\n{done.stdout[-2000:]}")
    assert done.returncode == 0, f"the site build failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    if len(kept) == len(kept_executions.KEPT):
        assert "chapters executed: none" in done.stdout, (
            f"the build executed chapters although nbval's executions of them were given:\n{done.stdout[-2000:]}")
    return out


class OfflinePage:
    """A page opened from file:// with every other request blocked and recorded, and its console errors."""

    def __init__(self, browser: Any):
        self.context = browser.new_context(viewport=VIEWPORT)
        self.blocked: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.set_default_timeout(UI_TIMEOUT)
        self.page.on("request", self._request)
        self.console = ConsoleLog()
        self.console.attach(self.page)

    def _route(self, route: Any) -> None:
        if route.request.url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def _request(self, request: Any) -> None:
        # Requests that bypass routing (if any) are caught here: only local files may be asked for.
        if not request.url.startswith(("file:", "data:", "blob:")) and request.url not in self.blocked:
            self.blocked.append(request.url)

    def open(self, path: Path) -> "OfflinePage":
        self.page.goto(path.as_uri())
        self.page.wait_for_load_state("load")
        return self

    def figures(self) -> list[dict]:
        """Each figure box once every box is drawn (or after the UI timeout: then as it is)."""
        try:
            self.page.wait_for_function(f"() => ({FIGURES_JS})().every((f) => f.svg)", timeout=UI_TIMEOUT)
        except Exception:  # noqa: BLE001 (Playwright's TimeoutError): the assertions below say what is missing
            pass
        return self.page.evaluate(FIGURES_JS)

    def check_clean(self, name: str) -> None:
        assert not self.console.errors, f"{name}: browser console errors:\n" + "\n".join(self.console.errors)
        assert not self.blocked, f"{name}: the page asked for {len(self.blocked)} non-local resources: {self.blocked[:5]}"

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def offline(browser: Any) -> Iterator[OfflinePage]:
    page = OfflinePage(browser)
    try:
        yield page
    finally:
        page.close()


def _chapter_pages(site: Path) -> list[Path]:
    return sorted(site.glob("[0-9][0-9]_*.html"))


def test_index_lists_and_links_every_built_chapter(site, offline):
    offline.open(site / "index.html")
    links = offline.page.eval_on_selector_all(".site-chapters a", "as => as.map(a => a.getAttribute('href'))")
    assert links == [p.name for p in _chapter_pages(site)] and len(links) == len(BUILT), (
        f"the index links {links}; built: {[p.name for p in _chapter_pages(site)]}")
    assert "precomputed lab" in offline.page.inner_text(".site-chapters"), "the index does not say which lab is precomputed"
    offline.check_clean("index.html")


@pytest.mark.parametrize("number", BUILT)
def test_chapter_page_shows_prose_code_outputs_and_every_figure(site, offline, number):
    page_path = next(site.glob(f"{number}_*.html"))
    offline.open(page_path)
    page = offline.page
    figures = offline.figures()
    assert figures, f"{page_path.name}: no figure on the page"
    undrawn = [f["label"] for f in figures if not f["svg"]]
    assert not undrawn, f"{page_path.name}: plotly did not draw {len(undrawn)} of {len(figures)} figures: {undrawn}"
    empty = [f["label"] for f in figures if f["values"] == 0]
    assert not empty, f"{page_path.name}: figures drawn without data: {empty}"
    print(f"{page_path.name}: {len(figures)} figures drawn with data")
    assert page.locator(".jp-MarkdownCell h1").count() == 1, f"{page_path.name}: the chapter's title is missing"
    assert page.locator(".jp-CodeCell .jp-InputArea").count() > 5, f"{page_path.name}: code cells are missing"
    assert page.locator(".jp-OutputArea-output").count() > 5, f"{page_path.name}: outputs are missing"
    assert page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'] .ansi-red-fg, "
                        ".jp-OutputArea-output.jp-OutputArea-executeResult .ansi-red-intense-fg").count() == 0
    if number == "01":  # its prose has inline math, converted to MathML at build time
        assert page.locator(".jp-MarkdownCell math").count() > 3, f"{page_path.name}: math is not rendered as MathML"
    # navigation: the other built chapter is one link away, and a chapter link in the prose is rewritten to its page
    hrefs = page.eval_on_selector_all(".site-header a", "as => as.map(a => a.getAttribute('href'))")
    assert "index.html" in hrefs and all((site / h).exists() for h in hrefs), f"{page_path.name}: navigation {hrefs}"
    others = {p.name for p in _chapter_pages(site)} - {page_path.name}
    assert not others or any(h in others for h in hrefs), f"{page_path.name}: no link to another chapter"
    offline.check_clean(page_path.name)


# What the lab shows and what its current grid cell holds.  The figures are compared as plotly drew
# them (_fullData, where base64-encoded arrays are decoded): the cell's own figure is drawn in a
# scratch box for the expected values.
LAB_STATE_JS = """async (lab) => {
    const run = window.workbookLabs[lab.dataset.lab].runs[lab.dataset.runKey];
    const plain = (v) => (v == null ? null : ArrayBuffer.isView(v) || Array.isArray(v) ? Array.from(v, plain) : v);
    const values = (box) => box._fullData.map((t) => JSON.stringify(['x', 'y', 'z'].map((k) => plain(t[k]))));
    const expected = async (figure) => {
        const scratch = document.createElement('div');
        document.body.appendChild(scratch);
        await Plotly.newPlot(scratch, JSON.parse(JSON.stringify(figure.data)), JSON.parse(JSON.stringify(figure.layout)));
        const out = values(scratch);
        Plotly.purge(scratch);
        scratch.remove();
        return out;
    };
    const figures = [];
    for (const box of lab.querySelectorAll('[data-figure]')) {
        figures.push({name: box.dataset.figure, svg: !!box.querySelector('.main-svg'), drawn: values(box),
                      expected: await expected(run.figures[box.dataset.figure])});
    }
    return {
        key: lab.dataset.runKey,
        controls: [...lab.querySelectorAll('select[data-field]')].map((s) => s.value).join('|'),
        figures,
        status: lab.querySelector('.site-lab-status').textContent, expectedStatus: run.summary,
        code: lab.querySelector('.site-lab-code').textContent, expectedCode: run.code,
    };
}"""


def _lab_shows_its_cell(state: dict, where: str) -> None:
    assert state["key"] == state["controls"], f"{where}: the lab shows run {state['key']}, its controls say {state['controls']}"
    for figure in state["figures"]:
        assert figure["svg"], f"{where}: figure {figure['name']} is not drawn"
        assert figure["drawn"] == figure["expected"], f"{where}: figure {figure['name']} does not show run {state['key']}'s data"
    assert state["status"] == state["expectedStatus"], f"{where}: status {state['status']!r}"
    assert state["code"] == state["expectedCode"], f"{where}: the Keras code is not run {state['key']}'s"


def _open_lab(site: Path, offline: OfflinePage, number: str) -> Any:
    offline.open(next(site.glob(f"{number}_*.html")))
    offline.figures()
    lab = offline.page.locator(".site-lab")
    assert lab.count() == 1, f"chapter {number}'s precomputed lab is missing"
    note = lab.locator(".site-lab-note").inner_text()
    assert "Precomputed runs" in note and "JupyterLab" in note, f"the lab does not say its runs are precomputed: {note!r}"
    return lab


def _wait_for_key(offline: OfflinePage, lab: Any, key: str) -> dict:
    offline.page.wait_for_function("([lab, key]) => lab.dataset.runKey === key", arg=[lab.element_handle(), key],
                                   timeout=UI_TIMEOUT)
    return lab.evaluate(LAB_STATE_JS)


def _controls(lab: Any) -> list[dict]:
    """Each control of the lab: its field, label, options and selected value, in order."""
    return lab.evaluate("""(lab) => [...lab.querySelectorAll('select[data-field]')].map((s) => ({
        field: s.dataset.field, value: s.value, options: [...s.options].map((o) => o.value),
        label: (lab.querySelector(`label[for="${s.id}"]`) || {}).textContent || ''}))""")


def _next(control: dict) -> str:
    """The option after the selected one (after the last: the first)."""
    options = control["options"]
    return options[(options.index(control["value"]) + 1) % len(options)]


@pytest.mark.parametrize("number", LABS)
def test_precomputed_lab_swaps_in_each_grid_cells_runs(site, offline, number):
    lab = _open_lab(site, offline, number)
    start = lab.evaluate(LAB_STATE_JS)
    if number in STARTS and not SITE_UNDER_TEST:
        assert start["key"] == STARTS[number], f"the lab starts at {start['key']}, not the chapter lab's settings"
    _lab_shows_its_cell(start, "at the start")
    controls = _controls(lab)
    assert len(controls) >= 2 and all(c["label"].strip() and len(c["options"]) >= 2 for c in controls), controls
    values = [c["value"] for c in controls]
    for i, control in enumerate(controls):  # move every control once: each step is another grid cell
        values[i] = _next(control)
        lab.locator(f"select[data-field='{control['field']}']").select_option(values[i])
        state = _wait_for_key(offline, lab, "|".join(values))
        _lab_shows_its_cell(state, f"chapter {number}, after choosing {control['field']} = {values[i]}")
    changed = [f["name"] for f, g in zip(start["figures"], state["figures"]) if f["drawn"] != g["drawn"]]
    assert changed == [f["name"] for f in start["figures"]], f"figures that did not change with the run: {changed}"
    offline.check_clean(f"{number} lab")


@pytest.mark.parametrize("number", LABS)
def test_precomputed_lab_works_from_the_keyboard(site, offline, number):
    lab = _open_lab(site, offline, number)
    page = offline.page
    controls = _controls(lab)
    focused = "() => document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.field || '' : ''"
    for _ in range(300):  # Tab from the top of the page to the lab's first control
        page.keyboard.press("Tab")
        if page.evaluate(focused) == controls[0]["field"]:
            break
    values = [c["value"] for c in controls]
    for i, control in enumerate(controls[:2]):
        if i:
            page.keyboard.press("Tab")
        assert page.evaluate(focused) == control["field"], f"Tab does not reach the lab's control {control['field']}"
        options = control["options"]
        down = options.index(control["value"]) + 1 < len(options)  # ArrowDown at the last option stays
        page.keyboard.press("ArrowDown" if down else "ArrowUp")
        values[i] = options[options.index(control["value"]) + (1 if down else -1)]
        _lab_shows_its_cell(_wait_for_key(offline, lab, "|".join(values)),
                            f"chapter {number}, after {'ArrowDown' if down else 'ArrowUp'} on {control['field']}")
    offline.check_clean(f"{number} lab, keyboard")


@pytest.mark.parametrize("number", ("index",) + LABS)
def test_site_pages_pass_axe(site, offline, number):
    name = "index.html" if number == "index" else next(site.glob(f"{number}_*.html")).name
    offline.open(site / name)
    offline.figures()
    counts, bad = axe_audit(offline.page, file_page=True)
    print(f"{name}: axe-core violations by impact: {counts or 'none'}")
    assert not bad, f"{name}: axe-core finds serious or critical problems:\n" + "\n".join(bad)
    offline.check_clean(name)
