"""`CodeView`: a "Show Keras code" toggle that reveals highlighted, copyable code.

Every lab offers the plain Keras behind its current settings, so a learner can take the technique
into their own project.  The code is computed only while the panel is open (the labs call
`refresh()` on every control change, which costs nothing while it is closed), highlighted by
pygments with inline styles (no CSS or front-end extension needed), and copied by a Copy button:
a tiny anywidget (already installed for plotly's FigureWidget) that writes to the clipboard.
"""

from __future__ import annotations

import functools
import html
from typing import Callable, Union

import ipywidgets as ipw

from .initlimit import RELAX_INIT_LIMIT

CodeSource = Union[str, Callable[[], str]]
DEFAULT_NOTE = "A standalone script: it runs without the workbook, in a notebook cell or as a .py file."

# The front end: a Copy button over a scrolling <pre>.  navigator.clipboard needs a secure context
# (https or localhost); elsewhere the hidden-textarea + execCommand("copy") route still works.
_ESM = RELAX_INIT_LIMIT + r"""
function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    return navigator.clipboard.writeText(text);
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  const ok = document.execCommand("copy");
  area.remove();
  return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
}

export default {
  render({ model, el }) {
    el.classList.add("wcv-panel");
    const bar = document.createElement("div");
    bar.className = "wcv-bar";
    const note = document.createElement("span");
    note.className = "wcv-note";
    const button = document.createElement("button");
    button.className = "wcv-copy jupyter-button";
    button.textContent = "Copy";
    button.title = "copy the code to the clipboard";
    bar.append(note, button);
    const pre = document.createElement("pre");
    pre.className = "wcv-code";
    el.append(bar, pre);
    const draw = () => {
      pre.innerHTML = model.get("html");
      note.textContent = model.get("note");
      button.disabled = !model.get("code");
    };
    button.addEventListener("click", () => {
      copyText(model.get("code")).then(
        () => { button.textContent = "Copied"; },
        () => { button.textContent = "Select and press Ctrl+C"; });
      setTimeout(() => { button.textContent = "Copy"; }, 1500);
    });
    for (const name of ["html", "code", "note"]) model.on(`change:${name}`, draw);
    draw();
  },
};
"""

_CSS = """
.wcv-panel { width: 100%; max-width: 100%; min-width: 0; box-sizing: border-box; margin-top: 4px;
             border: 1px solid #ddd; border-radius: 4px; background: #f8f8f8; }
.wcv-bar { display: flex; align-items: center; justify-content: space-between; gap: 8px;
           padding: 4px 6px; border-bottom: 1px solid #e4e4e4; font-size: 12px; color: #555; }
.wcv-code { margin: 0; padding: 8px 10px; max-height: 480px; overflow: auto; color: #000;
            background: #f8f8f8; font-size: 13px; line-height: 1.35; white-space: pre; }
"""


@functools.lru_cache(maxsize=None)
def _panel_class() -> type:
    """The front-end widget class, defined on first use: `import widgets` stays free of anywidget."""
    import anywidget
    import traitlets

    class CodePanel(anywidget.AnyWidget):
        """Highlighted code with a Copy button; `code` is the plain text the button copies."""

        _esm = _ESM
        _css = _CSS
        code = traitlets.Unicode("").tag(sync=True)
        html = traitlets.Unicode("").tag(sync=True)
        note = traitlets.Unicode("").tag(sync=True)

    return CodePanel


@functools.lru_cache(maxsize=None)
def _python_highlighter() -> Callable[[str], str]:
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer
    lexer, formatter = PythonLexer(), HtmlFormatter(noclasses=True, style="default", nowrap=True)
    return lambda code: highlight(code, lexer, formatter)


def highlight_python(code: str) -> str:
    """Python source as HTML spans with inline colours (renders anywhere, no stylesheet needed)."""
    return _python_highlighter()(code)


class CodeView(ipw.VBox):
    """A toggle button ("Show Keras code") and, while it is pressed, the code it reveals.

    source: the code itself, or a function returning it.  A function is called only while the
        panel is open, on opening and on every `refresh()`, so a lab can call `refresh()` whenever
        a control changes.  If it raises (e.g. the controls contradict each other), the panel shows
        the error message in place of the code.
    label: the button's text while the panel is closed.
    note: a line shown above the code (e.g. how to run it).
    """

    def __init__(self, source: CodeSource, *, label: str = "Show Keras code", note: str = DEFAULT_NOTE):
        if not (isinstance(source, str) or callable(source)):
            raise TypeError(f"CodeView(source): source must be a str or a function returning one, "
                            f"got {type(source).__name__}")
        self._source = source
        self.label = label
        self.button = ipw.ToggleButton(value=False, description=label, icon="code",
                                       tooltip="the plain Keras code for these settings",
                                       layout=ipw.Layout(width="auto"))
        self.panel = _panel_class()(note=note, layout=ipw.Layout(display="none", width="100%"))
        super().__init__([self.button, self.panel], layout=ipw.Layout(width="100%"))
        self.button.observe(self._on_toggle, names="value")

    @property
    def is_open(self) -> bool:
        return self.button.value

    @property
    def code(self) -> str:
        """The code the panel shows ("" until it has been opened)."""
        return self.panel.code

    def show(self) -> "CodeView":
        """Open the panel (what pressing the button does)."""
        self.button.value = True
        return self

    def hide(self) -> "CodeView":
        self.button.value = False
        return self

    def refresh(self) -> None:
        """Recompute the code if the panel is open; a no-op (and free) while it is closed."""
        if not self.is_open:
            return
        try:
            code = self._source if isinstance(self._source, str) else self._source()
        except Exception as exc:  # shown in the panel: the learner fixes the settings and it redraws
            message = f"No code for these settings: {type(exc).__name__}: {exc}"
            self.panel.code = ""
            self.panel.html = f'<span style="color:#b00020">{html.escape(message)}</span>'
            return
        self.panel.code = code
        self.panel.html = highlight_python(code)

    def _on_toggle(self, change) -> None:
        opened = change["new"]
        hide_label = "Hide " + self.label[len("Show "):] if self.label.startswith("Show ") else self.label
        self.button.description = hide_label if opened else self.label
        self.panel.layout.display = None if opened else "none"
        self.refresh()

    def close(self) -> None:
        """Free the button and panel with the box (a lab calls this when its cell is re-run)."""
        for child in self.children:
            child.close()
        super().close()

