"""A displayed widget as static HTML, from the widget state nbclient recorded and the kernel's figures.

Without a kernel no control can act, so a lab's controls become a line of its settings (what it was
run with), buttons are left out, HTML and labels keep their text, boxes keep their layout, output
widgets keep their outputs, and every figure is drawn from the data the kernel last gave it.
"""

from __future__ import annotations

import html
import logging
from typing import Any, Callable, Mapping

from ..panel import PRESET_PROMPT
from .figures import figure_html, has_data

log = logging.getLogger(__name__)

MODEL_REF = "IPY_MODEL_"
_BOXES = {"VBoxModel": "site-vbox", "HBoxModel": "site-hbox", "BoxModel": "site-vbox", "GridBoxModel": "site-grid"}
_SELECTIONS = {"DropdownModel", "RadioButtonsModel", "ToggleButtonsModel", "SelectModel", "SelectionSliderModel"}
_VALUES = {"IntSliderModel", "FloatSliderModel", "FloatLogSliderModel", "IntTextModel", "FloatTextModel",
           "BoundedIntTextModel", "BoundedFloatTextModel", "CheckboxModel", "TextModel", "IntRangeSliderModel",
           "FloatRangeSliderModel"}
_SILENT = {"ButtonModel", "ToggleButtonModel", "LayoutModel"}  # nothing to show without a kernel
_FIGURE_IDS = {"widgets.livefigure.LiveFigure"}


class StaticWidgets:
    """Renders widget models to HTML.

    state: model id -> {"model_name", "state", ...} (a notebook's metadata.widgets state).
    figures: model id -> plotly figure JSON (what `snapshot.publish_figures` reported).
    render_outputs: turns an output widget's list of outputs into HTML (the page's own renderer).
    """

    def __init__(self, state: Mapping[str, Any], figures: Mapping[str, Any],
                 render_outputs: Callable[[list], str]):
        self.state, self.figures, self.render_outputs = state, figures, render_outputs
        self.unknown: set[str] = set()

    def render(self, model_id: str) -> str:
        """HTML of the widget `model_id` and everything inside it ('' for what shows nothing)."""
        model_id = model_id[len(MODEL_REF):] if model_id.startswith(MODEL_REF) else model_id
        if model_id in self.figures:  # an empty one waits for a Train click, which cannot come here
            return figure_html(self.figures[model_id]) if has_data(self.figures[model_id]) else ""
        model = self.state.get(model_id)
        if model is None:  # closed before the chapter ended: JupyterLab shows nothing either
            return ""
        name, state = model["model_name"], model["state"]
        if self._hidden(state):
            return ""
        if name in _BOXES:
            inner = "".join(self.render(child) for child in state.get("children", []))
            return f'<div class="{_BOXES[name]}">{inner}</div>' if inner else ""
        if name in ("HTMLModel", "HTMLMathModel"):
            return f'<div class="site-html">{state.get("value", "")}</div>' if state.get("value") else ""
        if name == "LabelModel":
            return f'<span class="site-label">{html.escape(str(state.get("value", "")))}</span>'
        if name == "OutputModel":
            return self.render_outputs(state.get("outputs", []))
        if name in _SELECTIONS:
            return self._setting(state, self._selected_label(state))
        if name in _VALUES:
            return self._setting(state, state.get("value"))
        if name in _SILENT or name == "AnyModel":
            if name == "AnyModel" and state.get("_anywidget_id") in _FIGURE_IDS:
                log.warning("figure %s has no snapshot; drawn blank", model_id)
            return ""
        self.unknown.add(name)
        return ""

    def _hidden(self, state: Mapping[str, Any]) -> bool:
        layout = self.state.get(str(state.get("layout", "")).removeprefix(MODEL_REF), {}).get("state", {})
        return layout.get("display") == "none" or layout.get("visibility") == "hidden"

    @staticmethod
    def _selected_label(state: Mapping[str, Any]) -> Any:
        labels, index = state.get("_options_labels", []), state.get("index")
        return labels[index] if isinstance(index, int) and 0 <= index < len(labels) else None

    @staticmethod
    def _setting(state: Mapping[str, Any], value: Any) -> str:
        """One setting as read-only text; a prompt ("presets: …") or an unanswered choice shows nothing."""
        if value is None or value == PRESET_PROMPT:
            return ""
        name = html.escape(str(state.get("description") or "setting"))
        return (f'<span class="site-setting"><span class="site-setting-name">{name}</span> '
                f'{html.escape(str(value))}</span>')
