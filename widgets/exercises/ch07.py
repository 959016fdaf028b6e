"""Chapter 07 (optimizers): the learner finds a starting rate that lets AdaGrad finish on the bowl and
a plain-SGD rate that beats Adam on real data; the checkers run the real Keras optimizers on what the
learner chose.  Two recall exercises ask about Adam's first step and about optimizer state."""

from __future__ import annotations

import dataclasses
import math
from functools import cache, lru_cache
from typing import Any

import numpy as np

from ..config import RunConfig
from . import Feedback, check_locked, check_number, check_set, exercise, solution_function
from .. import surfaces

solution = solution_function("07")


# -- exercise 1: give AdaGrad a starting rate that outlasts its decay --------------------------------

ADAGRAD_STEPS, ADAGRAD_GAP = 150, 1e-6


@exercise("07", 1, "The smallest starting rate that lets AdaGrad finish", kind="experiment",
          hints=("Section 10 showed AdaGrad's steps shrinking on the bowl while it was still far from the "
                 "bottom. Run `surfaces.optimizer_path(\"bowl\", \"adagrad\", learning_rate=...)` for a few rates "
                 "and read each path's `gap`.",
                 "Every AdaGrad step is divided by a root that only grows, so whatever rate you start with is "
                 "all the step size it will ever have. Double the rate until the path gets there; the answer "
                 "is a rate that gets there while half of it does not."),
          solution='from widgets import surfaces\n'
                   'rate = 0.1\n'
                   'while surfaces.optimizer_path("bowl", "adagrad", learning_rate=rate).gap > 1e-6:\n'
                   '    rate *= 2  # double until AdaGrad gets there: half of this rate did not\n'
                   'answer = rate')
def check_adagrad_rate(answer: Any) -> Feedback:
    """The smallest learning rate, to within a factor of two, with which Keras's Adagrad ends within
    ADAGRAD_GAP of the bowl's minimum in ADAGRAD_STEPS steps: the rate gets there and half of it does
    not (the checker runs both paths)."""
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) or not math.isfinite(answer) or answer <= 0:
        return Feedback(False, f"Give a learning rate, a positive number; you gave {answer!r}.")
    path = surfaces.optimizer_path("bowl", "adagrad", learning_rate=float(answer), steps=ADAGRAD_STEPS)
    if path.diverged:
        return Feedback(False, f"At {answer:g} AdaGrad's path left the map.")
    steps = np.linalg.norm(np.diff(path.points, axis=0), axis=1)
    said = (f"Measured: at {answer:g}, after {ADAGRAD_STEPS} steps AdaGrad is {path.gap:.3g} above the bowl's "
            f"minimum, and its last step was {steps[-1] / max(steps[0], 1e-300):.2g} times its first.")
    if path.gap <= ADAGRAD_GAP:
        half = surfaces.optimizer_path("bowl", "adagrad", learning_rate=float(answer) / 2, steps=ADAGRAD_STEPS)
        if half.gap <= ADAGRAD_GAP:
            return Feedback(False, said + f" Half that rate gets there too ({half.gap:.3g} above the minimum): "
                            "the exercise asks for the smallest rate, to within a factor of two.")
        return Feedback(True, said + f" Half of it ends {half.gap:.3g} above the minimum. AdaGrad's rate only "
                        "falls, so it has to start high enough that what is left of it still carries the weights "
                        "to the bottom, as your rate does and half of it does not: the claim \"AdaGrad stops too "
                        "early\" holds for a given starting rate, not for AdaGrad as such.")
    return Feedback(False, said + f" The exercise asks for a gap of at most {ADAGRAD_GAP:g}.")


# -- exercise 2: a fair chance for plain SGD ----------------------------------------------------------

DEEP = RunConfig(dataset="digits", depth=6, width=64, initializer="he_normal", batch_size=128, epochs=6)
SGD_START = DEEP.replace(optimizer="sgd", learning_rate=0.05)
SGD_ACCURACY = 0.9


@dataclasses.dataclass(frozen=True)
class Outcome:
    status: str
    loss: float
    val_accuracy: float


def _outcome(run: Any) -> Outcome:
    return Outcome(run.status, float(run.final("loss")), float(run.final("val_accuracy")))


@lru_cache(maxsize=16)
def _train_outcome(config: RunConfig) -> Outcome:
    from ..training import train
    return _outcome(train(config, probes=False))


