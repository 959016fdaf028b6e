"""The lab's front end on its own, on one-lab notebooks the server fixture writes (so the lab is
tested in the browser independently of any chapter): a learner's session, the keyboard, an
axe-core audit, projector mode, and a lab made while the page is too busy to load it within
anywidget's own limit.  Chapter 01's lab gets the same session and audit right after
that chapter's Run All (test_notebooks_in_browser.py).
"""

from __future__ import annotations

import os

import pytest

from lab_session import check_axe, check_keyboard, check_lab_session
from labdriver import (BUSY_PAGE_GO, BUSY_PAGE_LAB, PROJECTOR_LAB, PROJECTOR_SCREENSHOT, SCRATCH_LAB,
                       layout_problems, wait_until)

pytestmark = pytest.mark.browser

# Font sizes (px) of the lab's text, control labels, buttons and figure text in projector mode.
FONT_SIZES = """(lab) => ({
  text: [...lab.querySelectorAll('.widget-label, .widget-html-content, button.jupyter-button, select')]
          .filter((e) => e.getBoundingClientRect().width > 0)
          .map((e) => parseFloat(getComputedStyle(e).fontSize)),
  figures: [...lab.querySelectorAll('.js-plotly-plot')]
          .map((p) => (p._fullLayout && p._fullLayout.font ? p._fullLayout.font.size : 0)),
})"""

# Keep the page's main thread busy, in tasks of `chunk` ms with a gap between them, as a slow CPU
# drawing other cells' figures does (plotly's bundle is compiled first, as in a chapter): until a lab
# has appeared and `seconds` more have passed, and at most 120 s.
BUSY_PAGE = """async ([seconds, chunk]) => {
  await Promise.all([...(globalThis.__workbookPlotlyBundles || new Map()).values()]);
  let until = performance.now() + 120000, labSeen = false;
  const channel = new MessageChannel();  // a message task waits its turn like the page's own work
  channel.port1.onmessage = () => {
    const end = performance.now() + chunk;
    while (performance.now() < end) {}
    if (!labSeen && document.querySelector('.wb-lab')) {
      labSeen = true;
      until = Math.min(until, performance.now() + 1000 * seconds);
    }
    if (performance.now() < until) channel.port2.postMessage(null);
  };
  channel.port2.postMessage(null);
}"""
# Per plotly figure in the lab, the longest trace's number of points.
TRACE_LENGTHS = """(lab) => [...lab.querySelectorAll('.js-plotly-plot')]
  .map((p) => Math.max(0, ...(p.data || []).map((t) => (t.x ? t.x.length : 0))))"""


def test_lab_trains_live_stops_and_pins(notebook):
    notebook.open(SCRATCH_LAB)
    notebook.run_all()
    check_lab_session(notebook, SCRATCH_LAB, notebook.labs().first)


def test_lab_works_from_the_keyboard_and_passes_axe(notebook):
    notebook.open(SCRATCH_LAB)
    notebook.run_all()
    lab = notebook.labs().first
    notebook.scroll_to(lab)
    check_keyboard(notebook, SCRATCH_LAB, lab)
    check_axe(notebook, SCRATCH_LAB, lab)
    assert not notebook.console.errors, "browser console errors:\n" + "\n".join(notebook.console.errors)


def test_projector_mode_is_large_and_still_fits_1280x720(notebook):
    notebook.open(PROJECTOR_LAB)
    notebook.run_all()
    lab = notebook.labs().first
    notebook.scroll_to(lab)
    snap = notebook.settled_snapshot()
    sizes = notebook.page.evaluate(FONT_SIZES, lab.element_handle())
    small = sorted({s for s in sizes["text"] if s < 18})
    assert sizes["text"] and not small, f"projector mode leaves text smaller than 18 px: {small}"
    assert sizes["figures"] and min(sizes["figures"]) >= 18, f"figure fonts in projector mode: {sizes['figures']}"
    problems = layout_problems(snap)
    assert not problems, "projector mode at 1280x720:\n" + "\n".join(problems)
    png = notebook.screenshot(lab, "lab-projector.png")
    if os.environ.get("WORKBOOK_UPDATE_DOCS_SCREENSHOT") == "1":
        PROJECTOR_SCREENSHOT.write_bytes(notebook.downscaled_png(png, 1000))
    assert not notebook.console.errors, "browser console errors:\n" + "\n".join(notebook.console.errors)


def test_a_lab_made_while_the_page_is_busy_still_draws_every_update(notebook):
    """anywidget fails a widget whose module is not loaded 2 s after the page made its model; a busy
    page (a slow CPU drawing other cells' figures) used to lose a lab's widgets that way, and every
    later update to them.  Here the page is kept busy in 2.5 s tasks while the kernel makes a lab, until
    10 s after the lab appeared; its training must still reach every figure and its code panel, with
    no console error."""
    go = notebook.server.root / BUSY_PAGE_GO
    go.unlink(missing_ok=True)
    notebook.open(BUSY_PAGE_LAB)
    try:  # (a kernel still waiting for the file is shut down with the page)
        notebook.start_run()
        notebook.page.wait_for_function("() => globalThis.__workbookPlotlyBundles?.size > 0", timeout=120_000)
        notebook.page.evaluate(BUSY_PAGE, [10, 2500])
        go.touch()
        notebook.wait_for_cells()
    finally:
        go.unlink(missing_ok=True)
    lab = notebook.labs().first
    notebook.scroll_to(lab)
    seen: list = []

    def finished() -> bool:  # the curves reach epoch 30 (31 points) and no figure is left empty
        seen[:] = notebook.page.evaluate(TRACE_LENGTHS, lab.element_handle())
        return len(seen) >= 3 and min(seen) > 1 and max(seen) >= 31

    assert wait_until(finished, timeout=60), (
        f"the lab's figures never showed the finished 30-epoch run: points per figure {seen}")
    code = lab.locator(".wcv-code").inner_text()
    assert "keras" in code, f"the code panel did not receive the lab's code: {code[:200]!r}"
    assert not notebook.console.errors, "browser console errors:\n" + "\n".join(notebook.console.errors)
