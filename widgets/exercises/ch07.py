"""Checks for chapter 07 (optimizers).  Every expected answer is measured with the real Keras
optimizers when the check runs, never typed in."""

from __future__ import annotations

from functools import cache
from typing import Any

import keras
import numpy as np

from . import Feedback, check_number, check_set
from .. import surfaces

RAVINE_RATE, RAVINE_STEPS = 0.1, 150


def slowest_on_ravine() -> str:
    """The optimizer whose path ends highest above the ravine's minimum (rate 0.1, 150 steps)."""
    paths = surfaces.optimizer_paths("ravine", learning_rate=RAVINE_RATE, steps=RAVINE_STEPS)
    return max(paths, key=lambda kind: paths[kind].gap)


def check_slowest_on_ravine(answer: Any) -> Feedback:
    """Which optimizer ends farthest above the minimum of the ravine at learning rate 0.1, 150 steps?"""
    paths = surfaces.optimizer_paths("ravine", learning_rate=RAVINE_RATE, steps=RAVINE_STEPS)
    slowest = max(paths, key=lambda kind: paths[kind].gap)
    if not isinstance(answer, str) or answer.strip().lower() not in paths:
        return Feedback(False, f"Answer with one of {', '.join(map(repr, paths))}; you gave {answer!r}.")
    key = answer.strip().lower()
    gaps = ", ".join(f"{k} {p.gap:.2g}" for k, p in sorted(paths.items(), key=lambda kv: -kv[1].gap))
    if key == slowest:
        return Feedback(True, f"{surfaces.LABELS[key]} ends highest (loss above the minimum: {gaps}). "
                        "Its per-weight rate is the base rate divided by the root of every squared "
                        "gradient seen so far, a sum that only grows, so its steps keep shrinking.")
    return Feedback(False, f"{surfaces.LABELS[key]} ends {paths[key].gap:.2g} above the minimum, but another "
                    f"optimizer is worse. Measured gaps: {gaps}. Look for the one whose steps shrink "
                    "the longer it runs.")


def adam_first_step(learning_rate: float = 0.1) -> np.ndarray:
    """How far Keras's Adam moves each of two weights on its first step, for very unequal gradients."""
    weights = keras.Variable(np.array([1.0, 1.0], np.float32))
    optimizer = keras.optimizers.Adam(learning_rate=learning_rate)
    optimizer.apply_gradients([(np.array([100.0, 0.01], np.float32), weights)])
    return 1.0 - weights.numpy()


def check_adam_first_step(answer: Any) -> Feedback:
    """Adam (learning_rate=0.1) sees gradients 100 and 0.01 on two weights: how far does the weight
    with gradient 0.01 move on the very first step?"""
    moved = adam_first_step(0.1)
    why = (f"Adam divides the first moment by the root of the second: on step one (after bias "
           f"correction) that is g/|g| = ±1 for every weight, so both weights move by about the "
           f"learning rate (measured: {moved[0]:.4g} and {moved[1]:.4g}) however different their "
           f"gradients. Plain SGD would move them by 10 and 0.001.")
    return check_number(answer, float(moved[1]), rel_tol=0.02, what="The first step of the small-gradient weight",
                        why=why)


_SLOT_STATE = {"sgd": "no state: plain SGD uses only the current gradient",
               "momentum": "a decaying sum of past gradient steps (the velocity), no squared gradients",
               "adagrad": "a growing sum of squared gradients, never an average: nothing is forgotten",
               "rmsprop": "a moving average of squared gradients (rho)",
               "adam": "moving averages of the gradients (beta_1) and of their squares (beta_2)",
               "nadam": "like Adam: moving averages of the gradients and of their squares"}


@cache
def averages_squared_gradients() -> frozenset[str]:
    """The optimizers whose Keras state includes a decaying average of squared gradients.

    Measured: feed a constant gradient of 2 for several steps and see which optimizer holds a slot
    that settles near 4 (= 2 squared), rather than growing without bound or holding nothing."""
    found = set()
    for kind in _SLOT_STATE:
        weights = keras.Variable(np.zeros(1, np.float32))
        optimizer = surfaces.make_optimizer(kind, 1e-3, beta_2=0.9)
        for _ in range(60):
            optimizer.apply_gradients([(np.array([2.0], np.float32), weights)])
        slots = [v.numpy() for v in optimizer.variables if v.shape == (1,)]
        if any(np.allclose(s, 4.0, rtol=0.01) for s in slots):
            found.add(kind)
    return frozenset(found)


def check_averages_squared_gradients(answer: Any) -> Feedback:
    """Which optimizers keep a decaying (moving) average of squared gradients?"""
    correct = averages_squared_gradients()
    feedback = check_set(answer, correct, _SLOT_STATE, what="optimizers")
    if feedback:
        return Feedback(True, "; ".join(f"{k}: {_SLOT_STATE[k]}" for k in sorted(correct)) +
                        ". AdaGrad keeps a sum instead, which is why its rate only ever falls.")
    notes = "; ".join(f"{k}: {_SLOT_STATE[k]}" for k in sorted(_SLOT_STATE))
    return Feedback(False, f"{feedback.message} What each keeps: {notes}.")
