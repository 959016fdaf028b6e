"""`TrainingLab`: a panel of `RunConfig` controls with Train/Stop/Pin and live training figures.

The lab owns no maths.  Its controls write a config, `train` (the same function notebooks call)
produces a `Run`, and the figure builders in `plots` redraw from that run after every epoch.  The
Train button trains in a background thread (`Runner`) so the page stays responsive and Stop is
heard; `lab.run()` takes the very same path synchronously, for notebooks executed headless (nbval).
Controls the current settings make irrelevant (momentum for Adam, init scale for He, a second
clipping mode) are greyed out and ignored, so ordinary clicks never produce an error.
"""

from __future__ import annotations

import html
from typing import Any, Callable, Iterable, Mapping, Optional

import ipywidgets as ipw

from .codegen import keras_code
from .config import ConfigError, RunConfig, effective_config, ignored_fields
from .controls import control_value, make_control, set_control
from .livefigures import FIGURES, MAX_PINNED, TrainingFigures  # noqa: F401  (FIGURES: part of the API)
from .labruns import REDRAW_INTERVAL, TrainingRuns  # noqa: F401  (REDRAW_INTERVAL: part of the API)
from .panel import PRESET_PROMPT, Panel  # noqa: F401  (PRESET_PROMPT: part of the API)
from .runner import Runner
from .training import Run, train

DEFAULT_CONTROLS = ("activation", "initializer", "depth", "width", "optimizer", "learning_rate", "epochs")
DEFAULT_FIGURES = ("curves", "histogram", "norms")

CLASSIC_PRESETS: dict[str, dict[str, Any]] = {
    "deep sigmoid: vanishing gradients": dict(activation="sigmoid", initializer="glorot_uniform", depth=8,
                                              optimizer="adam", learning_rate=1e-3),
    "deep ReLU + He: healthy": dict(activation="relu", initializer="he_normal", depth=8, optimizer="adam",
                                    learning_rate=1e-3),
    "learning rate far too high: divergence": dict(activation="relu", initializer="he_normal", depth=8,
                                                   optimizer="sgd", learning_rate=30.0),
}


