"""Accessible names for what ipywidgets leaves unnamed inside a lab.

ipywidgets draws a slider's knob as a `role="slider"` element with no accessible name, so a screen
reader announces "slider, 3" without saying which, and axe-core reports it as a serious problem.
`SliderNames` is an invisible widget a lab carries: on the page it gives every slider knob in its
lab the slider's visible label as its name, also for sliders drawn later.
"""

from __future__ import annotations

import functools

import ipywidgets as ipw

_ESM = r"""
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
    let observer, tries = 0;
    const attach = () => {
      const lab = el.closest(".wb-lab");
      if (!lab) {
        if (tries++ < 100) setTimeout(attach, 100);  // not on the page yet
        return;
      }
      nameKnobs(lab);
      observer = new MutationObserver(() => nameKnobs(lab));
      observer.observe(lab, { childList: true, subtree: true });
    };
    attach();
    return () => observer && observer.disconnect();
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
