"""Run in the kernel after a chapter's last cell: what every live figure on the page shows now.

A plotly `FigureWidget` sends its later edits as one-off messages, so the widget state that nbclient
records holds a figure as first displayed, not as the chapter left it.  The kernel still has the
figure objects; `publish_figures` displays their current data and layout under MIME_TYPE, keyed by
widget model id, for `execute` to read and remove.
"""

from __future__ import annotations

import json

MIME_TYPE = "application/vnd.workbook.figures+json"
CELL_SOURCE = "from widgets.site.snapshot import publish_figures\npublish_figures()"


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
