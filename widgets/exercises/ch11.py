"""Checks for chapter 11, hyperparameter tuning with keras-tuner."""

from __future__ import annotations

import math
from typing import Any

import keras
import keras_tuner as kt

from . import Feedback, check_choice, check_number

LR_LOW, LR_HIGH = 1e-4, 1e-1   # the range the learning-rate exercise asks for
PROBE_RATE = 3e-3              # a value inside it, used to see whether the builder really uses the choice


def units_grid_size() -> int:
    """How many values `hp.Int("units", min_value=8, max_value=128, step=8)` can take, asked of keras-tuner."""
    hp = kt.HyperParameters()
    hp.Int("units", min_value=8, max_value=128, step=8)
    return len(list(hp.space[0].values))


def check_units_grid(answer: Any) -> Feedback:
    """Exercise 1: the number of distinct values of hp.Int("units", 8, 128, step=8)."""
    n = units_grid_size()
    return check_number(answer, n, rel_tol=0.0, abs_tol=0.0, what="The number of values",
                        why=f"8, 16, ..., 128: both ends count, so (128 - 8) / 8 + 1 = {n}. A random search "
                            "of 4 trials, as in section 3, sees at most 4 of them.")


def _learning_rate_of(model: keras.Model) -> float:
    return float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))


def check_lr_builder(build_fn: Any) -> Feedback:
    """Exercise 2: a model-building function that tunes the learning rate between 1e-4 and 1e-1 on a log scale.

    The check builds the model twice: once with a fresh `HyperParameters` (to read the search space)
    and once with the learning rate preset to 3e-3 (to see the optimizer really uses the choice).
    """
    if not callable(build_fn):
        return Feedback(False, f"Pass your model-building function itself (build_lr_search, no brackets); "
                               f"you gave {type(build_fn).__name__}.")
    hp = kt.HyperParameters()
    try:
        model = build_fn(hp)
    except Exception as exc:  # the learner's code: report what went wrong in words
        return Feedback(False, f"Calling your function with kt.HyperParameters() failed: "
                               f"{type(exc).__name__}: {exc}")
    if not isinstance(model, keras.Model) or getattr(model, "optimizer", None) is None:
        return Feedback(False, "The function must return a compiled keras model (call model.compile(...) "
                               "with an optimizer whose learning_rate is the tuned value).")
    spaces = {p.name: p for p in hp.space}
    lr = spaces.get("learning_rate")
    if lr is None:
        return Feedback(False, "No hyperparameter named 'learning_rate' was registered; found: "
                               f"{sorted(spaces) or 'none'}. Use hp.Float('learning_rate', ...).")
    if not isinstance(lr, kt.engine.hyperparameters.Float):
        return Feedback(False, f"'learning_rate' is a {type(lr).__name__}; use hp.Float so any rate in the "
                               "range can be drawn.")
    if not (math.isclose(lr.min_value, LR_LOW, rel_tol=1e-6) and math.isclose(lr.max_value, LR_HIGH, rel_tol=1e-6)):
        return Feedback(False, f"The range is [{lr.min_value:g}, {lr.max_value:g}]; the exercise asks for "
                               f"[{LR_LOW:g}, {LR_HIGH:g}].")
    if lr.sampling != "log":
        return Feedback(False, f"sampling is {lr.sampling!r}: with linear sampling 90 % of the draws land "
                               "above 0.01, so the small rates are hardly ever tried. Use sampling='log'.")
    preset = kt.HyperParameters()
    preset.values["learning_rate"] = PROBE_RATE
    used = _learning_rate_of(build_fn(preset))
    if not math.isclose(used, PROBE_RATE, rel_tol=1e-4):
        return Feedback(False, f"With learning_rate set to {PROBE_RATE:g} the optimizer still uses {used:g}: "
                               "pass the tuned value to the optimizer, e.g. "
                               "keras.optimizers.Adam(learning_rate=hp.Float(...)).")
    return Feedback(True, f"The rate is drawn log-uniformly from [{LR_LOW:g}, {LR_HIGH:g}] (each decade "
                          "equally often) and the optimizer uses it.")


def check_noise_verdict(answer: Any, gap: float, noise_std: float) -> Feedback:
    """Exercise 3: is a winner that beats the runner-up by `gap` really better, when retraining one
    configuration with other seeds scatters its score with standard deviation `noise_std`?

    Rule used: the difference of two independent scores has standard deviation about sqrt(2) times
    `noise_std`; a gap under twice that is within the noise.
    """
    threshold = 2 * math.sqrt(2) * noise_std
    within = gap < threshold
    numbers = f"the gap is {gap:.3f}; two scores that differ only by seed differ by up to about {threshold:.3f}"
    return check_choice(answer, "cannot tell" if within else "winner is better", {
        "winner is better": (f"{numbers}, so " + ("the data cannot separate them: the winner may just have had "
                                                  "a luckier seed." if within else "the gap stands out of "
                                                  "the seed noise.")),
        "cannot tell": (f"{numbers}, so " + ("this is the honest answer: re-run both with several seeds "
                                             "before believing the ranking." if within else
                                             "this gap is larger than the seed noise; the winner is better.")),
    })
