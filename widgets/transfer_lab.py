"""`TransferLab`: the chapter 09 panel, where the body comes from and how much of it to freeze.

Each control sets one argument of `transfer_run`; a run takes about a second, so Run trains in the
foreground and draws the validation curve point by point, with the earlier runs faded behind it.
"""

from __future__ import annotations

import html
from typing import Any, Mapping, Optional, Sequence

import ipywidgets as ipw
import plotly.graph_objects as go

from . import plots
from .livefigures import placeholder, update_live
from .panel import Panel
from .transfer_experiments import PRETRAINING, TransferResult, transfer_run
from .transfer_figures import curves_figure
from .transfer_models import HIDDEN_UNITS
from .transfer_script import transfer_code

LABEL_COUNTS = (1, 2, 3, 5, 10, 20, 50, "all")
LAB_PRESETS: dict[str, dict[str, Any]] = {
    "1 label per class, from scratch": dict(source="none", labels_per_class=1, frozen=0, fine_tune_steps=0),
    "1 label per class, autoencoder body frozen": dict(source="autoencoder", labels_per_class=1, frozen=3,
                                                       fine_tune_steps=0),
    "frozen, then fine-tuned": dict(source="autoencoder", labels_per_class=10, frozen=3, fine_tune_steps=100),
    "digits 0-4 body, all frozen": dict(source="digits 0-4", labels_per_class=10, frozen=3, fine_tune_steps=0),
}
_STYLE = {"description_width": "150px"}


def _controls() -> dict[str, ipw.Widget]:
    return {
        "source": ipw.Dropdown(options=["none", *PRETRAINING], description="body pretrained as", style=_STYLE,
                               tooltip="where the hidden layers start: none (random) or "
                                       + "; ".join(f"{k}: {v}" for k, v in PRETRAINING.items())),
        "labels_per_class": ipw.SelectionSlider(options=[(str(c), c) for c in LABEL_COUNTS],
                                                description="labels per class", style=_STYLE,
                                                tooltip="labelled training images of each digit 5-9"),
        "frozen": ipw.IntSlider(min=0, max=len(HIDDEN_UNITS), description="layers frozen", style=_STYLE,
                                tooltip="hidden layers, from the input, that keep their pretrained weights"),
        "fine_tune_steps": ipw.IntSlider(min=0, max=300, step=50, description="fine-tune steps", style=_STYLE,
                                         tooltip="afterwards: unfreeze everything and train this many more "
                                                 "steps at a 10x smaller learning rate"),
    }


class TransferLab(Panel):
    """Controls for where the body comes from, how many labels, how many layers to freeze and how
    long to fine-tune; a Run button; a live figure of validation accuracy with the earlier runs faded.

    `run()` does what the button does (what nbval executes) and `set()` moves the controls.
    """

    MAX_FADED = 3
    preset_hint = "press Run."

    def __init__(self, source: str = "digits 0-4", labels_per_class: Any = 10, frozen: int = 3,
                 fine_tune_steps: int = 0, steps: int = 200,
                 presets: Optional[Mapping[str, Mapping[str, Any]]] = None):
        self.steps = steps
        super().__init__(_controls(), LAB_PRESETS if presets is None else presets, self.keras_code, columns=2)
        self.run_button = ipw.Button(description="Run", button_style="success", icon="play",
                                     tooltip="train on digits 5-9 with these settings")
        self.run_button.on_click(lambda _b: self._run_reporting())
        self.figure = placeholder("Validation accuracy on digits 5-9: press Run", "optimizer steps")
        self.results: list[TransferResult] = []
        self.set(source=source, labels_per_class=labels_per_class, frozen=frozen, fine_tune_steps=fine_tune_steps)
        self._frame([self.run_button], [], [self.figure])
        self.show("Ready: choose settings and press Run.")

    def values(self) -> dict[str, Any]:
        """The control values as `transfer_run` arguments ("all" labels is None)."""
        values = super().values()
        values["labels_per_class"] = None if values["labels_per_class"] == "all" else values["labels_per_class"]
        return values

    @property
    def settings(self) -> dict[str, Any]:
        """The `transfer_run` arguments the controls describe (nothing frozen when nothing is pretrained)."""
        return {**self.values(), **({"frozen": 0} if "frozen" in self.ignored() else {})}

    def ignored(self) -> dict[str, str]:
        if self.controls["source"].value == "none":
            return {"frozen": "nothing is pretrained when training from scratch, so nothing can be frozen"}
        return {}

    def set(self, **values: Any) -> "TransferLab":
        """Move controls from code; an unknown control or a value it does not offer raises ValueError."""
        for name, value in values.items():
            if name not in self.controls:
                raise ValueError(f"TransferLab has no control {name!r}; controls: " + ", ".join(self.controls))
            control = self.controls[name]
            allowed = (list(LABEL_COUNTS) if name == "labels_per_class" else list(control.options)
                       if name == "source" else list(range(control.min, control.max + 1, control.step)))
            if ("all" if value is None and name == "labels_per_class" else value) not in allowed:
                raise ValueError(f"{name} = {value!r} is not offered; allowed: {allowed}")
        with self.muted():
            for name, value in values.items():
                self.controls[name].value = "all" if (name == "labels_per_class" and value is None) else value
        return self

    def keras_code(self) -> str:
        """The current settings as a plain Keras script (see `transfer_code`)."""
        return transfer_code(steps=self.steps, **self.settings)

    def live_figures(self) -> list:
        return [self.figure]

    def run(self) -> TransferResult:
        """Train with the current settings, drawing the curve live; returns the `TransferResult`."""
        settings = self.settings
        self.show("Training…")
        faded = self.results[-self.MAX_FADED:]
        self._redraw(None, faded)
        live = self.figure.data[-1]

        def draw(step: int, value: float) -> None:
            with self.figure.batch_update():
                live.x, live.y = (*live.x, step), (*live.y, value)

        result = transfer_run(steps=self.steps, on_point=draw, **settings)
        self.results.append(result)
        self._redraw(result, faded)
        self.show(html.escape(f"{result.label()}: validation accuracy {result.val_accuracy:.3f}"))
        return result

    def _run_reporting(self) -> None:
        try:
            self.run()
        except ValueError as exc:
            self.show(html.escape(str(exc)), error=True)

    def _redraw(self, result: Optional[TransferResult], faded: Sequence[TransferResult]) -> None:
        """Show the faded earlier runs and `result` (None: an empty line that `run` fills live)."""
        fig = curves_figure([result] if result is not None else [], faded=faded)
        if result is None:
            look = plots.categorical_style(len(faded))  # the look the finished run will have
            fig.add_trace(go.Scatter(x=[], y=[], mode="lines+markers", name="training…", line=look["line"],
                                     marker=dict(look["marker"], size=6)))
        update_live(self.figure, fig)
