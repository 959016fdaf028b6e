"""Checks for chapter 03, "Weight initialization": Glorot's bound, symmetry, and which scheme fits."""

from __future__ import annotations

from typing import Any, Mapping

from . import Feedback, check_number
from ..initialization import glorot_uniform_limit

# Exercise 1: the layer whose Glorot bound the learner computes.
GLOROT_FAN_IN, GLOROT_FAN_OUT = 64, 32

# Exercise 3: initializers that suit each activation, and why the others do not.
_SUITS = {
    "relu": {"he_normal", "he_uniform"},
    "tanh": {"glorot_uniform", "glorot_normal", "lecun_normal", "lecun_uniform"},
}
_WHY = {
    "relu": ("ReLU zeroes about half of its inputs, halving the variance at every layer; He's 2/fan_in "
             "makes up for that (He et al., 2015)"),
    "tanh": ("tanh behaves like the identity near 0, so weights of variance about 1/fan (Glorot's "
             "2/(fan_in+fan_out), or LeCun's 1/fan_in) keep the signal's size"),
}
_NEVER = {"zeros": "all-zero weights keep every unit identical (and with this activation, stuck at 0)",
          "ones": "a constant keeps every unit identical, and with all weights 1 the signal explodes",
          "random_normal": "Keras's random_normal has a fixed stddev of 0.05 whatever the layer size",
          "random_uniform": "Keras's random_uniform has a fixed range of ±0.05 whatever the layer size"}


def check_glorot_limit(answer: Any) -> Feedback:
    """Right when `answer` is the largest |weight| GlorotUniform can draw for a 64-input, 32-unit layer."""
    expected = glorot_uniform_limit(GLOROT_FAN_IN, GLOROT_FAN_OUT)
    return check_number(answer, expected, rel_tol=0.01, what="The Glorot uniform bound",
                        why=(f"Keras draws from U[-limit, limit] with limit = sqrt(6 / (fan_in + fan_out)) = "
                             f"sqrt(6 / {GLOROT_FAN_IN + GLOROT_FAN_OUT}). The '1/sqrt(n)' rule would give "
                             f"{GLOROT_FAN_IN ** -0.5:.3f}."))


def check_zero_init_units(answer: Any) -> Feedback:
    """Right when `answer` is the number of distinct units left in a zero-initialized hidden layer."""
    return check_number(answer, 1, rel_tol=0.0, abs_tol=0.0, what="The number of distinct units",
                        why=("Units that start equal compute the same output, receive the same gradient and "
                             "take the same step, so however wide the layer and however long it trains, "
                             "it is one unit repeated."))


def check_initializer_choice(answer: Any) -> Feedback:
    """Right when `answer` maps "relu" and "tanh" to Keras initializer names that suit them."""
    if not isinstance(answer, Mapping) or set(answer) != set(_SUITS):
        return Feedback(False, "Give a dict with the keys 'relu' and 'tanh', each mapped to a Keras "
                        "initializer name, e.g. {'relu': '...', 'tanh': '...'}.")
    problems = []
    for activation, name in answer.items():
        key = str(name).strip().lower()
        if key not in _SUITS[activation]:
            reason = _NEVER.get(key, f"{name!r} is not the scheme derived for {activation}")
            problems.append(f"{activation}: not {name!r}, because {reason}; {_WHY[activation]}")
    if problems:
        return Feedback(False, "; ".join(problems) + ".")
    return Feedback(True, f"relu: {_WHY['relu']}; tanh: {_WHY['tanh']}.")
