"""The lab's front end on its own, on one-lab notebooks the server fixture writes (so the lab is
tested in the browser independently of any chapter): a learner's session, the keyboard, an
axe-core audit, and projector mode.  Chapter 01's lab gets the same session and audit right after
that chapter's Run All (test_notebooks_in_browser.py).
"""

from __future__ import annotations

import os

import pytest

from lab_session import check_axe, check_keyboard, check_lab_session
from labdriver import PROJECTOR_LAB, PROJECTOR_SCREENSHOT, SCRATCH_LAB, layout_problems

pytestmark = pytest.mark.browser

# Font sizes (px) of the lab's text, control labels, buttons and figure text in projector mode.
FONT_SIZES = """(lab) => ({
  text: [...lab.querySelectorAll('.widget-label, .widget-html-content, button.jupyter-button, select')]
          .filter((e) => e.getBoundingClientRect().width > 0)
          .map((e) => parseFloat(getComputedStyle(e).fontSize)),
  figures: [...lab.querySelectorAll('.js-plotly-plot')]
          .map((p) => (p._fullLayout && p._fullLayout.font ? p._fullLayout.font.size : 0)),
})"""


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
