"""`LiveFigure`: plotly's FigureWidget, with plotly's front-end code compiled once per page.

Every plotly `FigureWidget` carries plotly's whole front-end bundle (~5 MB of JavaScript) as its
anywidget module, and the page compiles it anew for each figure.  anywidget gives a widget 2 s
from its creation to finish that; past that it rejects the widget's model ("[anywidget] Failed to
initialize model.") and then drops every update the kernel sends to that figure.  A lab creates
three to five figures at once, so on a slow CPU (or a busy one) the figures stay blank.

A `LiveFigure` sends a small module instead, whose set-up returns at once (edits that arrive before
plotly is ready are kept and replayed), and which refits the figure whenever its box's width differs
from the width plotly drew at.  It also hears plotly's "drawn" reply, so a live view can hold back
redraws while the page is still drawing (`page_is_behind`).  The bundle travels once per kernel, in
the state of an invisible preloader widget; the page compiles it once per content key and every
figure reuses the compiled module, ready at once.  `preload()` creates the preloader ahead of any figure, so
even the first lab's figures find the bundle compiled: `import widgets` calls it after the first
cell that runs in a kernel.
"""

from __future__ import annotations

import functools
import hashlib
import time
from pathlib import Path

import anywidget
import plotly
import plotly.graph_objects as go
import traitlets

from .initlimit import RELAX_INIT_LIMIT

BUNDLE_PATH = Path(plotly.__file__).parent / "package_data" / "widgetbundle.js"
PAGE_PATIENCE = 5.0  # s to wait for a page to draw an update before sending the next one anyway

# Shared by both modules below: one compiled bundle per content key, kept on the page.  The code
# itself travels once, in the preloader's state; a figure names the preloader's model.  Both start
# with anywidget's longer load limit (see `initlimit`).
_COMPILE_ONCE = RELAX_INIT_LIMIT + r"""
const bundles = (globalThis.__workbookPlotlyBundles ??= new Map());
function compile(key, code) {
  const url = URL.createObjectURL(new Blob([code], { type: "text/javascript" }));
  const module = import(/* @vite-ignore */ url).finally(() => URL.revokeObjectURL(url));
  bundles.set(key, module);
  return module;
}
async function compiled(model) {
  const key = model.get("_bundle_key");
  if (bundles.has(key)) return bundles.get(key);
  const ref = model.get("_bundle_model");
  const source = ref ? await model.widget_manager.get_model(ref.slice("IPY_MODEL_".length)) : model;
  return bundles.get(key) ?? compile(key, source.get("_bundle"));
}
"""

# plotly's module exports a factory of {initialize, render}: one per figure, as anywidget does.
# Each figure also follows its box's size, which plotly's anywidget view does not.
# `initialize` returns at once, so anywidget's 2 s limit never meets the compile; the kernel's
# edits that arrive before plotly's own `initialize` has run (its "_py2js_*" messages) are kept and
# replayed to it in order, so none is lost.
_FIGURE_ESM = _COMPILE_ONCE + r"""
export default () => {
  let ready;
  return {
    initialize(context) {
      const { model } = context;
      const early = [];
      const keep = (backbone) => {
        for (const [key, value] of Object.entries(backbone.changed)) {
          if (key.startsWith("_py2js_") && value !== null) early.push([key, value]);
        }
      };
      model.on("change", keep);
      ready = compiled(model).then(async (module) => {
        const figure = module.default();
        await figure.initialize(context);
        model.off("change", keep);
        for (const [key, value] of early) {
          model.set(key, value);
          model.set(key, null);
        }
        return { figure, module };
      });
      ready.catch((error) => console.error("[workbook] plotly figure failed to load", error));
    },
    async render(context) {
      const { figure, module } = await ready;
      const cleanup = figure.render(context);
      // Fit the figure to its box whenever the box's width differs from the width plotly drew at
      // (a window resize; a notebook cell scrolled back into view after it was redrawn while out of
      // view, when plotly falls back to 700 px).  Checked once the size has settled: never a loop.
      const { el, model } = context;
      const fit = module.FigureView.prototype.autosizeFigure;
      let timer = null;
      const observer = new ResizeObserver(() => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          const now = el.clientWidth, drawn = el._fullLayout && el._fullLayout.width;
          if (now > 0 && drawn && Math.abs(now - drawn) > 2) fit.call({ model, el, _sendLayoutDelta() {} });
        }, 200);
      });
      observer.observe(el);
      return () => {
        clearTimeout(timer);
        observer.disconnect();
        if (typeof cleanup === "function") cleanup();
      };
    },
  };
};
"""

