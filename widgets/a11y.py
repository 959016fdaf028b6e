"""Accessible names for what ipywidgets leaves unnamed inside a lab.

ipywidgets draws a slider's knob as a `role="slider"` element with no accessible name, so a screen
reader announces "slider, 3" without saying which, and axe-core reports it as a serious problem.
`SliderNames` is an invisible widget a lab carries: on the page it gives every slider knob in its
lab the slider's visible label as its name, once they are drawn.
"""

from __future__ import annotations

import functools

import ipywidgets as ipw

from .initlimit import RELAX_INIT_LIMIT

_ESM = RELAX_INIT_LIMIT + r"""
function nameKnobs(lab) {
  for (const slider of lab.querySelectorAll(".widget-slider")) {
    const label = slider.querySelector(".widget-label");
    const name = label ? label.textContent.trim() : "";
    for (const knob of slider.querySelectorAll('[role="slider"]')) {
      if (name && knob.getAttribute("aria-label") !== name) knob.setAttribute("aria-label", name);
    }
  }
}

export default {
  render({ el }) {
    // Name the knobs once they are drawn (checked every 100 ms for 5 s); no observer stays behind.
    let tries = 0, timer = null;
    const attach = () => {
      const lab = el.closest(".wb-lab");
      if (lab) nameKnobs(lab);
      const named = lab && lab.querySelectorAll('[role="slider"]:not([aria-label])').length === 0
                    && lab.querySelector('[role="slider"]');
      if (!named && tries++ < 50) timer = setTimeout(attach, 100);
    };
    attach();
    return () => clearTimeout(timer);
  },
};
"""


@functools.lru_cache(maxsize=None)
def _widget_class() -> type:
    import anywidget

    class SliderNames(anywidget.AnyWidget):
        """Names the slider knobs of the lab it sits in (see the module's docstring)."""

        _esm = _ESM

    return SliderNames


def slider_names() -> ipw.Widget:
    """A new invisible widget that names the slider knobs of the lab it is put in."""
    return _widget_class()(layout=ipw.Layout(display="none"))
