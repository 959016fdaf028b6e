"""One ipywidgets control per `RunConfig` field, declared once in `CONTROL_SPECS`.

`control_value(control)` is always a valid value of its field, so the lab can build a config with
`config.replace(**{field: control_value(control)})`.  (A dropdown cannot show the value None, which
it treats as "nothing selected", so optional fields use the `OFF` marker inside the widget.)  This module knows
the config's fields and their allowed values, nothing about models or training.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import ipywidgets as ipw

from . import config as C

LABEL_WIDTH = "110px"


class _Off:
    """Stands for None inside a dropdown (ipywidgets shows a None value as an empty selection)."""

    def __repr__(self) -> str:
        return "OFF"


OFF = _Off()


def _to_widget(value: Any) -> Any:
    return OFF if value is None else value


def control_value(control: ipw.Widget) -> Any:
    """The field value a control shows (None for "off")."""
    return None if control.value is OFF else control.value


@dataclass(frozen=True)
class ControlSpec:
    """How one field is shown: its label, the widget kind and the values it offers."""

    field: str
    label: str
    kind: str  # "choice" | "int" | "float" | "log" | "bool"
    options: Sequence[Any] = ()  # for "choice": values, or (label, value) pairs
    low: float = 0.0  # for "int"/"float": range; for "log": exponents of 10
    high: float = 1.0
    step: float = 1.0
    tooltip: str = ""  # what the field does, shown on hover


def _off_or(values: Sequence[float]) -> list[tuple[str, Any]]:
    return [("off", None)] + [(f"{v:g}", v) for v in values]


CONTROL_SPECS: dict[str, ControlSpec] = {spec.field: spec for spec in (
    ControlSpec("dataset", "dataset", "choice", C.DATASETS,
                tooltip='the data the network learns from'),
    ControlSpec("standardize", "standardize inputs", "bool",
                tooltip='shift and scale every input feature to mean 0, standard deviation 1'),
    ControlSpec("train_fraction", "training data", "float", low=0.05, high=1.0, step=0.05,
                tooltip='the share of the training rows used (fewer rows overfit sooner)'),
    ControlSpec("activation", "activation", "choice", C.ACTIVATIONS,
                tooltip='the nonlinearity of every hidden layer'),
    ControlSpec("initializer", "initializer", "choice", C.INITIALIZERS,
                tooltip="how the hidden layers' weights are drawn before training"),
    ControlSpec("init_scale", "init scale", "choice", [("Keras default", None)] + [
        (f"{v:g}", v) for v in (0.01, 0.05, 0.1, 0.5, 1.0, 2.0)],
        tooltip='standard deviation (random_normal) or half-width (random_uniform) of the initial weights'),
    ControlSpec("depth", "hidden layers", "int", low=1, high=16,
                tooltip='the number of hidden layers'),
    ControlSpec("width", "units per layer", "int", low=1, high=256,
                tooltip='the number of units in each hidden layer'),
    ControlSpec("batchnorm", "batch norm", "bool",
                tooltip='add a BatchNormalization layer to every hidden layer'),
    ControlSpec("batchnorm_position", "BN position", "choice", C.BATCHNORM_POSITIONS,
                tooltip='batch norm before or after the activation'),
    ControlSpec("output_activation", "output activation", "choice", C.OUTPUT_ACTIVATIONS,
                tooltip="the last layer's activation (auto: the usual one for the task)"),
    ControlSpec("loss", "loss", "choice", C.LOSSES,
                tooltip='what training minimises (auto: the usual loss for the task)'),
    ControlSpec("dropout", "dropout rate", "float", low=0.0, high=0.8, step=0.05,
                tooltip='the fraction of hidden units switched off at random in each training step'),
    ControlSpec("l1", "L1 penalty", "choice", [("0", 0.0)] + [(f"{v:g}", v) for v in (1e-4, 1e-3, 1e-2, 1e-1)],
                tooltip='penalty on the sum of |weights| (pushes weights to exactly 0)'),
    ControlSpec("l2", "L2 penalty", "choice", [("0", 0.0)] + [(f"{v:g}", v) for v in (1e-4, 1e-3, 1e-2, 1e-1)],
                tooltip='penalty on the sum of squared weights (keeps weights small)'),
    ControlSpec("max_norm", "max-norm", "choice", _off_or((0.5, 1.0, 2.0, 3.0, 5.0)),
                tooltip="cap on the norm of each unit's incoming weights"),
    ControlSpec("early_stopping_patience", "early stopping", "choice",
                [("off", None)] + [(f"patience {p}", p) for p in (0, 2, 5, 10)],
                tooltip='stop when the validation loss has not improved for this many epochs'),
    ControlSpec("optimizer", "optimizer", "choice", C.OPTIMIZERS,
                tooltip='the Keras optimizer that updates the weights'),
    ControlSpec("learning_rate", "learning rate", "log", low=-5, high=2, step=0.25,
                tooltip='the step size of every update (log scale)'),
    ControlSpec("momentum", "momentum", "float", low=0.0, high=0.99, step=0.01,
                tooltip='the fraction of the previous update kept in the next one'),
    ControlSpec("nesterov", "Nesterov", "bool",
                tooltip='look ahead along the momentum before taking the gradient'),
    ControlSpec("beta_1", "beta_1", "float", low=0.0, high=0.99, step=0.01,
                tooltip="Adam's decay rate of the running mean of gradients (its momentum)"),
    ControlSpec("beta_2", "beta_2", "float", low=0.9, high=0.9999, step=0.0001,
                tooltip="Adam's decay rate of the running mean of squared gradients"),
    ControlSpec("clipnorm", "clipnorm", "choice", _off_or((0.1, 0.5, 1.0, 5.0, 10.0)),
                tooltip="rescale each weight's gradient to at most this norm"),
    ControlSpec("clipvalue", "clipvalue", "choice", _off_or((0.01, 0.1, 0.5, 1.0, 5.0)),
                tooltip='clip every gradient component to [-value, value]'),
    ControlSpec("global_clipnorm", "global clipnorm", "choice", _off_or((0.1, 0.5, 1.0, 5.0, 10.0)),
                tooltip='rescale all gradients together to at most this total norm'),
    ControlSpec("schedule", "LR schedule", "choice", C.SCHEDULES,
                tooltip='how the learning rate changes during training'),
    ControlSpec("batch_size", "batch size", "choice", (8, 16, 32, 64, 128, 256),
                tooltip='the number of rows per update'),
    ControlSpec("epochs", "epochs", "int", low=1, high=100,
                tooltip='passes over the training data'),
    ControlSpec("seed", "seed", "int", low=0, high=99,
                tooltip='the random seed: the same seed gives the same run'),
)}


class ControlError(ValueError):
    """A control was asked for a field that has none, or set to a value it cannot show."""


def make_control(field: str, value: Any) -> ipw.Widget:
    """The widget for `field`, showing `value` (which is added to the options if it is not there)."""
    if field not in CONTROL_SPECS:
        raise ControlError(f"No control for {field!r}; fields with controls: " + ", ".join(CONTROL_SPECS))
    spec = CONTROL_SPECS[field]
    common = dict(description=spec.label, tooltip=spec.tooltip, style={"description_width": LABEL_WIDTH},
                  layout=ipw.Layout(width="auto"), continuous_update=False)
    if spec.kind == "choice":
        options = [(o[0], _to_widget(o[1])) if isinstance(o, tuple) else (str(o), o) for o in spec.options]
        if _to_widget(value) not in [v for _, v in options]:
            options.append((f"{value:g}" if isinstance(value, float) else str(value), value))
        common.pop("continuous_update")
        return ipw.Dropdown(options=options, value=_to_widget(value), **common)
    if spec.kind == "bool":
        return ipw.Checkbox(value=value, description=spec.label, tooltip=spec.tooltip, indent=False,
                            layout=ipw.Layout(width="auto"))
    if spec.kind == "int":
        return ipw.IntSlider(value=value, min=int(min(spec.low, value)), max=int(max(spec.high, value)),
                             step=int(spec.step), **common)
    if spec.kind == "float":
        return ipw.FloatSlider(value=value, min=min(spec.low, value), max=max(spec.high, value),
                               step=spec.step, readout_format=".2f" if spec.step >= 0.01 else ".4f", **common)
    return ipw.FloatLogSlider(value=value, base=10, min=spec.low, max=spec.high, step=spec.step,
                              readout_format=".1e", **common)


def set_control(control: ipw.Widget, field: str, value: Any) -> None:
    """Show `value` on an existing control, adding it to a dropdown's options when needed."""
    value = _to_widget(value) if isinstance(control, ipw.Dropdown) else value
    if isinstance(control, ipw.Dropdown) and value not in [v for _, v in control.options]:
        label = f"{value:g}" if isinstance(value, float) else str(value)
        control.options = list(control.options) + [(label, value)]
    elif isinstance(control, ipw.FloatLogSlider) and isinstance(value, (int, float)) and value > 0:
        exponent = math.log10(value)
        control.min, control.max = min(control.min, exponent), max(control.max, exponent)
    elif isinstance(control, (ipw.IntSlider, ipw.FloatSlider)) and isinstance(value, (int, float)):
        control.min, control.max = min(control.min, value), max(control.max, value)
    try:
        control.value = value
    except Exception as exc:  # traitlets' own message is technical; name the field instead
        raise ControlError(f"The {field!r} control cannot show {value!r}: {exc}") from None
