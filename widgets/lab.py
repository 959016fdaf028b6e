"""`TrainingLab`: controls bound to a `RunConfig`, Train/Stop/Pin buttons and live figures.

The lab owns no maths.  Its controls write a config, `train` (the same function notebooks call)
produces a `Run`, and the figure builders in `plots` redraw from that run after every epoch.  The
Train button trains in a background thread so the page stays responsive and Stop is heard;
`lab.run()` takes the very same path synchronously, for notebooks executed headless (nbval, CI).
"""

from __future__ import annotations

import gc
import html
import threading
import time
import weakref
from typing import Any, Callable, Iterable, Mapping, Optional

import ipywidgets as ipw
import plotly.graph_objects as go

from . import plots
from .codegen import keras_code
from .livefigure import LiveFigure
from .codeview import CodeView
from .config import ConfigError, RunConfig
from .controls import ControlError, control_value, make_control, set_control
from .training import Run, train

DEFAULT_CONTROLS = ("activation", "initializer", "depth", "width", "optimizer", "learning_rate", "epochs")
FIGURES = ("curves", "histogram", "norms", "activations", "boundary")
DEFAULT_FIGURES = ("curves", "histogram", "norms")
MAX_PINNED = 3
PRESET_PROMPT = "presets: set several controls at once…"
REDRAW_INTERVAL = 0.25  # seconds between live redraws; the last epoch is always drawn

CLASSIC_PRESETS: dict[str, dict[str, Any]] = {
    "deep sigmoid: vanishing gradients": dict(activation="sigmoid", initializer="glorot_uniform", depth=8,
                                              optimizer="adam", learning_rate=1e-3),
    "deep ReLU + He: healthy": dict(activation="relu", initializer="he_normal", depth=8, optimizer="adam",
                                    learning_rate=1e-3),
    "learning rate far too high: divergence": dict(activation="relu", initializer="he_normal", depth=8,
                                                   optimizer="sgd", learning_rate=30.0),
}

_FIGURE_BUILDERS: dict[str, Callable[[Run, list], go.Figure]] = {
    "curves": lambda run, pinned: plots.curves_figure(run, pinned),
    "histogram": lambda run, pinned: plots.gradient_histogram_figure(run),
    "norms": lambda run, pinned: plots.gradient_norm_figure(run),
    "activations": lambda run, pinned: plots.activation_figure(run),
    "boundary": lambda run, pinned: plots.decision_boundary_figure(run),
}
_HALF_WIDTH = {"histogram", "norms"}  # drawn side by side

_LABS_BY_CELL: "weakref.WeakValueDictionary[str, TrainingLab]" = weakref.WeakValueDictionary()


def _current_cell_id() -> Optional[str]:
    """The JupyterLab cell that is executing (None outside JupyterLab, e.g. under nbval)."""
    try:
        from IPython import get_ipython
        kernel = getattr(get_ipython(), "kernel", None)
        return kernel.get_parent().get("metadata", {}).get("cellId") if kernel else None
    except Exception:
        return None


def _close_tree(widget: ipw.Widget) -> None:
    """Close a widget, its children and their layouts and styles: each of those is a widget that
    ipywidgets keeps alive until it is closed (~40 per lab would pile up on every re-run cell)."""
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    for part in (getattr(widget, "layout", None), getattr(widget, "style", None)):
        if isinstance(part, ipw.Widget):  # a FigureWidget's layout is plotly's, not a widget
            part.close()
    widget.close()


_DATA_KEYS = ("x", "y", "z", "text")  # what changes from one epoch's redraw to the next


def _trace_signature(trace) -> tuple:
    return trace.type, trace.name, trace.opacity, trace.showlegend


def _copy_into(widget: LiveFigure, fig: go.Figure) -> None:
    """Make a live figure show `fig`, as one front-end update.

    While the traces keep their kind, names and look (every epoch of a run), only their data and a
    changed layout are sent: re-validating every property costs more than drawing the new points.
    """
    layout = fig.layout.to_plotly_json()
    with widget.batch_update():
        if [_trace_signature(t) for t in widget.data] == [_trace_signature(t) for t in fig.data]:
            for live, new in zip(widget.data, fig.data):
                live.update({key: new[key] for key in _DATA_KEYS if key in new and new[key] is not None})
        else:
            widget.data = ()
            widget.add_traces(list(fig.data))
        previous = getattr(widget, "_copied_layout", {})
        changed = {key: value for key, value in layout.items() if previous.get(key) != value}
        changed.update({key: None for key in previous if key not in layout})  # reset what `fig` lacks
        if changed:
            widget.layout.update(changed, overwrite=True)
        widget._copied_layout = layout