class TrainingLab(TrainingRuns, Panel):
    """Controls for chosen `RunConfig` fields, Train / Stop / Pin, a status line and live figures.

    config: starting values for every field (fields without a control keep these values).
    controls: the `RunConfig` fields the learner may change, one control each.
    figures: any of "curves", "histogram", "norms", "activations", "boundary" (2-D datasets).
    presets: name -> field values applied together from the preset menu (classic demos by default),
        each over `config`: a preset is a whole scenario, whatever was set before.
    report: optional function of each finished `Run` (e.g. `widgets.diagnose.diagnose`); what it
        returns is shown under the status line, as HTML if it has `_repr_html_`.  If it also has
        `first_fix` (field -> value, as a `Diagnosis` has), a button applies those values to the
        controls, so the next Train shows the cure.
    """

    def __init__(self, config: RunConfig = RunConfig(), controls: Iterable[str] = DEFAULT_CONTROLS,
                 figures: Iterable[str] = DEFAULT_FIGURES,
                 presets: Optional[Mapping[str, Mapping[str, Any]]] = None,
                 report: Optional[Callable[[Run], Any]] = None):
        if not isinstance(config, RunConfig):
            raise TypeError(f"TrainingLab(config): config must be a RunConfig, got {type(config).__name__}")
        self.board = TrainingFigures(figures)
        presets = dict(CLASSIC_PRESETS if presets is None else presets)
        for values in presets.values():
            effective_config({**config.to_dict(), **values})  # reject a bad preset now, with the field named
        self._fields = config.to_dict()  # every field's value; those with a control are read from it
        super().__init__({f: make_control(f, getattr(config, f, None)) for f in controls}, presets,
                         lambda: keras_code(self.config))
        self.figure_names = tuple(self.board.figures)
        self.figures = self.board.figures
        self.last_run: Optional[Run] = None
        self.report = report
        self.runner = Runner("TrainingLab")
        self._last_redraw = 0.0
        self._invalid = False
        button = dict(layout=ipw.Layout(width="auto"))
        self.train_button = ipw.Button(description="Train", button_style="success", icon="play",
                                       tooltip="train with these settings (the figures update live)", **button)
        self.stop_button = ipw.Button(description="Stop", button_style="danger", icon="stop", disabled=True,
                                      tooltip="stop the run at the end of this epoch", **button)
        self.pin_button = ipw.Button(description="Pin run", icon="thumb-tack", disabled=True,
                                     tooltip="keep the last run as a faded reference", **button)
        self.clear_button = ipw.Button(description="Clear pins", icon="eraser", disabled=True,
                                       tooltip="remove the pinned runs", **button)
        self.train_button.on_click(lambda _: self.start())
        self.stop_button.on_click(lambda _: self.stop())
        self.pin_button.on_click(lambda _: self.pin())
        self.clear_button.on_click(lambda _: self.clear_pins())
        self.report_view = ipw.HTML()
        # Only a lab with a report has the button (a widget outside the lab's tree would outlive it).
        self.fix_button: Optional[ipw.Button] = None
        self.suggested_fix: dict[str, Any] = {}
        if report is not None:
            self.fix_button = ipw.Button(description="Apply the suggested fix", icon="medkit", disabled=True,
                                         tooltip="set the controls to the first fix the report suggests", **button)
            self.fix_button.on_click(lambda _: self.apply_fix())
        middle = [self.report_view] + ([self.fix_button] if self.fix_button is not None else [])
        self._frame([self.train_button, self.stop_button, self.pin_button, self.clear_button],
                    middle, self.board.rows())
        self.show("Ready: choose settings and press Train.")

    # -- configuration -------------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        """Every field's value: the controls', and the lab's own for fields without a control."""
        return {**self._fields, **{f: control_value(c) for f, c in self.controls.items()}}

    @property
    def config(self) -> RunConfig:
        """The config the controls describe; fields they make irrelevant are at their defaults.

        Raises ConfigError only for input invalid in itself (which a control cannot produce).
        """
        return effective_config(self.values())

    @property
    def pinned(self) -> list[Run]:
        return self.board.pinned

    def ignored(self) -> dict[str, str]:
        return ignored_fields(self.values())

    def set(self, **values: Any) -> "TrainingLab":
        """Set fields from code: fields with a control move it, others change the lab's own value."""
        effective_config({**self.values(), **values})  # validates, names the bad field
        with self.muted():
            for field, value in values.items():
                if field in self.controls:
                    set_control(self.controls[field], field, value)
                else:
                    self._fields[field] = value
        return self

    def apply_fix(self) -> None:
        """Set the fields the last report's first fix names (the Apply button); Train then shows the cure."""
        if not self.suggested_fix:
            raise ValueError("No fix to apply: train a run with a report that suggests one first.")
        changes = ", ".join(f"{field}={value}" for field, value in self.suggested_fix.items())
        self.set(**self.suggested_fix)
        self.suggested_fix = {}
        self.fix_button.disabled = True
        self.show(f"Applied the suggested fix ({html.escape(changes)}): press Train to see whether it cures the run.")

    def changed(self) -> None:
        """Say at once if the settings cannot train; clear that message when they can again."""
        try:
            self.config
        except ConfigError as exc:
            self._invalid = True
            self.show(f"Cannot train with these settings: {html.escape(str(exc))}", error=True)
            return
        if self._invalid:
            self._invalid = False
            self.show("Ready: choose settings and press Train.")

    def live_figures(self) -> list:
        return list(self.figures.values())

    def _train(self, config: RunConfig) -> Run:
        """One run with live progress; `train` is looked up here, where tests replace it."""
        return train(config, on_epoch=self._on_epoch, on_batch=self._on_batch, stop_event=self.runner.stop_event)

    # -- figures and pins ----------------------------------------------------------------------
    def _redraw(self, run: Run) -> None:
        self.board.redraw(run)

    def _page_is_behind(self) -> bool:
        return self.board.page_is_behind()

    def pin(self) -> None:
        """Keep the last finished run as a faded reference on the learning curves."""
        if self.last_run is None:
            raise ValueError("Nothing to pin yet: train a run first.")
        self.board.pin(self.last_run)
        self.clear_button.disabled = False
        self.show(f"Pinned ({len(self.pinned)} of at most {MAX_PINNED}): "
                  f"{html.escape(self.last_run.config.describe())}. Change settings and Train to compare.")

    def clear_pins(self) -> None:
        self.board.clear_pins(self.last_run)
        self.clear_button.disabled = True

    def close(self) -> None:
        """Stop any run and free every widget (called when the lab's cell is re-run)."""
        self.stop()
        self.wait(timeout=30)
        super().close()