def _config_of(answer: Any) -> Any:
    config = getattr(answer, "config", None)
    return config if isinstance(config, RunConfig) and hasattr(answer, "status") else answer


@exercise("07", 2, "Plain SGD that beats Adam", kind="experiment",
          hints=("Section 11's verdict: a fair comparison tunes each optimizer's rate. Train `ch07.SGD_START` "
                 "with a few learning rates and compare each run's final training loss with Adam's.",
                 "Move the rate by factors of two from 0.05 and watch both directions: too small crawls, too "
                 "large wrecks the ReLU units in the first steps (the loss stays high, accuracy low)."),
          solution='cfg = ch07.SGD_START\n'
                   'answer = w.train(cfg.replace(learning_rate=0.2), probes=False)')
def check_sgd_beats_adam(answer: Any) -> Feedback:
    """Hand in a Run (or RunConfig) of `SGD_START` with only the learning rate changed, whose final
    training loss is below that of Adam at its Keras defaults on `DEEP`, with validation accuracy of
    at least SGD_ACCURACY."""
    config = _config_of(answer)
    problem = check_locked(config, SGD_START,
                           [f.name for f in dataclasses.fields(RunConfig) if f.name != "learning_rate"])
    if problem is not None:
        return problem
    mine = _outcome(answer) if config is not answer else _train_outcome(config)
    adam = _train_outcome(DEEP)
    said = (f"Measured: SGD at {config.learning_rate:g} ended {mine.status} with training loss {mine.loss:.4f} "
            f"and validation accuracy {mine.val_accuracy:.3f}; Adam at its defaults reached training loss "
            f"{adam.loss:.4f} in the same {DEEP.epochs} epochs.")
    if mine.status == "finished" and mine.loss < adam.loss and mine.val_accuracy >= SGD_ACCURACY:
        return Feedback(True, said + " Plain SGD, no momentum, beat Adam here once its rate was tuned: a "
                        "comparison that gives every optimizer one customary rate compares the rates as much as "
                        "the optimizers. Adam's strength is that its default is rarely bad, not that it always wins.")
    if mine.status == "finished" and mine.loss < adam.loss:
        return Feedback(False, said + f" The loss is lower, but the exercise also asks for validation accuracy "
                        f"of at least {SGD_ACCURACY}.")
    return Feedback(False, said)


# -- exercise 3: Adam's first step ----------------------------------------------------------------------

def adam_first_step(learning_rate: float = 0.1) -> np.ndarray:
    """How far Keras's Adam moves each of two weights on its first step, for very unequal gradients."""
    import keras
    weights = keras.Variable(np.array([1.0, 1.0], np.float32))
    optimizer = keras.optimizers.Adam(learning_rate=learning_rate)
    optimizer.apply_gradients([(np.array([100.0, 0.01], np.float32), weights)])
    return 1.0 - weights.numpy()


@exercise("07", 3, "How far Adam's first step goes", kind="recall",
          hints=("Section 2's table: Adam divides one moving average by the root of another. What are both "
                 "averages after a single gradient, once bias-corrected?",
                 "Try it: a `keras.Variable` of two ones, `keras.optimizers.Adam(learning_rate=0.1)` and one "
                 "`apply_gradients` call, as in section 2."),
          solution='import keras, numpy as np\n'
                   'two = keras.Variable(np.ones(2, "float32"))\n'
                   'keras.optimizers.Adam(learning_rate=0.1).apply_gradients([(np.array([100.0, 0.01], "float32"), two)])\n'
                   'answer = float(1.0 - two.numpy()[1])')
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


# -- exercise 4: which optimizers keep a moving average of squared gradients --------------------------

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
    import keras
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


@exercise("07", 4, "Who keeps a moving average of squared gradients", kind="recall",
          hints=("Section 2 listed the state each optimizer keeps per weight, and the table under it says "
                 "what each piece of state is.",
                 "A sum that only grows is not a moving average: it never forgets an old gradient."),
          solution='answer = ["rmsprop", "adam", "nadam"]')
def check_averages_squared_gradients(answer: Any) -> Feedback:
    """Which optimizers keep a decaying (moving) average of squared gradients?"""
    correct = averages_squared_gradients()
    feedback = check_set(answer, correct, _SLOT_STATE, what="optimizers")
    if feedback:
        return Feedback(True, "; ".join(f"{k}: {_SLOT_STATE[k]}" for k in sorted(correct)) +
                        ". AdaGrad keeps a sum instead, which is why its rate only ever falls.")
    return feedback