_PRELOAD_ESM = _COMPILE_ONCE + r"""
export default {
  initialize({ model }) {
    compiled(model).catch((error) => console.warn("plotly bundle preload failed", error));
  },
};
"""


@functools.lru_cache(maxsize=1)
def _bundle() -> tuple[str, str]:
    """plotly's front-end bundle and a key that changes with its content."""
    code = BUNDLE_PATH.read_text(encoding="utf-8")
    return code, hashlib.sha256(code.encode()).hexdigest()[:16]


def _bundle_key() -> str:
    return _bundle()[1]


class LiveFigure(go.FigureWidget):
    """A plotly FigureWidget (same Python API) whose front-end code the page compiles only once,
    and which knows whether the page has drawn what it was last sent (`page_is_behind`)."""

    _esm = _FIGURE_ESM
    _bundle_key = traitlets.Unicode().tag(sync=True)
    _bundle_model = traitlets.Unicode().tag(sync=True)  # "IPY_MODEL_<id>" of the preloader
    # What plotly's front end sends back once it has drawn an update, under this name (plotly.py
    # itself listens to `_js2py_layoutDelta`, so it never hears it): {"layout_edit_id": n, ...}.
    _js2py_widget_layoutDelta = traitlets.Dict(allow_none=True).tag(sync=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._drawn_edit = 0
        self._sent_at = 0.0

    @traitlets.observe("_js2py_widget_layoutDelta")
    def _note_drawn(self, change: dict) -> None:
        if change["new"]:
            self._drawn_edit = max(self._drawn_edit, int(change["new"].get("layout_edit_id") or 0))

    def note_sent(self) -> None:
        """Record that an update has just been sent (see `page_is_behind`)."""
        self._sent_at = time.perf_counter()

    def page_is_behind(self, patience: "float | None" = None) -> bool:
        """True while the page has not drawn the last update sent, for at most `patience` seconds
        (default `PAGE_PATIENCE`).

        A live view skips redraws while this holds, so a slow page draws the latest state instead
        of a growing queue of stale ones (each plotly update costs a slow page ~0.1-0.5 s).  A
        figure that no page has drawn yet (headless, as under nbval) is never behind; one whose page
        went away is waited for at most `patience` seconds per update.
        """
        patience = PAGE_PATIENCE if patience is None else patience
        return (0 < self._drawn_edit < self._last_layout_edit_id
                and time.perf_counter() - self._sent_at < patience)

    @traitlets.default("_bundle_key")
    def _default_bundle_key(self) -> str:
        return _bundle_key()

    @traitlets.default("_bundle_model")
    def _default_bundle_model(self) -> str:
        return "IPY_MODEL_" + preload().model_id


class _BundlePreloader(anywidget.AnyWidget):
    """An invisible widget that carries plotly's bundle and makes the page compile it early."""

    _esm = _PRELOAD_ESM
    _bundle = traitlets.Unicode().tag(sync=True)
    _bundle_key = traitlets.Unicode().tag(sync=True)

    @traitlets.default("_bundle")
    def _default_bundle(self) -> str:
        return _bundle()[0]

    @traitlets.default("_bundle_key")
    def _default_bundle_key(self) -> str:
        return _bundle_key()


_preloader: "_BundlePreloader | None" = None


def preload() -> _BundlePreloader:
    """Send plotly's bundle to the page now (once per kernel), so the first figure is ready at once."""
    global _preloader
    if _preloader is None or _preloader.comm is None:  # none yet, or closed by Widget.close_all()
        _preloader = _BundlePreloader()
    return _preloader
