"""`Panel`: what every lab shares, so that all of them look and behave alike.

A panel has a grid of controls, a preset menu, a status line, a "Show Keras code" toggle and
figures.  Controls that do not apply to the current settings are disabled, with a tooltip saying
why; presets are whole scenarios (applied over the settings the lab was opened with, so what came
before never matters); moving several controls from code redraws once ("muted" updates); and a lab
claims the notebook cell that made it: re-running the cell closes the old lab and frees its
widgets.  Subclasses say what their settings are (`values`, `set`), which are ignored
(`ignored`), and what to do when they change (`changed`).
"""

from __future__ import annotations

import contextlib
import html
import re
import weakref
from typing import Any, Callable, Iterator, Mapping, Optional

import ipywidgets as ipw

from . import projector
from .a11y import slider_names
from .codeview import CodeView
from .livefigures import restyle

PRESET_PROMPT = "presets: set several controls at once…"
_PANELS_BY_CELL: "weakref.WeakValueDictionary[str, Panel]" = weakref.WeakValueDictionary()


def current_cell_id() -> Optional[str]:
    """The JupyterLab cell that is executing (None outside JupyterLab, e.g. under nbval)."""
    try:
        from IPython import get_ipython
        kernel = getattr(get_ipython(), "kernel", None)
        return kernel.get_parent().get("metadata", {}).get("cellId") if kernel else None
    except Exception:
        return None


def close_tree(widget: ipw.Widget) -> None:
    """Close a widget, its children and their layouts and styles: each of those is a widget that
    ipywidgets keeps alive until it is closed (~40 per lab would pile up on every re-run cell)."""
    for child in getattr(widget, "children", ()):
        close_tree(child)
    for part in (getattr(widget, "layout", None), getattr(widget, "style", None)):
        if isinstance(part, ipw.Widget):  # a FigureWidget's layout is plotly's, not a widget
            part.close()
    widget.close()


def claim_cell(panel: "Panel") -> None:
    """Re-running the cell that made a lab replaces it: the old one stops and frees its widgets."""
    cell = current_cell_id()
    if cell is None:
        return
    old = _PANELS_BY_CELL.get(cell)
    if old is not None and old is not panel:
        old.close()
    _PANELS_BY_CELL[cell] = panel


def status_html(text: str, error: bool = False) -> str:
    """A status line's HTML: `text` (already escaped) in red for an error."""
    colour = "#b00020" if error else "#333"
    return f'<div role="status" style="font-size:1.15em;color:{colour};padding:4px 0">{text}</div>'


