"""Weight-initialization experiments: what an initializer does to a deep network before any training.

Chapter 03 reproduces, at laptop scale, the per-layer pictures of Glorot & Bengio (2010) and He et
al. (2015): push random inputs through a deep stack of equal-width Dense layers, and record, layer by
layer, how spread out the activations are on the way forward and how spread out the gradients of
the loss are on the way back.  A good initializer keeps both roughly level across depth; a bad one
makes them shrink or grow geometrically.

It also holds the small measurements the chapter makes on weights themselves: drawing a kernel
from an initializer, counting how many distinct units a layer really has (zero initialization makes
them all copies), and the article's "Xavier" rule written as a Keras initializer so it can be
compared with Keras's own `GlorotUniform`.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence, Union

import keras
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import tensorflow as tf
from plotly.subplots import make_subplots

from .config import ACTIVATIONS
from .plots import style

InitializerSpec = Union[str, keras.initializers.Initializer]

SPREAD_COLUMNS = ("activation_std", "backprop_std", "kernel_grad_std")
_COLUMN_LABELS = {"activation_std": "std of the layer's activations",
                  "backprop_std": "std of ∂loss/∂pre-activation",
                  "kernel_grad_std": "std of ∂loss/∂kernel"}
_LINE_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                 "#7f7f7f")


def article_uniform() -> keras.initializers.Initializer:
    """U[-1/sqrt(n), 1/sqrt(n)] with n = fan_in: the rule the source article calls "Xavier".

    Keras has no class of that name, but `VarianceScaling` with scale 1/3 and mode "fan_in" draws
    from exactly that interval (its uniform limit is sqrt(3 * scale / fan_in) = 1/sqrt(fan_in)).
    It is the older heuristic that Glorot & Bengio (2010) start from and improve on.
    """
    return keras.initializers.VarianceScaling(scale=1.0 / 3.0, mode="fan_in", distribution="uniform")


def glorot_uniform_limit(fan_in: int, fan_out: int) -> float:
    """The bound of Keras's GlorotUniform, sqrt(6 / (fan_in + fan_out)), as its docstring states."""
    _check_positive_int("fan_in", fan_in)
    _check_positive_int("fan_out", fan_out)
    return math.sqrt(6.0 / (fan_in + fan_out))


def _check_positive_int(name: str, value: object, high: int = 100_000) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
        raise ValueError(f"{name} = {value!r} is not allowed: {name} must be an integer from 1 to {high}.")


def fresh_initializer(spec: InitializerSpec) -> keras.initializers.Initializer:
    """A new initializer object for one layer.

    spec: a Keras identifier ("glorot_uniform", "he_normal", "zeros", ...) or an initializer object.
    An object is copied through its config, because Keras draws the *same* numbers every time one
    unseeded initializer object is called with the same shape: sharing it between layers would give
    every layer identical weights.  Pass unseeded objects; the copies then draw from Keras's global
    seed (set with `keras.utils.set_random_seed`), which keeps runs reproducible.
    """
    if isinstance(spec, str):
        try:
            return keras.initializers.get(spec)
        except ValueError as error:
            raise ValueError(f"initializer = {spec!r} is not a Keras initializer name (e.g. "
                             "'glorot_uniform', 'he_normal', 'random_normal', 'zeros')") from error
    if isinstance(spec, keras.initializers.Initializer):
        return type(spec).from_config(spec.get_config())
    raise ValueError(f"initializer = {spec!r} is not allowed: give a Keras initializer name or a "
                     "keras.initializers.Initializer object")


def sample_kernel(spec: InitializerSpec, fan_in: int, fan_out: int, seed: int = 0) -> np.ndarray:
    """One (fan_in, fan_out) kernel drawn by the initializer, as a Dense layer would get it."""
    _check_positive_int("fan_in", fan_in)
    _check_positive_int("fan_out", fan_out)
    keras.utils.set_random_seed(seed)
    return np.asarray(fresh_initializer(spec)(shape=(fan_in, fan_out)), dtype=np.float64)


def distinct_units(kernel: np.ndarray, tol: float = 1e-6) -> int:
    """How many different units a Dense kernel holds: columns equal within `tol` count once.

    After zero initialization every unit of a layer receives the same update, so a trained layer of
    32 units can still hold just 1 distinct unit.
    """
    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.ndim != 2:
        raise ValueError(f"kernel must be a 2-D (inputs, units) array; got shape {kernel.shape}")
    representatives: list[np.ndarray] = []
    for column in kernel.T:
        if not any(np.max(np.abs(column - r)) <= tol for r in representatives):
            representatives.append(column)
    return len(representatives)


