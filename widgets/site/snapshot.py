"""Run in the kernel after a chapter's last cell: what every live figure on the page shows now, and,
for a runner that does not record widget messages itself, every open widget's state.

A plotly `FigureWidget` sends its later edits as one-off messages, so the widget state that nbclient
records holds a figure as first displayed, not as the chapter left it.  The kernel still has the
figure objects; `publish_figures` displays their current data and layout under MIME_TYPE, keyed by
widget model id, for `execute` to read and remove.  nbclient records the widget state from the
kernel's messages; nbval (which executes the chapters in the test run) does not, so
`publish_widget_state` displays it from the kernel's own widgets (`execute.assemble` takes it).
"""

from __future__ import annotations

import json

MIME_TYPE = "application/vnd.workbook.figures+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
CELL_SOURCE = "from widgets.site.snapshot import publish_figures\npublish_figures()"
STATE_SOURCE = "from widgets.site.snapshot import publish_widget_state\npublish_widget_state()"
# Widget state keys that hold front-end code (~5 MB per plotly widget) or a figure's first data,
# which the page never needs: the figures come from `publish_figures`.
FRONT_END_CODE = ("_esm", "_css", "_bundle", "_widget_data", "_widget_layout")


def publish_figures() -> None:
    """Display {model id: plotly figure JSON} of every open FigureWidget in this kernel."""
    import gc

    import plotly.basewidget
    import plotly.io as pio
    from IPython.display import display

    # ipywidgets keeps its registry of open widgets private, so the figures are found as objects;
    # a closed one has no model id any more (and its output shows nothing in JupyterLab either).
    figures = {obj.comm.comm_id: json.loads(pio.to_json(obj, validate=False)) for obj in gc.get_objects()
               if isinstance(obj, plotly.basewidget.BaseFigureWidget) and getattr(obj, "comm", None) is not None}
    display({MIME_TYPE: figures}, raw=True)


def publish_widget_state() -> None:
    """Display the state of every open widget, as a notebook's metadata.widgets keeps it, without
    front-end code."""
    from IPython.display import display
    from ipywidgets import Widget

    state = Widget.get_manager_state()
    for model in state["state"].values():
        drop_front_end_code(model)
    display({WIDGET_STATE: state}, raw=True)


def drop_front_end_code(model: dict) -> None:
    """Remove FRONT_END_CODE from one widget model of a widget state, in place."""
    for key in FRONT_END_CODE:
        model.get("state", {}).pop(key, None)
