"""A plotly figure as static HTML: an empty box and its figure JSON, drawn on load by assets/site.js.

The box is labelled with the figure's title (role="figure": plotly puts its own buttons inside), so a
screen reader names every figure; the
JSON sits in a <script type="application/json"> next to it, escaped so no text ends the script early.
"""

from __future__ import annotations

import html
import itertools
import json
import re
from typing import Any

_ids = itertools.count(1)


def figure_title(figure: dict[str, Any]) -> str:
    """The figure's title as plain text ("figure" when it has none)."""
    title = (figure.get("layout") or {}).get("title") or {}
    text = title.get("text", "") if isinstance(title, dict) else str(title)
    return " ".join(re.sub(r"<[^>]+>", " ", text).split()) or "figure"


def has_data(figure: dict[str, Any]) -> bool:
    """True if some trace of the figure has values to draw (a lab's "press Train" placeholder has none)."""
    return any(trace.get(axis) is not None and len(trace[axis]) > 0
               for trace in figure.get("data", []) for axis in ("x", "y", "z", "values", "source", "dimensions"))


def script_json(value: Any) -> str:
    """JSON safe inside a <script> element: '<', '>' and '&' escaped as \\u sequences."""
    text = json.dumps(value, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def figure_html(figure: dict[str, Any], role: str = "") -> str:
    """A box that assets/site.js fills with `figure` (plotly JSON with data and layout).

    role: a name for the box in a precomputed lab (data-figure), where the page swaps its figure.
    """
    box_id = f"figure-{next(_ids)}"
    figure = {"data": figure.get("data", []), "layout": figure.get("layout", {})}
    extra = f' data-figure="{html.escape(role)}"' if role else ""
    return (f'<div class="site-figure" id="{box_id}" role="figure" aria-label="{html.escape(figure_title(figure))}"{extra}>'
            f'</div><script type="application/json" class="site-figure-data" data-for="{box_id}">'
            f"{script_json(figure)}</script>")
