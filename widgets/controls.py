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


def _off_or(values: Sequence[float]) -> list[tuple[str, Any]]:
    return [("off", None)] + [(f"{v:g}", v) for v in values]


CONTROL_SPECS: dict[str, ControlSpec] = {spec.field: spec for spec in (
    ControlSpec("dataset", "dataset", "choice", C.DATASETS),
    ControlSpec("standardize", "standardize inputs", "bool"),
    ControlSpec("train_fraction", "training data", "float", low=0.05, high=1.0, step=0.05),
    ControlSpec("activation", "activation", "choice", C.ACTIVATIONS),
    ControlSpec("initializer", "initializer", "choice", C.INITIALIZERS),
    ControlSpec("init_scale", "init scale", "choice", [("Keras default", None)] + [
        (f"{v:g}", v) for v in (0.01, 0.05, 0.1, 0.5, 1.0, 2.0)]),
    ControlSpec("depth", "hidden layers", "int", low=1, high=16),
    ControlSpec("width", "units per layer", "int", low=1, high=256),
    ControlSpec("batchnorm", "batch norm", "bool"),
    ControlSpec("batchnorm_position", "BN position", "choice", C.BATCHNORM_POSITIONS),
    ControlSpec("output_activation", "output activation", "choice", C.OUTPUT_ACTIVATIONS),
    ControlSpec("loss", "loss", "choice", C.LOSSES),
    ControlSpec("dropout", "dropout rate", "float", low=0.0, high=0.8, step=0.05),
    ControlSpec("l1", "L1 penalty", "choice", [("0", 0.0)] + [(f"{v:g}", v) for v in (1e-4, 1e-3, 1e-2, 1e-1)]),
    ControlSpec("l2", "L2 penalty", "choice", [("0", 0.0)] + [(f"{v:g}", v) for v in (1e-4, 1e-3, 1e-2, 1e-1)]),
    ControlSpec("max_norm", "max-norm", "choice", _off_or((0.5, 1.0, 2.0, 3.0, 5.0))),
    ControlSpec("early_stopping_patience", "early stopping", "choice",
                [("off", None)] + [(f"patience {p}", p) for p in (0, 2, 5, 10)]),
    ControlSpec("optimizer", "optimizer", "choice", C.OPTIMIZERS),
    ControlSpec("learning_rate", "learning rate", "log", low=-5, high=2, step=0.25),
    ControlSpec("momentum", "momentum", "float", low=0.0, high=0.99, step=0.01),
    ControlSpec("nesterov", "Nesterov", "bool"),
    ControlSpec("beta_1", "beta_1", "float", low=0.0, high=0.99, step=0.01),
    ControlSpec("beta_2", "beta_2", "float", low=0.9, high=0.9999, step=0.0001),
    ControlSpec("clipnorm", "clipnorm", "choice", _off_or((0.1, 0.5, 1.0, 5.0, 10.0))),
    ControlSpec("clipvalue", "clipvalue", "choice", _off_or((0.01, 0.1, 0.5, 1.0, 5.0))),
    ControlSpec("global_clipnorm", "global clipnorm", "choice", _off_or((0.1, 0.5, 1.0, 5.0, 10.0))),
    ControlSpec("schedule", "LR schedule", "choice", C.SCHEDULES),
    ControlSpec("batch_size", "batch size", "choice", (8, 16, 32, 64, 128, 256)),
    ControlSpec("epochs", "epochs", "int", low=1, high=100),
    ControlSpec("seed", "seed", "int", low=0, high=99),
)}


class ControlError(ValueError):
    """A control was asked for a field that has none, or set to a value it cannot show."""


def make_control(field: str, value: Any) -> ipw.Widget:
    """The widget for `field`, showing `value` (which is added to the options if it is not there)."""
    if field not in CONTROL_SPECS:
        raise ControlError(f"No control for {field!r}; fields with controls: " + ", ".join(CONTROL_SPECS))
    spec = CONTROL_SPECS[field]
    common = dict(description=spec.label, style={"description_width": LABEL_WIDTH},
                  layout=ipw.Layout(width="auto"), continuous_update=False)
    if spec.kind == "choice":
        options = [(o[0], _to_widget(o[1])) if isinstance(o, tuple) else (str(o), o) for o in spec.options]
        if _to_widget(value) not in [v for _, v in options]:
            options.append((f"{value:g}" if isinstance(value, float) else str(value), value))
        common.pop("continuous_update")
        return ipw.Dropdown(options=options, value=_to_widget(value), **common)
    if spec.kind == "bool":
        return ipw.Checkbox(value=value, description=spec.label, indent=False,
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