def layer_spread(initializer: InitializerSpec, activation: str, depth: int = 10, width: int = 100,
                 rows: int = 256, seed: int = 0) -> pd.DataFrame:
    """Per-layer spread of activations and gradients of a freshly initialized deep network.

    The network is `depth` Dense layers of `width` units with `activation`, every kernel drawn from
    `initializer` (biases zero, as Keras does), then a linear one-unit readout (Glorot uniform).  It
    sees `rows` standard-normal inputs of `width` features and is scored by Keras's mean squared
    error against standard-normal targets: one ordinary training step's worth of gradient.

    Returns one row per hidden layer, layer 1 being nearest the input:
    - activation_std: standard deviation of the layer's outputs (the forward signal);
    - backprop_std: standard deviation of the gradient of the loss with respect to the layer's
      pre-activations (the backward signal; Glorot & Bengio's "back-propagated gradient");
    - kernel_grad_std: standard deviation of the gradient with respect to the layer's kernel, the
      number the optimizer actually uses (the product of the layer's input and its backward signal).
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation = {activation!r} is not allowed: activation must be one of "
                         + ", ".join(map(repr, ACTIVATIONS)))
    _check_positive_int("depth", depth, 64)
    _check_positive_int("width", width, 1024)
    _check_positive_int("rows", rows, 100_000)
    keras.utils.set_random_seed(seed)
    hidden = [keras.layers.Dense(width, activation=activation, kernel_initializer=fresh_initializer(initializer))
              for _ in range(depth)]
    for layer in hidden:
        layer.build((None, width))
    readout = keras.layers.Dense(1, kernel_initializer="glorot_uniform")
    rng = np.random.default_rng(seed)
    x = tf.constant(rng.standard_normal((rows, width)), dtype=tf.float32)
    y = tf.constant(rng.standard_normal((rows, 1)), dtype=tf.float32)
    with tf.GradientTape() as tape:
        pre_activations, outputs, h = [], [], x
        for layer in hidden:
            z = tf.matmul(h, layer.kernel) + layer.bias
            tape.watch(z)
            h = layer.activation(z)
            pre_activations.append(z)
            outputs.append(h)
        loss = tf.reduce_mean(keras.losses.mean_squared_error(y, readout(h)))
    grads = tape.gradient(loss, pre_activations + [layer.kernel for layer in hidden])
    return pd.DataFrame({"layer": np.arange(1, depth + 1),
                         "activation_std": [float(np.std(o)) for o in outputs],
                         "backprop_std": [float(np.std(g)) for g in grads[:depth]],
                         "kernel_grad_std": [float(np.std(g)) for g in grads[depth:]]})


def spread_table(initializers: Mapping[str, InitializerSpec], activations: Sequence[str],
                 **kwargs) -> pd.DataFrame:
    """`layer_spread` for every pairing of a labelled initializer and an activation, in one table.

    initializers: display label -> initializer name or object.  kwargs go to `layer_spread`.
    Columns: initializer (the label), activation, layer, then the `SPREAD_COLUMNS` of `layer_spread`.
    """
    if not initializers or not activations:
        raise ValueError("spread_table needs at least one initializer and one activation")
    frames = []
    for label, spec in initializers.items():
        for activation in activations:
            frame = layer_spread(spec, activation, **kwargs)
            frame.insert(0, "activation", activation)
            frame.insert(0, "initializer", label)
            frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def spread_ratio(table: pd.DataFrame, column: str = "activation_std") -> pd.DataFrame:
    """How much `column` changes along the way it travels, per initializer (rows) and activation.

    Activations travel from the input to the output (ratio = last layer / first layer); gradients
    travel back from the output to the input (ratio = first layer / last layer).  Near 1: the
    signal keeps its size through the depth.  Far below 1: it vanishes; far above 1: it explodes.
    """
    _check_column(column)
    keyed = table.set_index(["initializer", "activation"])
    first = keyed[keyed["layer"] == table["layer"].min()][column]
    last = keyed[keyed["layer"] == table["layer"].max()][column]
    ratio = (last / first) if column == "activation_std" else (first / last)
    order = list(dict.fromkeys(table["initializer"]))
    return ratio.rename(column).reset_index().pivot(index="initializer", columns="activation",
                                                    values=column).reindex(order)


def _check_column(column: str) -> None:
    if column not in SPREAD_COLUMNS:
        raise ValueError(f"column = {column!r} is not allowed: column must be one of "
                         + ", ".join(map(repr, SPREAD_COLUMNS)))


def spread_figure(table: pd.DataFrame, column: str = "activation_std") -> go.Figure:
    """One panel per activation, one line per initializer: `column` against depth, log scale."""
    _check_column(column)
    activations = list(dict.fromkeys(table["activation"]))
    initializers = list(dict.fromkeys(table["initializer"]))
    fig = make_subplots(rows=1, cols=len(activations), shared_yaxes=True,
                        subplot_titles=[f"activation: {a}" for a in activations])
    for i, label in enumerate(initializers):
        colour = _LINE_COLOURS[i % len(_LINE_COLOURS)]
        for col, activation in enumerate(activations, start=1):
            rows = table[(table["initializer"] == label) & (table["activation"] == activation)]
            fig.add_trace(go.Scatter(x=rows["layer"], y=rows[column], mode="lines+markers", name=label,
                                     legendgroup=label, showlegend=col == 1,
                                     line=dict(color=colour, width=2), marker=dict(size=5)),
                          row=1, col=col)
    fig.update_yaxes(type="log", exponentformat="power")
    what = {"activation_std": "Activations", "backprop_std": "Back-propagated gradients",
            "kernel_grad_std": "Kernel gradients"}[column]
    style(fig, f"{what} through a {table['layer'].max()}-layer network at initialization",
          "hidden layer (1 = nearest the input)", _COLUMN_LABELS[column] + " (log scale)", height=380)
    for col in range(2, len(activations) + 1):  # the panels share one y axis: label it once
        fig.update_yaxes(title_text="", row=1, col=col)
    return fig
