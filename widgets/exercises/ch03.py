"""Chapter 03, "Weight initialization": pick a start that trains, find a gain for SiLU, Glorot's bound.

Exercise 1 trains the learner's config; exercise 2 measures the learner's initializer through ten
SiLU layers (no training, well under a second); exercise 3 is a computation checked against Keras.
"""

from __future__ import annotations

from typing import Any

from ..config import INITIALIZERS, RunConfig, field_names
from . import Feedback, check_locked, check_number, exercise, solution_function

solution = solution_function("03")

# -- exercise 1: the vanishing tanh stack of the lab -------------------------------------------

TANH_START = RunConfig(dataset="moons", depth=8, width=32, batch_size=64, epochs=10, optimizer="sgd",
                       learning_rate=0.05, momentum=0.9, initializer="random_normal", activation="tanh")
MIN_ACCURACY = 0.9


@exercise("03", 1, "A start from which eight tanh layers learn", kind="experiment",
          hints=("Keras's random_normal draws with a standard deviation of 0.05 whatever the layer's size. "
                 "Section 4 measured what a fixed spread does to ten layers: try starts whose spread "
                 "follows the layer's fan-in in the lab.",
                 "Compare the lab presets for 8 tanh layers, and look at which scale section 5 derived for an "
                 "activation that behaves like the identity near 0."),
          solution='answer = ch03.TANH_START.replace(initializer="glorot_uniform")')
def check_tanh_start(answer: Any) -> Feedback:
    """Change only the initializer (or its init_scale) of the 8-layer tanh net trained with SGD and
    momentum so that it reaches a validation accuracy of 0.9 in its 10 epochs."""
    problem = check_locked(answer, TANH_START, [f for f in field_names() if f not in ("initializer", "init_scale")])
    if problem is not None:
        return problem
    from ..training import train
    run = train(answer)
    if run.status != "finished":
        return Feedback(False, f"Your run {run.status}: {run.message}")
    grads = run.layer_gradient("grad_mean_abs", epoch=0)
    accuracy, first = run.final("val_accuracy"), float(grads["hidden 1"])
    start = answer.initializer + (f"(init_scale={answer.init_scale:g})" if answer.init_scale else "")
    if accuracy < MIN_ACCURACY:
        return Feedback(False, f"From {start} the net reaches validation accuracy {accuracy:.3f}; the first "
                               f"hidden layer's mean |gradient| at initialization was {first:.2g}.")
    return Feedback(True, f"From {start}: validation accuracy {accuracy:.3f}, first-layer gradient {first:.2g} at "
                          "initialization. tanh is close to the identity near 0, so a layer keeps the signal's "
                          "size when fan_in x Var(w) is about 1; Glorot's 2/(fan_in + fan_out) and LeCun's "
                          "1/fan_in do that for 32-unit layers, where a fixed 0.05 shrinks the signal about "
                          "fourfold per layer and SGD cannot undo it.")


# -- exercise 2: a gain for SiLU ------------------------------------------------------------------

SILU_DEPTH, SILU_WIDTH = 10, 100
SILU_FACTOR = 3.0   # both signals must keep their size within this factor through the ten layers


def silu_ratios(initializer: Any) -> tuple[float, float]:
    """(forward, backward) change of the signals through SILU_DEPTH SiLU layers of SILU_WIDTH units,
    as section 4 measures them: activations layer 10 / layer 1, gradients layer 1 / layer 10."""
    from ..initialization import layer_spread
    spread = layer_spread(initializer, "silu", depth=SILU_DEPTH, width=SILU_WIDTH)
    forward = spread["activation_std"].iloc[-1] / spread["activation_std"].iloc[0]
    backward = spread["backprop_std"].iloc[0] / spread["backprop_std"].iloc[-1]
    return float(forward), float(backward)


@exercise("03", 2, "A VarianceScaling gain for SiLU", kind="experiment",
          hints=("Measure your tries the way section 4 does: wi.spread_table({'try': your_initializer}, "
                 "activations=('silu',)) and wi.spread_ratio(...) for both signals. He's scale is a "
                 "starting point, not the answer.",
                 "SiLU, z * sigmoid(z), passes on less of a positive input than ReLU does, so its gain must "
                 "differ from He's: move `scale` in small steps and watch both ratios cross 1."),
          solution='import keras\n'
                   'answer = keras.initializers.VarianceScaling(scale=2.3, mode="fan_in",\n'
                   '                                            distribution="truncated_normal")')
def check_silu_scale(answer: Any) -> Feedback:
    """Hand in a Keras initializer with which ten SiLU layers of width 100 keep both the forward and
    the backward signal within a factor 3 of their size (measured at initialization)."""
    try:
        import keras
    except ImportError:  # pragma: no cover - keras is a dependency
        return Feedback(False, "Keras is needed for this exercise.")
    if not isinstance(answer, keras.initializers.Initializer) and not (
            isinstance(answer, str) and answer in INITIALIZERS):
        return Feedback(False, "Give a Keras initializer, e.g. keras.initializers.VarianceScaling(...); "
                               f"you gave {answer!r}.")
    try:
        forward, backward = silu_ratios(answer)
    except Exception as error:  # a learner's initializer can fail in many ways; say how
        return Feedback(False, f"Measuring your initializer failed: {type(error).__name__}: {error}")
    ok = lambda r: 1 / SILU_FACTOR <= r <= SILU_FACTOR  # noqa: E731
    said = (f"Through {SILU_DEPTH} SiLU layers the activations' spread changes {forward:.3g}x and the "
            f"gradient's {backward:.3g}x")
    if not (ok(forward) and ok(backward)):
        return Feedback(False, said + f"; both should stay within a factor {SILU_FACTOR:g}.")
    return Feedback(True, said + ". A ReLU layer keeps the signal at Var(w) = 2/fan_in because it "
                                 "passes half of a symmetric input; SiLU passes less (it damps small positive "
                                 "inputs and leaks a little below 0), so the gain that makes one layer's "
                                 "factor 1 is a bit above 2. Every activation has its own gain; He's 2 is "
                                 "ReLU's.")


# -- exercise 3: Glorot's bound for another layer --------------------------------------------------

GLOROT_FAN_IN, GLOROT_FAN_OUT = 300, 100


def _glorot_limit() -> float:
    from ..initialization import glorot_uniform_limit
    return glorot_uniform_limit(GLOROT_FAN_IN, GLOROT_FAN_OUT)


@exercise("03", 3, "Glorot's bound for a 300-input, 100-unit layer", kind="recall",
          hints=("Section 5 explains where GlorotUniform's bound comes from: the variance it aims for, and "
                 "the variance of a uniform distribution on [-L, L].",
                 "Check your number by drawing a kernel of that shape with keras.initializers.GlorotUniform() "
                 "and looking at its largest |weight|."),
          solution="import numpy as np\nanswer = float(np.sqrt(6 / (300 + 100)))")
def check_glorot_limit(answer: Any) -> Feedback:
    """The largest |weight| Keras's default initializer can draw for a Dense(100) layer fed 300 inputs."""
    return check_number(answer, _glorot_limit(), rel_tol=0.01, what="The bound",
                        why=(f"GlorotUniform draws from U[-L, L] with L = sqrt(6 / (fan_in + fan_out)) = "
                             f"sqrt(6 / {GLOROT_FAN_IN + GLOROT_FAN_OUT}): a variance of L^2/3 = "
                             "2/(fan_in + fan_out). The older 1/sqrt(fan_in) rule would give "
                             f"{GLOROT_FAN_IN ** -0.5:.4f}."))
