"""Live figures of a lab: one way to show a new figure in a widget already on the page.

`update_live` is what every lab calls to redraw; `placeholder` is an empty figure waiting for the
first result.  `TrainingFigures` is `TrainingLab`'s set of figures with its pinned runs.
"""

from __future__ import annotations

from typing import Any, Iterable, Optional

import numpy as np
import plotly.graph_objects as go

from . import plots
from .livefigure import LiveFigure
from .training import Run

_DATA_KEYS = ("x", "y", "z", "text", "source", "name")  # what changes from one redraw to the next


def _signature(trace: Any) -> tuple:
    """What must match for a trace to be updated in place: its kind and its look."""
    return tuple(trace[key] if key in trace else None
                 for key in ("type", "opacity", "showlegend", "mode", "xaxis", "yaxis", "legendgroup"))


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(np.array_equal(np.asarray(a, dtype=object), np.asarray(b, dtype=object)))
    except Exception:
        return False


# Layout the live figure sets for itself (see `placeholder`), not part of any figure it shows:
# `update_live` never resets it.
_WIDGET_OWN_LAYOUT = frozenset({"autosize"})


def update_live(widget: LiveFigure, fig: go.Figure) -> None:
    """Make a live figure show `fig`, as one front-end update.

    While the traces keep their kind and look (every epoch of a run, every slider move), only the
    data that changed and the changed layout are sent: re-validating every property costs more than
    drawing the new points, and an unchanged 120x120 contour need not travel again.  Layout that
    the previous figure had and `fig` lacks is reset, except the widget's own sizing.
    """
    layout = fig.layout.to_plotly_json()
    with widget.batch_update():
        if [_signature(t) for t in widget.data] == [_signature(t) for t in fig.data]:
            for live, new in zip(widget.data, fig.data):
                changed = {key: new[key] for key in _DATA_KEYS
                           if key in new and new[key] is not None and not _same(live[key], new[key])}
                if changed:
                    live.update(changed)
        else:
            widget.data = ()
            widget.add_traces(list(fig.data))
        previous = getattr(widget, "_copied_layout", {})
        changed = {key: value for key, value in layout.items() if previous.get(key) != value}
        changed.update({key: None for key in previous if key not in layout and key not in _WIDGET_OWN_LAYOUT})
        if changed:
            widget.layout.update(changed, overwrite=True)
        widget._copied_layout = layout
    widget.note_sent()


def placeholder(title: str, x: str = "", y: str = "") -> LiveFigure:
    """An empty live figure with a title that says what to press; it fills its box's width."""
    widget = LiveFigure()
    update_live(widget, plots.style(go.Figure(), title, x, y))
    # The widget is drawn before it is on the page, so plotly falls back to 700 px wide; with
    # autosize set, every redraw re-measures the box (plotly.py issue #5208).
    widget.layout.autosize = True
    return widget


def restyle(widget: LiveFigure) -> None:
    """Apply the current mode's fonts (see `projector`) to a figure already on the page."""
    with widget.batch_update():
        widget.layout.update(plots.font_layout())
        for annotation in widget.layout.annotations:
            annotation.font.size = plots.font_layout()["font"]["size"]
    widget._copied_layout = widget.layout.to_plotly_json()


FIGURES = tuple(plots.LAB_FIGURES)
_HALF_WIDTH = {"histogram", "norms"}  # drawn side by side
MAX_PINNED = 3


class TrainingFigures:
    """The live figures of a training lab, redrawn from a `Run`, and the runs pinned on the curves."""

    def __init__(self, names: Iterable[str]):
        names = tuple(names)
        unknown = [f for f in names if f not in FIGURES]
        if unknown:
            raise ValueError(f"TrainingLab(figures): unknown figure(s) {unknown}; allowed: {', '.join(FIGURES)}")
        self.figures: dict[str, LiveFigure] = {n: placeholder(f"{n}: press Train", "epoch") for n in names}
        self.pinned: list[Run] = []

    def rows(self) -> list:
        """The figures as rows of the lab: wide ones alone, the half-width ones side by side."""
        import ipywidgets as ipw
        rows: list = []
        halves = [w for n, w in self.figures.items() if n in _HALF_WIDTH]
        for name, widget in self.figures.items():
            if name not in _HALF_WIDTH:
                rows.append(widget)
            elif widget is halves[0]:
                # VBox, not Box: a figure in a row-flex Box is sized by its content and plotly
                # falls back to 700 px (overflowing the lab); a column stretches it to the half.
                # The row wraps, so a narrow screen shows them one above the other.
                rows.append(ipw.HBox([ipw.VBox([h], layout=ipw.Layout(flex="1 1 420px", min_width="0"))
                                      for h in halves], layout=ipw.Layout(width="100%", flex_flow="row wrap")))
        return rows

    def redraw(self, run: Run) -> None:
        """Redraw every figure that `run` has something for."""
        for name, widget in self.figures.items():
            if name == "boundary" and (run.dataset.n_features != 2 or run.dataset.task != "binary"):
                continue
            if run.epochs_done == 0 and name != "curves":
                continue
            update_live(widget, plots.lab_figure(name, run, self.pinned))

    def page_is_behind(self) -> bool:
        """True while the page is still drawing an earlier redraw of any figure."""
        return any(widget.page_is_behind() for widget in self.figures.values())

    def pin(self, run: Run) -> None:
        """Keep `run` as a faded reference on the learning curves (the oldest of MAX_PINNED goes)."""
        if run not in self.pinned:
            self.pinned = (self.pinned + [run])[-MAX_PINNED:]
        self._redraw_curves(run)

    def clear_pins(self, last: Optional[Run]) -> None:
        self.pinned = []
        if last is not None:
            self._redraw_curves(last)

    def _redraw_curves(self, run: Run) -> None:
        if "curves" in self.figures:
            update_live(self.figures["curves"], plots.curves_figure(run, self.pinned))
