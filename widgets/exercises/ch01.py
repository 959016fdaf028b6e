"""Chapter 01: vanishing and exploding gradients."""

from __future__ import annotations

from typing import Any

from ..config import RunConfig
from . import Feedback, check_number, check_set

ACTIVATION_NAMES = ("sigmoid", "tanh", "relu", "leaky_relu", "elu")


def check_sigmoid_bound(answer: Any) -> Feedback:
    """The largest factor by which ten sigmoid derivatives can scale a gradient (weights ignored)."""
    return check_number(answer, 0.25 ** 10, rel_tol=0.02, what="The bound 0.25**10",
                        why="Each sigmoid derivative is at most 0.25, so ten of them multiply to at most "
                            "0.25**10, about one millionth.")


def check_zero_gradient_activations(answer: Any) -> Feedback:
    """Which activations have a derivative of exactly zero for every negative input?"""
    return check_set(answer, {"relu"}, ACTIVATION_NAMES, what="activations",
                     why="Only ReLU is flat (slope exactly 0) for all negative inputs; leaky ReLU keeps a "
                         "small slope, ELU's slope decays towards 0 without reaching it, and sigmoid/tanh "
                         "only get close to 0 far from the origin.")


def check_healthy_deep_config(answer: Any) -> Feedback:
    """Repair the vanishing 8-layer net: the last hidden layer's gradient within 10x of the first's.

    The check trains the config for two epochs and measures the gradients at initialization.
    """
    from ..training import train  # the check trains, so TensorFlow is imported only when used

    if not isinstance(answer, RunConfig):
        return Feedback(False, f"Give a RunConfig; you gave {type(answer).__name__}.")
    if answer.depth < 8:
        return Feedback(False, f"Keep the network deep (depth >= 8); yours has depth {answer.depth}.")
    run = train(answer.replace(epochs=2))
    grads = run.layer_gradient("grad_mean_abs", epoch=0)
    ratio = grads[f"hidden {answer.depth}"] / grads["hidden 1"]
    if run.status != "finished":
        return Feedback(False, f"The run {run.status}: {run.message}")
    if 0.1 <= ratio <= 10:
        return Feedback(True, f"The last hidden layer's mean |gradient| is {ratio:.2g}x the first's: the "
                              "signal reaches the early layers.")
    return Feedback(False, f"The last hidden layer's mean |gradient| is {ratio:.3g}x the first's; "
                           "it should be within a factor 10. Look at the activation and the initializer.")