class TrainingLab:
    """Controls for chosen `RunConfig` fields, Train / Stop / Pin, a status line and live figures.

    config: starting values for every field (fields without a control keep these values).
    controls: the `RunConfig` fields the learner may change, one control each.
    figures: any of "curves", "histogram", "norms", "activations", "boundary" (2-D datasets).
    presets: name -> field values applied together from the preset menu (classic demos by default).
    report: optional function of each finished `Run` (e.g. `widgets.diagnose.diagnose`); what it
        returns is shown under the status line, as HTML if it has `_repr_html_`.
    """

    def __init__(self, config: RunConfig = RunConfig(), controls: Iterable[str] = DEFAULT_CONTROLS,
                 figures: Iterable[str] = DEFAULT_FIGURES,
                 presets: Optional[Mapping[str, Mapping[str, Any]]] = None,
                 report: Optional[Callable[[Run], Any]] = None):
        if not isinstance(config, RunConfig):
            raise TypeError(f"TrainingLab(config): config must be a RunConfig, got {type(config).__name__}")
        figures = tuple(figures)
        unknown = [f for f in figures if f not in FIGURES]
        if unknown:
            raise ValueError(f"TrainingLab(figures): unknown figure(s) {unknown}; allowed: {', '.join(FIGURES)}")
        self._base = config
        self.controls: dict[str, ipw.Widget] = {f: make_control(f, getattr(config, f, None)) for f in controls}
        self.presets = dict(CLASSIC_PRESETS if presets is None else presets)
        for name, values in self.presets.items():
            config.replace(**values)  # reject a bad preset now, with the field named
        self.figure_names = figures
        self.pinned: list[Run] = []
        self.last_run: Optional[Run] = None
        self._thread: Optional[threading.Thread] = None
        self._stop = threading.Event()
        self._last_redraw = 0.0
        self.report = report
        self._build_view()
        self._claim_cell()

    # -- building the view ---------------------------------------------------------------------
    def _build_view(self) -> None:
        button = dict(layout=ipw.Layout(width="auto"))
        self.train_button = ipw.Button(description="Train", button_style="success", icon="play", **button)
        self.stop_button = ipw.Button(description="Stop", button_style="danger", icon="stop",
                                      disabled=True, **button)
        self.pin_button = ipw.Button(description="Pin run", icon="thumb-tack", disabled=True,
                                     tooltip="keep the last run as a faded reference", **button)
        self.clear_button = ipw.Button(description="Clear pins", icon="eraser", disabled=True, **button)
        self.preset_menu = ipw.Dropdown(options=[(PRESET_PROMPT, PRESET_PROMPT)] + [(n, n) for n in self.presets],
                                        value=PRESET_PROMPT, layout=ipw.Layout(width="300px"))
        self.status = ipw.HTML(self._status_html("Ready: choose settings and press Train."))
        self.train_button.on_click(lambda _: self.start())
        self.stop_button.on_click(lambda _: self.stop())
        self.pin_button.on_click(lambda _: self.pin())
        self.clear_button.on_click(lambda _: self.clear_pins())
        self.preset_menu.observe(self._on_preset, names="value")
        self.figures: dict[str, LiveFigure] = {}
        for name in self.figure_names:
            widget = LiveFigure()
            widget.layout.update(plots.style(go.Figure(), f"{name}: press Train", "epoch", "").layout)
            # The widget is drawn before it is on the page, so plotly falls back to 700 px wide;
            # with autosize set, every redraw re-measures the box (plotly.py issue #5208).
            widget.layout.autosize = True
            self.figures[name] = widget
        toolbar = ipw.HBox([self.train_button, self.stop_button, self.pin_button, self.clear_button,
                            self.preset_menu], layout=ipw.Layout(flex_flow="row wrap", gap="6px"))
        grid = ipw.GridBox(list(self.controls.values()), layout=ipw.Layout(
            grid_template_columns="repeat(3, minmax(0, 1fr))", grid_gap="4px 16px", width="100%"))
        rows: list[ipw.Widget] = []
        halves = [self.figures[n] for n in self.figure_names if n in _HALF_WIDTH]
        for name in self.figure_names:
            if name not in _HALF_WIDTH:
                rows.append(self.figures[name])
            elif self.figures[name] is halves[0]:
                for h in halves:
                    h.layout.width = None
                # VBox, not Box: a figure in a row-flex Box is sized by its content and plotly
                # falls back to 700 px (overflowing the lab); a column stretches it to the half.
                rows.append(ipw.HBox([ipw.VBox([h], layout=ipw.Layout(width=f"{100 // len(halves)}%"))
                                      for h in halves], layout=ipw.Layout(width="100%")))
        self.report_view = ipw.HTML()
        # The plain Keras of the current controls; recomputed on each change, only while shown.
        self.code_view = CodeView(lambda: keras_code(self.config))
        for control in self.controls.values():
            control.observe(lambda _change: self.code_view.refresh(), names="value")
        self.widget = ipw.VBox([grid, toolbar, self.status, self.report_view, self.code_view, *rows],
                               layout=ipw.Layout(width="100%", max_width="1400px"))

    def _ipython_display_(self) -> None:
        from IPython.display import display
        display(self.widget)

    def _claim_cell(self) -> None:
        """Re-running the cell that made a lab replaces it: the old one stops and frees its widgets."""
        cell = _current_cell_id()
        if cell is None:
            return
        old = _LABS_BY_CELL.get(cell)
        if old is not None and old is not self:
            old.close()
        _LABS_BY_CELL[cell] = self

    # -- configuration -------------------------------------------------------------------------
    @property
    def config(self) -> RunConfig:
        """The config the controls currently describe (raises ConfigError if they contradict)."""
        return self._base.replace(**{f: control_value(c) for f, c in self.controls.items()})

    def set(self, **values: Any) -> "TrainingLab":
        """Set fields from code: fields with a control move it, others change the lab's base config."""
        candidate = self.config.replace(**values)  # validates, names the bad field
        for field, value in values.items():
            if field in self.controls:
                set_control(self.controls[field], field, value)
        self._base = self._base.replace(**{f: v for f, v in values.items() if f not in self.controls})
        assert self.config == candidate
        self.code_view.refresh()  # a base field may have changed without any control moving
        return self

    def apply_preset(self, name: str) -> "TrainingLab":
        """Set every field of a named preset at once."""
        if name not in self.presets:
            raise ValueError(f"Unknown preset {name!r}; presets: " + ", ".join(map(repr, self.presets)))
        return self.set(**self.presets[name])

    def _on_preset(self, change) -> None:
        if change["new"] == PRESET_PROMPT:
            return
        try:
            self.apply_preset(change["new"])
            self._show(f"Preset “{change['new']}” applied: press Train.")
        except (ConfigError, ControlError) as exc:
            self._show(str(exc), error=True)
        self.preset_menu.value = PRESET_PROMPT

    # -- training ------------------------------------------------------------------------------
    def run(self) -> Run:
        """Train synchronously with the current control values (the headless path of Train)."""
        self.wait()
        config = self._config_or_report()
        if config is None:
            raise ConfigError(self._error)
        self._stop.clear()
        return self._execute(config, reraise=True)

    def start(self) -> None:
        """What the Train button does: train in a background thread while the figures update."""
        if self.is_running:
            return
        config = self._config_or_report()
        if config is None:
            return
        self._stop.clear()
        self._set_running(True)
        self._show(f"Starting: {html.escape(config.describe())}…")
        self._thread = threading.Thread(target=self._execute, args=(config, False), daemon=True,
                                        name="TrainingLab")
        self._thread.start()

    def stop(self) -> None:
        """Ask a running training to stop; it ends within its current epoch."""
        self._stop.set()

    def wait(self, timeout: Optional[float] = None) -> Optional[Run]:
        """Block until a background run started with Train has ended; returns the last run."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.last_run

    @property
    def is_running(self) -> bool:
        # The thread may still be collecting garbage after it freed the buttons: that is not running.
        return self._thread is not None and self._thread.is_alive() and self.train_button.disabled

    def _config_or_report(self) -> Optional[RunConfig]:
        try:
            return self.config
        except ConfigError as exc:
            self._error = str(exc)
            self._show(f"Cannot train with these settings: {html.escape(str(exc))}", error=True)
            return None

    def _execute(self, config: RunConfig, reraise: bool = True) -> Optional[Run]:
        self._set_running(True)
        self._last_redraw = 0.0
        try:
            run = train(config, on_epoch=self._on_epoch, on_batch=self._on_batch, stop_event=self._stop)
        except Exception as exc:  # shown in words; the traceback would only confuse a learner
            self._show(f"Training failed: {html.escape(type(exc).__name__)}: {html.escape(str(exc))}",
                       error=True)
            self._set_running(False)
            if reraise:
                raise
            return None
        self.last_run = run
        self._redraw(run)
        self._show(self._final_status(run), error=run.status == "diverged")
        self._show_report(run)
        self._set_running(False)
        # Each run leaves its traced graphs as cyclic garbage (~7 MB).  The Train button's thread frees
        # them once the buttons are free (~0.3 s holding the GIL), but not after Stop: its user acts next.
        if not reraise and run.status != "stopped":
            gc.collect()
        return run

    def _show_report(self, run: Run) -> None:
        if self.report is None:
            return
        try:
            result = self.report(run)
            text = result._repr_html_() if hasattr(result, "_repr_html_") else html.escape(str(result))
        except Exception as exc:  # a failing report must not lose the finished run
            text = self._status_html(f"The report failed: {html.escape(type(exc).__name__)}: "
                                     f"{html.escape(str(exc))}", error=True)
        self.report_view.value = text

    def _on_batch(self, run: Run, epoch: int, step: int, loss: float) -> None:
        now = time.perf_counter()
        if now - self._last_redraw >= REDRAW_INTERVAL and run.epochs_done == 0:
            self._last_redraw = now
            self._show(f"Epoch {epoch} of {run.config.epochs}, step {step}: loss {loss:.4g}")

    def _on_epoch(self, run: Run) -> None:
        now = time.perf_counter()
        self._show(self._progress(run))
        # A stopped or diverged run gets its final redraw at once: drawing it here too would delay Stop.
        if run.status == "running" and (run.epochs_done <= 1 or now - self._last_redraw >= REDRAW_INTERVAL):
            self._redraw(run)
            self._last_redraw = time.perf_counter()

    def _progress(self, run: Run) -> str:
        if run.epochs_done == 0:
            return (f"Epoch 0 of {run.config.epochs} (before training): loss {run.initial['loss']:.4g}, "
                    f"val_loss {run.initial['val_loss']:.4g}")
        return (f"Epoch {run.epochs_done} of {run.config.epochs}: loss {run.final('loss'):.4g}, "
                f"val_loss {run.final('val_loss'):.4g}, val_{run.metric} {run.final('val_' + run.metric):.3f}")

    def _final_status(self, run: Run) -> str:
        words = {"finished": "Finished", "stopped": "Stopped", "diverged": "Diverged",
                 "early-stopped": "Early-stopped"}[run.status]
        text = f"{words} after {run.epochs_done} of {run.config.epochs} epochs ({run.wall_time:.1f} s)"
        if run.epochs_done:
            text += f": val_loss {run.final('val_loss'):.4g}, val_{run.metric} {run.final('val_' + run.metric):.3f}"
        return html.escape(text + (f". {run.message}" if run.message else "."))

    # -- figures -------------------------------------------------------------------------------
    def _redraw(self, run: Run) -> None:
        for name, widget in self.figures.items():
            if name == "boundary" and (run.dataset.n_features != 2 or run.dataset.task != "binary"):
                continue
            if run.epochs_done == 0 and name != "curves":
                continue
            _copy_into(widget, _FIGURE_BUILDERS[name](run, self.pinned))

    def pin(self) -> None:
        """Keep the last finished run as a faded reference on the learning curves."""
        if self.last_run is None:
            raise ValueError("Nothing to pin yet: train a run first.")
        if self.last_run not in self.pinned:
            self.pinned = (self.pinned + [self.last_run])[-MAX_PINNED:]
        self.clear_button.disabled = False
        if "curves" in self.figures:
            _copy_into(self.figures["curves"], plots.curves_figure(self.last_run, self.pinned))
        self._show(f"Pinned ({len(self.pinned)} of at most {MAX_PINNED}): "
                   f"{html.escape(self.last_run.config.describe())}. Change settings and Train to compare.")

    def clear_pins(self) -> None:
        self.pinned = []
        self.clear_button.disabled = True
        if self.last_run is not None and "curves" in self.figures:
            _copy_into(self.figures["curves"], plots.curves_figure(self.last_run, []))

    # -- status and lifetime -------------------------------------------------------------------
    @staticmethod
    def _status_html(text: str, error: bool = False) -> str:
        colour = "#b00020" if error else "#333"
        return f'<div style="font-size:14px;color:{colour};padding:4px 0">{text}</div>'

    def _show(self, text: str, error: bool = False) -> None:
        self.status.value = self._status_html(text, error)

    @property
    def status_text(self) -> str:
        """The status line as plain text."""
        import re
        return html.unescape(re.sub(r"<[^>]+>", "", self.status.value))

    def _set_running(self, running: bool) -> None:
        self.train_button.disabled = running
        self.stop_button.disabled = not running
        self.pin_button.disabled = running or self.last_run is None
        self.preset_menu.disabled = running
        for control in self.controls.values():
            control.disabled = running

    def close(self) -> None:
        """Stop any run and free every widget (called when the lab's cell is re-run)."""
        self.stop()
        self.wait(timeout=30)
        _close_tree(self.widget)  # every control, button, figure and view is inside it
