"""Every knob of a training run, validated once, in one frozen dataclass.

`RunConfig` is the single description of an experiment that the data loader, the model builder, the
training loop, the lab's controls and `keras_code` all read.  It never imports TensorFlow, so it can
be validated (and its errors shown) before the heavy import happens.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Mapping, Optional

# Names accepted by Keras (keras.activations.get / keras.initializers.get / keras.optimizers.get).
ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "gelu", "silu", "softplus",
               "linear")
INITIALIZERS = ("glorot_uniform", "glorot_normal", "he_normal", "he_uniform", "lecun_normal",
                "lecun_uniform", "random_normal", "random_uniform", "zeros", "ones", "orthogonal")
OPTIMIZERS = ("sgd", "rmsprop", "adagrad", "adadelta", "adam", "adamw", "nadam", "adamax")
DATASETS = ("moons", "circles", "spiral", "pima", "breast_cancer", "digits", "iris", "wine",
            "diabetes_progression")
SCHEDULES = ("constant", "power", "exponential", "piecewise", "plateau", "1cycle")
BATCHNORM_POSITIONS = ("before", "after")
# "auto" picks the conventional output activation / loss for the dataset's task (chapter 02
# deliberately picks the wrong ones to show what goes wrong).
OUTPUT_ACTIVATIONS = ("auto", "sigmoid", "softmax", "linear", "relu", "tanh")
LOSSES = ("auto", "binary_crossentropy", "sparse_categorical_crossentropy",
          "categorical_crossentropy", "mean_squared_error", "mean_absolute_error", "hinge")
# Which settings use which fields (the same rules `model.build_optimizer` and `build_model` follow).
MOMENTUM_OPTIMIZERS = ("sgd", "rmsprop")
BETA_OPTIMIZERS = ("adam", "adamw", "nadam", "adamax")
SCALED_INITIALIZERS = ("random_normal", "random_uniform")
CLIPPING_FIELDS = ("clipnorm", "clipvalue", "global_clipnorm")


class ConfigError(ValueError):
    """A `RunConfig` field holds a value outside what is allowed; the message names both."""


def _fail(field: str, value: Any, allowed: str) -> None:
    raise ConfigError(f"RunConfig.{field} = {value!r} is not allowed: {field} must be {allowed}.")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass(frozen=True)
class RunConfig:
    """One training experiment: data, architecture, regularization, optimizer and budget.

    Build a changed copy with `cfg.replace(field=value)`; every field is checked on creation and a
    bad value raises `ValueError` naming the field, the value and what is allowed.
    """

    # data
    dataset: str = "moons"
    standardize: bool = True
    train_fraction: float = 1.0
    # architecture
    activation: str = "relu"
    initializer: str = "glorot_uniform"
    init_scale: Optional[float] = None  # stddev of "random_normal" / half-width of "random_uniform"
    depth: int = 3
    width: int = 32
    batchnorm: bool = False
    batchnorm_position: str = "before"
    output_activation: str = "auto"
    loss: str = "auto"
    # regularization
    dropout: float = 0.0
    l1: float = 0.0
    l2: float = 0.0
    max_norm: Optional[float] = None
    early_stopping_patience: Optional[int] = None
    # optimizer
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    momentum: float = 0.0
    nesterov: bool = False
    beta_1: float = 0.9
    beta_2: float = 0.999
    clipnorm: Optional[float] = None
    clipvalue: Optional[float] = None
    global_clipnorm: Optional[float] = None
    schedule: str = "constant"
    # budget and reproducibility
    batch_size: int = 32
    epochs: int = 20
    seed: int = 0

    def __post_init__(self) -> None:
        self._check_choice("dataset", DATASETS)
        self._check_choice("activation", ACTIVATIONS)
        self._check_choice("initializer", INITIALIZERS)
        self._check_choice("optimizer", OPTIMIZERS)
        self._check_choice("schedule", SCHEDULES)
        self._check_choice("batchnorm_position", BATCHNORM_POSITIONS)
        self._check_choice("output_activation", OUTPUT_ACTIVATIONS)
        self._check_choice("loss", LOSSES)
        for name in ("standardize", "batchnorm", "nesterov"):
            if not isinstance(getattr(self, name), bool):
                _fail(name, getattr(self, name), "True or False")
        self._check_int("depth", 1, 64)
        self._check_int("width", 1, 1024)
        self._check_int("batch_size", 1, 65536)
        self._check_int("epochs", 1, 10000)
        self._check_int("seed", 0, 2**31 - 1)
        self._check_number("train_fraction", 0.0, 1.0, low_open=True)
        self._check_number("dropout", 0.0, 1.0, high_open=True)
        self._check_number("l1", 0.0, 10.0)
        self._check_number("l2", 0.0, 10.0)
        self._check_number("learning_rate", 0.0, 1e6, low_open=True)
        self._check_number("momentum", 0.0, 1.0, high_open=True)
        self._check_number("beta_1", 0.0, 1.0, high_open=True)
        self._check_number("beta_2", 0.0, 1.0, high_open=True)
        for name in ("max_norm", "clipnorm", "clipvalue", "global_clipnorm"):
            if getattr(self, name) is not None:
                self._check_number(name, 0.0, 1e9, low_open=True, or_none=True)
        if self.init_scale is not None:
            if self.initializer not in ("random_normal", "random_uniform"):
                _fail("init_scale", self.init_scale, "None unless initializer is 'random_normal' or "
                      "'random_uniform' (the other initializers set their own scale)")
            self._check_number("init_scale", 0.0, 1e3, low_open=True, or_none=True)
        if self.early_stopping_patience is not None:
            self._check_int("early_stopping_patience", 0, 10000, or_none=True)
        if self.momentum and self.optimizer not in ("sgd", "rmsprop"):
            _fail("momentum", self.momentum,
                  f"0 with optimizer={self.optimizer!r} (momentum applies to 'sgd' and 'rmsprop'; "
                  "Adam-style optimizers use beta_1)")
        if self.nesterov and self.optimizer != "sgd":
            _fail("nesterov", self.nesterov, "False unless optimizer='sgd'")
        clipping = [n for n in ("clipnorm", "clipvalue", "global_clipnorm") if getattr(self, n) is not None]
        if len(clipping) > 1:
            _fail(clipping[-1], getattr(self, clipping[-1]),
                  f"None when {clipping[0]} is set (a Keras optimizer takes only one of clipnorm, "
                  "clipvalue and global_clipnorm)")

    # -- validation helpers -------------------------------------------------------------------
    def _check_choice(self, name: str, allowed: tuple[str, ...]) -> None:
        value = getattr(self, name)
        if not isinstance(value, str) or value not in allowed:
            _fail(name, value, "one of " + ", ".join(repr(a) for a in allowed))

    def _check_int(self, name: str, low: int, high: int, or_none: bool = False) -> None:
        value = getattr(self, name)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            _fail(name, value, f"an integer from {low} to {high}" + (" or None" if or_none else ""))

    def _check_number(self, name: str, low: float, high: float, low_open: bool = False,
                      high_open: bool = False, or_none: bool = False) -> None:
        value = getattr(self, name)
        ok = _is_number(value) and math.isfinite(value)
        if ok:
            ok = (value > low if low_open else value >= low) and (
                value < high if high_open else value <= high)
        if not ok:
            interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
            _fail(name, value, f"a number in {interval}" + (" or None" if or_none else ""))

    # -- public helpers -----------------------------------------------------------------------
    def replace(self, **changes: Any) -> "RunConfig":
        """A copy with some fields changed; unknown field names are rejected with the known ones."""
        unknown = sorted(set(changes) - {f.name for f in dataclasses.fields(self)})
        if unknown:
            raise ConfigError(f"RunConfig has no field {', '.join(map(repr, unknown))}; known fields: "
                              + ", ".join(f.name for f in dataclasses.fields(self)))
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def describe(self) -> str:
        """A short human label, e.g. for the legend of a pinned run."""
        init = self.initializer + (f"({self.init_scale:g})" if self.init_scale is not None else "")
        parts = [f"{self.depth}x{self.width} {self.activation}", init,
                 f"{self.optimizer} lr={self.learning_rate:g}"]
        if self.batchnorm:
            parts.append("BN")
        if self.dropout:
            parts.append(f"dropout={self.dropout:g}")
        if self.l1 or self.l2:
            parts.append(f"l1={self.l1:g} l2={self.l2:g}")
        for name in ("clipnorm", "clipvalue", "global_clipnorm"):
            if getattr(self, name) is not None:
                parts.append(f"{name}={getattr(self, name):g}")
        if self.schedule != "constant":
            parts.append(self.schedule)
        return ", ".join(parts)


def field_names() -> tuple[str, ...]:
    """The names of every RunConfig field, in declaration order."""
    return tuple(f.name for f in dataclasses.fields(RunConfig))


def ignored_fields(values: Mapping[str, Any]) -> dict[str, str]:
    """The fields that other fields make irrelevant, each with the reason in words.

    values: every field's value (e.g. `cfg.to_dict()` with some controls laid over it).  A lab
    disables these fields' controls and `effective_config` ignores their values, so that switching
    the optimizer to Adam after setting momentum, say, is not an error but a greyed-out control.
    Of several clipping modes, the first set (in `CLIPPING_FIELDS` order) is used.
    """
    ignored: dict[str, str] = {}
    optimizer = values["optimizer"]
    if optimizer not in MOMENTUM_OPTIMIZERS:
        ignored["momentum"] = (f"{optimizer} does not use momentum (only sgd and rmsprop do; "
                               "Adam-style optimizers use beta_1)")
    if optimizer != "sgd":
        ignored["nesterov"] = f"Nesterov momentum is an option of sgd, not of {optimizer}"
    elif not values["momentum"]:
        ignored["nesterov"] = "Nesterov momentum needs momentum above 0"
    if optimizer not in BETA_OPTIMIZERS:
        for beta in ("beta_1", "beta_2"):
            ignored[beta] = f"{optimizer} has no {beta} (only Adam-style optimizers use it)"
    if values["initializer"] not in SCALED_INITIALIZERS:
        ignored["init_scale"] = (f"{values['initializer']} sets its own scale; init scale applies to "
                                 "random_normal and random_uniform")
    clipping = [name for name in CLIPPING_FIELDS if values[name] is not None]
    for name in CLIPPING_FIELDS:
        if clipping and name != clipping[0]:
            ignored[name] = (f"only one clipping mode at a time: {clipping[0]} is set "
                             "(turn it off to use this one)")
    if not values["batchnorm"]:
        ignored["batchnorm_position"] = "applies only with batch norm switched on"
    return ignored


def effective_config(values: Mapping[str, Any]) -> RunConfig:
    """The `RunConfig` of `values` with every field of `ignored_fields` at its default.

    Raises `ConfigError` only for input that is invalid in itself (e.g. depth 0).
    """
    defaults = {f.name: f.default for f in dataclasses.fields(RunConfig)}
    unknown = sorted(set(values) - set(defaults))
    if unknown:
        raise ConfigError(f"RunConfig has no field {', '.join(map(repr, unknown))}; known fields: "
                          + ", ".join(defaults))
    values = {**defaults, **values}
    return RunConfig(**{**values, **{name: defaults[name] for name in ignored_fields(values)}})
