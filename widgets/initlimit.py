"""Give the workbook's anywidgets time to load on a busy page.

anywidget (0.9-0.11) allows a widget's front-end module 2 s of wall-clock time, counted from the
moment the page creates the widget's model, to load; past that it marks the model failed for good
("[anywidget] Failed to initialize model."), and every later update from the kernel to that widget
is dropped: a live figure freezes, a code panel stays stale.  Loading a module takes a few
milliseconds of work, but it waits in the page's task queue behind whatever else the page is doing.
On a slow CPU, a Run All that draws other cells' figures keeps that queue busy for 10 s and more
(measured on a 4x-throttled Chromium: the two widgets created after a lab's three figures waited
13 s), so the 2 s limit fails widgets whose code is fine.

`RELAX_INIT_LIMIT` is a JavaScript snippet that lengthens that one limit to `INIT_LIMIT_S` for the
rest of the page's life: only a 2 s timeout asked for by anywidget's own code (checked on the call's
stack), nothing else.  A module that really fails to load is still reported, after the longer limit.
The first anywidget a page loads cannot lengthen its own limit, so `show_on_page()` runs the snippet
as a script in the output of the cell that imports the workbook, before any widget exists (JupyterLab
runs scripts in the outputs of cells run in this session, and drops them from untrusted notebooks
without a word).  Every workbook widget module also starts with the snippet, for front ends that do
not run output scripts, and for a page reloaded while the kernel runs on (`import widgets` is not
run again there): the first widget module to load then protects the ones after it.
"""

from __future__ import annotations

INIT_LIMIT_S = 60

RELAX_INIT_LIMIT = r"""
if (!globalThis.__workbookInitLimit) {
  globalThis.__workbookInitLimit = true;
  const timeout = AbortSignal.timeout.bind(AbortSignal);
  AbortSignal.timeout = (ms) =>
    timeout(ms === 2000 && /\/anywidget\//.test(new Error().stack || "") ? %d : ms);
}
""" % (INIT_LIMIT_S * 1000)


def show_on_page() -> None:
    """Run `RELAX_INIT_LIMIT` on the page that shows the current cell (nothing visible)."""
    from IPython.display import display
    display({"text/html": f"<script>{RELAX_INIT_LIMIT}</script>"}, raw=True)
