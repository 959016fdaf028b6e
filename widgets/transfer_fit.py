"""Training for chapter 09 with a budget in optimizer steps, and a cache of compiled training graphs.

`fit` counts a budget in optimizer steps rather than epochs: a set of 5 images and a set of 675
images then get the same number of updates, so their results compare.  It feeds Keras a repeated
`tf.data` pipeline (about 20 ms per evaluation point instead of the ~80 ms per epoch of `fit` on
NumPy arrays here).  `fit_cached` reuses one compiled training graph per architecture instead of
tracing a new one for every run.
"""

from __future__ import annotations

import json
import math
from typing import Any, Optional

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

BATCH_SIZE = 32
POINTS = 10  # evaluation points per run (validation accuracy is measured this often)
STEPS_PER_CALL = 20  # steps_per_execution of the cached training graphs: same updates, 5-8x less
                     # overhead per step for these tiny models on a shared CPU


def accuracy(model: keras.Model, x: np.ndarray, y: np.ndarray) -> float:
    """Fraction of rows whose most probable class is the label (one direct call, no tracing)."""
    return float(np.mean(np.argmax(model(x, training=False), axis=1) == y))


class _Evaluate(keras.callbacks.Callback):
    """Measures validation accuracy at the end of each evaluation point ("epoch" of `fit`)."""

    def __init__(self, validation: Optional[tuple], per_point: int, on_point=None):
        super().__init__()
        self.validation, self.per_point, self.on_point = validation, per_point, on_point
        self.values: list[float] = []

    def on_epoch_end(self, epoch, logs=None):
        if self.validation is not None:
            self.values.append(accuracy(self.model, *self.validation))
            if self.on_point is not None:
                self.on_point(self.per_point * (epoch + 1), self.values[-1])


def _evaluation_points(steps: int, points: int) -> tuple[int, int]:
    """How many evaluation points, and training steps between two of them."""
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps = {steps!r}: must be a positive integer (optimizer updates)")
    points = max(1, min(points, steps))
    return points, steps // points


def fit(model: keras.Model, x: np.ndarray, y: np.ndarray, steps: int, *, seed: int = 0,
        batch_size: int = BATCH_SIZE, points: int = POINTS, validation: Optional[tuple] = None,
        on_point=None) -> pd.DataFrame:
    """Train `steps` optimizer steps on shuffled batches; record `points` evenly spaced evaluations.

    validation: (x_val, y_val) to measure accuracy at each point (column `val_accuracy`).
    on_point: called with (step, validation accuracy) at each point (the lab draws from it).
    Returns one row per point: step, loss (mean over the steps since the previous point) and
    val_accuracy when validation data is given.
    """
    points, per_point = _evaluation_points(steps, points)
    pipeline = (tf.data.Dataset.from_tensor_slices((np.asarray(x, np.float32), y))
                .shuffle(len(x), seed=seed, reshuffle_each_iteration=True).repeat().batch(batch_size))
    evaluate = _Evaluate(validation, per_point, on_point)
    history = model.fit(pipeline, epochs=points, steps_per_epoch=per_point, shuffle=False, verbose=0,
                        callbacks=[evaluate])
    frame = pd.DataFrame({"step": per_point * np.arange(1, points + 1), "loss": history.history["loss"]})
    if validation is not None:
        frame["val_accuracy"] = evaluate.values
    return frame


# Tracing Keras's training step costs ~1 s of CPU per new model, several times more than the few
# hundred steps each experiment below trains.  `fit_cached` therefore trains a compiled twin kept per
# architecture (same layers, same frozen flags, same loss): the twin receives the model's starting
# variables and a fresh optimizer state, trains, and hands the trained variables back.  The result
# is the same as fitting the model itself (tests/test_transfer.py checks it), and the learner's
# models never share weights.

_TWINS: dict[str, keras.Model] = {}


def fit_cached(model: keras.Model, x: np.ndarray, y: np.ndarray, steps: int, **fit_kwargs: Any) -> pd.DataFrame:
    """`fit(model, ...)` computed on a cached compiled copy of the model's architecture.

    `model` must be compiled (its optimizer class and learning rate, and its loss, are used);
    its trainable flags are part of the architecture, so freezing picks another twin.
    """
    if getattr(model, "optimizer", None) is None:
        raise ValueError("fit_cached(model): compile the model first (its optimizer and loss are reused)")
    # steps per call must divide the steps between evaluation points, or Keras would overshoot them
    per_call = math.gcd(_evaluation_points(steps, fit_kwargs.get("points", POINTS))[1], STEPS_PER_CALL)
    key = json.dumps([model.get_config(), str(model.loss), type(model.optimizer).__name__, per_call],
                     sort_keys=True, default=str)
    if key not in _TWINS:
        twin = keras.models.clone_model(model)
        twin.compile(optimizer=type(model.optimizer).from_config(model.optimizer.get_config()),
                     loss=model.loss, steps_per_execution=per_call)
        _TWINS[key] = twin
    twin = _TWINS[key]
    for mine, theirs in zip(twin.variables, model.variables):  # weights and random-layer seed states
        mine.assign(theirs)
    for variable in twin.optimizer.variables:  # a fresh optimizer: step count and moments zeroed
        if variable.name != "learning_rate":
            variable.assign(np.zeros(variable.shape, variable.dtype))
    twin.optimizer.learning_rate = float(np.asarray(model.optimizer.learning_rate))
    curve = fit(twin, x, y, steps, **fit_kwargs)
    for mine, theirs in zip(model.variables, twin.variables):
        mine.assign(theirs)
    return curve
