"""Every chapter notebook, run with Run > Run All Cells in JupyterLab in Chromium, shows what it should.

Per chapter: every code cell finishes with an execution count; no cell shows an error (a traceback
or an exception message on stderr; warnings on stderr are reported as pytest warnings, not
failures); every widget renders; every plotly figure is drawn, with marks for each figure that
has data; every TrainingLab shows its labelled controls, its buttons, a status line and its
figures; at 1280x720 nothing makes the page, the notebook or a lab scroll sideways; the
browser console logged no errors; and, saved, every cell shows the same text, numbers and figure
data as nbval's execution of the chapter in this run ("Restart and Run All" gives the same numbers
twice).  Chapter 01's first lab then gets a learner's session and an axe-core audit (lab_session.py)
on the same page.
New chapters are picked up when the tests are collected.

Set WORKBOOK_CPU_THROTTLE (e.g. 4) to run the pages on a CPU that many times slower, and
WORKBOOK_WINDOWING=none to render every cell (JupyterLab's default, "full", skips cells out of view).
"""

from __future__ import annotations

import warnings

import pytest

import notebook_outputs
from lab_session import CHAPTER_01, check_axe, check_lab_session
from labdriver import chapter_notebooks, code_sources, layout_problems

pytestmark = pytest.mark.browser

LAB_BUTTONS = ("Train", "Stop", "Pin run", "Clear pins")


@pytest.mark.parametrize("name", chapter_notebooks())
def test_chapter_runs_in_jupyterlab(notebook, name):
    sources = code_sources(notebook.server.root / name)  # the copy being served, as opened
    notebook.open(name)
    seconds = notebook.run_all()
    snap = notebook.settled_snapshot()

    assert snap["codeCells"] == len(sources), (
        f"{name}: the page shows {snap['codeCells']} code cells, the file has {len(sources)}")
    errors = [o for o in snap["outputs"] if o["error"]]
    assert not errors, f"{name}: cells show errors:\n" + notebook.error_report()
    assert not notebook.console.errors, f"{name}: browser console errors:\n" + "\n".join(notebook.console.errors)
    for noisy in (o for o in snap["outputs"] if o["stderr"] and not o["error"]):
        warnings.warn(f"{name}, code cell {noisy['cell']} ({noisy['source']!r}) writes to stderr: "
                      f"{noisy['text'][:300]!r}", stacklevel=1)
    broken = [o for o in snap["outputs"] if o["widgetProblem"]]
    assert not broken, f"{name}: widgets not rendered: " + "; ".join(
        f"code cell {o['cell']} ({o['source']!r})" for o in broken)

    for plot in snap["plots"]:
        where = f"{name}, code cell {plot['cell']} ({plot['source']!r}), figure {plot['title']!r}"
        assert plot["hasSvg"], f"{where}: plotly did not draw the figure (no .main-svg)"
        if plot["tracesWithData"]:
            assert plot["drawn"] > 0, f"{where}: {plot['tracesWithData']} traces have data but none is drawn"

    expected_labs = sum("TrainingLab(" in s for s in sources)
    assert len(snap["labs"]) >= expected_labs, (
        f"{name}: {expected_labs} cell(s) create a TrainingLab, {len(snap['labs'])} lab(s) are shown")
    problems = []
    for index in range(notebook.labs().count()):  # each lab in view, as it is seen
        notebook.scroll_to(notebook.labs().nth(index))
        view = notebook.settled_snapshot()
        lab = min((lab for lab in view["labs"] if lab["rect"]["height"] > 0), key=lambda lab: abs(lab["rect"]["top"]))
        where = f"{name}, lab in code cell {lab['cell']}"
        assert lab["controls"], f"{where}: no controls shown"
        hidden = [c["label"] for c in lab["controls"] if not c["visible"] or not c["label"]]
        assert not hidden, f"{where}: controls without a label or size: {hidden}"
        assert set(LAB_BUTTONS) <= set(lab["buttons"]), f"{where}: buttons {lab['buttons']}, expected {LAB_BUTTONS}"
        assert lab["status"], f"{where}: empty status line"
        assert not lab["status"].startswith(("Training failed", "Cannot train")), f"{where}: {lab['status']}"
        assert lab["figures"] >= 1, f"{where}: no figures"
        problems += layout_problems(view)
    if not snap["labs"]:
        problems += layout_problems(snap)
    assert not problems, f"{name} at 1280x720:\n" + "\n".join(sorted(set(problems)))

    print(f"{name}: Run All took {seconds:.0f} s in the browser")

    saved = [notebook_outputs.comparable(c["outputs"]) for c in notebook.save()["cells"] if c["cell_type"] == "code"]
    expected = notebook_outputs.recorded(name)
    if expected is None:
        warnings.warn(f"{name}: nbval did not run this chapter in this session, so its outputs were not "
                      "compared with the browser's", stacklevel=1)
    else:
        differ = [i for i, (a, b) in enumerate(zip(expected, saved)) if a != b]
        assert len(expected) == len(saved) and not differ, (
            f"{name}: the browser's Run All and nbval's execution differ in code cell(s) {differ}:\n"
            + "\n".join(f"cell {i}:\n  nbval:   {expected[i]!r:.600}\n  browser: {saved[i]!r:.600}" for i in differ[:3]))

    if name == CHAPTER_01:
        check_lab_session(notebook, name, notebook.labs().first)
        check_axe(notebook, name, notebook.labs().first)
