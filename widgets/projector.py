"""Projector mode: one switch that makes every lab readable from the back of a lecture hall.

`presentation(True)` raises every lab's text, controls and figure fonts to at least 18 px (labs
already on the page change at once, new ones open that way); `presentation(False)` goes back.  The
labs' layouts wrap rather than scroll, so a lab still fits a 1280x720 projector.  This module holds
only the switch and the sizes; it imports no front end, so `plots` can read the figure fonts.
"""

from __future__ import annotations

import weakref
from typing import Any

NORMAL_FONTS = {"base": 12, "title": 15, "legend": 11, "annotation": 11}
LARGE_FONTS = {"base": 18, "title": 22, "legend": 18, "annotation": 18}
CSS_CLASS = "wb-present"

# Scoped to a presenting lab: ipywidgets 8 sizes its controls from these CSS variables.
CSS = f"""
.{CSS_CLASS} {{ --jp-widgets-font-size: 18px; --jp-widgets-inline-height: 36px;
               --jp-widgets-inline-label-width: 190px; --jp-ui-font-size1: 18px; font-size: 18px; }}
.{CSS_CLASS} .widget-label, .{CSS_CLASS} .widget-readout, .{CSS_CLASS} select,
.{CSS_CLASS} button, .{CSS_CLASS} .widget-html-content, .{CSS_CLASS} .widget-label-basic,
.{CSS_CLASS} .wcv-bar, .{CSS_CLASS} .wcv-code {{ font-size: 18px !important; }}
.{CSS_CLASS} .widget-inline-hbox .widget-label {{ width: 190px !important; max-width: 190px !important; }}
.{CSS_CLASS} .wb-controls {{ grid-template-columns: repeat(auto-fill, minmax(380px, 1fr)) !important; }}
"""

_state = {"on": False}
_panels: "weakref.WeakSet[Any]" = weakref.WeakSet()  # every open lab, to switch the ones on the page


def is_on() -> bool:
    """Whether projector mode is switched on."""
    return _state["on"]


def font_sizes() -> dict[str, int]:
    """The figure font sizes (px) of the current mode: base text, title, legend, annotations."""
    return dict(LARGE_FONTS if _state["on"] else NORMAL_FONTS)


def register(panel: Any) -> None:
    """Let `presentation` switch this lab too (a lab calls it when it opens)."""
    _panels.add(panel)


def presentation(on: bool = True) -> None:
    """Switch projector mode on (large text, controls and figure fonts) or off, for every lab."""
    if not isinstance(on, bool):
        raise TypeError(f"presentation(on): on must be True or False, got {on!r}")
    _state["on"] = on
    for panel in list(_panels):
        panel.present(on)