class Panel:
    """The shared frame of a lab: controls grid, presets, status line, Keras code and lifetime.

    controls: name -> widget; each needs a `description` (its visible label) and gets a tooltip.
    presets: name -> values given to `set`, over the values the lab opened with.
    code: a function returning the plain Keras of the current settings.
    """

    preset_hint = "press Train."  # what the status line suggests after a preset

    def __init__(self, controls: Mapping[str, ipw.Widget], presets: Mapping[str, Mapping[str, Any]],
                 code: Callable[[], str], columns: int = 3):
        self.controls = dict(controls)
        self.presets = {name: dict(values) for name, values in presets.items()}
        self._tooltips = {name: c.tooltip or c.description for name, c in self.controls.items()}
        self._mute_depth = 0
        self._busy = False
        self.status = ipw.HTML(status_html("Ready."))
        self.preset_menu = ipw.Dropdown(
            options=[(PRESET_PROMPT, PRESET_PROMPT)] + [(n, n) for n in self.presets], value=PRESET_PROMPT,
            description="presets", tooltip="each preset is a whole scenario: it sets every control",
            layout=ipw.Layout(width="auto", max_width="100%", display=None if self.presets else "none"))
        self.preset_menu.observe(self._on_preset, names="value")
        self.code_view = CodeView(code)
        self.controls_grid = ipw.GridBox(list(self.controls.values()), layout=ipw.Layout(
            grid_template_columns=f"repeat(auto-fill, minmax(max(300px, calc(100% / {columns} - 16px)), 1fr))",
            grid_gap="4px 16px", width="100%"))
        self.controls_grid.add_class("wb-controls")
        self._style = ipw.HTML()  # projector mode's stylesheet, while it is on
        self._slider_names = slider_names()  # accessible names for the slider knobs
        for control in self.controls.values():
            control.observe(self._on_control, names="value")
        self._opened_with: dict[str, Any] = {}

    # -- building ------------------------------------------------------------------------------
    def _frame(self, buttons: list, middle: list, figures: list) -> ipw.VBox:
        """Lay the lab out: controls, a row of buttons and presets, status, `middle`, code, figures.

        Call at the end of a subclass's __init__: it also records the values the lab opened with
        (presets apply over them), greys out what does not apply and claims the notebook cell.
        """
        toolbar = ipw.HBox([*buttons, self.preset_menu],
                           layout=ipw.Layout(flex_flow="row wrap", gap="6px", width="100%"))
        # The stylesheet last: the status line stays the lab's first HTML child (the browser tests read it).
        self.widget = ipw.VBox([self.controls_grid, toolbar, self.status, *middle, self.code_view, *figures,
                                self._style, self._slider_names], layout=ipw.Layout(width="100%", max_width="1200px"))
        self.widget.add_class("wb-lab")
        self._opened_with = self.values()
        self._refresh_controls()
        projector.register(self)
        if projector.is_on():
            self.present(True)
        claim_cell(self)
        return self.widget

    def _ipython_display_(self) -> None:
        from IPython.display import display
        display(self.widget)

    # -- what subclasses define ----------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        """Every setting of the lab, as `set` takes them."""
        return {name: control.value for name, control in self.controls.items()}

    def set(self, **values: Any) -> "Panel":
        raise NotImplementedError

    def ignored(self) -> dict[str, str]:
        """Controls that do not apply to the current settings, each with the reason."""
        return {}

    def changed(self) -> None:
        """Called once after the learner (or `set`) changed the settings."""

    def live_figures(self) -> list:
        """The lab's live figures (projector mode restyles them)."""
        return []

    # -- settings ------------------------------------------------------------------------------
    @contextlib.contextmanager
    def muted(self) -> Iterator[None]:
        """Move several controls without a redraw per move; one redraw follows at the end."""
        self._mute_depth += 1
        try:
            yield
        finally:
            self._mute_depth -= 1
        if not self._mute_depth:
            self._after_change()

    def _on_control(self, _change: Any) -> None:
        if not self._mute_depth:
            self._after_change()

    def _after_change(self) -> None:
        self._refresh_controls()
        self.code_view.refresh()
        self.changed()

    def _refresh_controls(self) -> None:
        """Disable what does not apply (or everything while busy); tooltips say why."""
        reasons = self.ignored()
        for name, control in self.controls.items():
            reason = reasons.get(name)
            control.disabled = self._busy or reason is not None
            control.tooltip = f"not used now: {reason}" if reason else self._tooltips[name]

    def set_busy(self, busy: bool) -> None:
        """While busy (e.g. training), every control and the preset menu are disabled."""
        self._busy = busy
        self.preset_menu.disabled = busy
        self._refresh_controls()

    # -- presets -------------------------------------------------------------------------------
    def preset_values(self, name: str) -> dict[str, Any]:
        """What a preset sets: the values the lab opened with, with the preset's laid over them."""
        if name not in self.presets:
            raise ValueError(f"Unknown preset {name!r}; presets: " + ", ".join(map(repr, self.presets)))
        return {**self._opened_with, **self.presets[name]}

    def apply_preset(self, name: str) -> "Panel":
        """Set the whole scenario a preset describes (the same whatever was set before)."""
        return self.set(**self.preset_values(name))

    def _on_preset(self, change: Mapping[str, Any]) -> None:
        if change["new"] == PRESET_PROMPT:
            return
        try:
            self.apply_preset(change["new"])
            self.show(f"Preset “{html.escape(change['new'])}” applied: {self.preset_hint}")
        except ValueError as exc:
            self.show(html.escape(str(exc)), error=True)
        self.preset_menu.value = PRESET_PROMPT

    # -- status --------------------------------------------------------------------------------
    def show(self, text: str, error: bool = False) -> None:
        """Put `text` (HTML, already escaped) on the status line."""
        self.status.value = status_html(text, error)

    @property
    def status_text(self) -> str:
        """The status line as plain text."""
        return html.unescape(re.sub(r"<[^>]+>", "", self.status.value))

    # -- projector mode and lifetime -----------------------------------------------------------
    def present(self, on: bool) -> None:
        """Switch this lab's projector mode (see `projector.presentation`)."""
        self._style.value = f"<style>{projector.CSS}</style>" if on else ""
        (self.widget.add_class if on else self.widget.remove_class)(projector.CSS_CLASS)
        for figure in self.live_figures():
            restyle(figure)

    def close(self) -> None:
        """Free every widget of the lab (called when its cell is re-run)."""
        close_tree(self.widget)
