"""Chapter 06, "Gradient clipping": the learner searches for the loosest clipnorm that still stops the
exploding run from diverging, and builds a Keras optimizer that clips the whole update; the checkers
train or step what the learner made.  One recall exercise applies clipvalue by hand.

The clipping rules Keras applies (the unit tests check them against Keras's optimizers):
- clipvalue c: every component is clipped to [-c, c];
- clipnorm c: each variable's gradient g becomes g * c / max(||g||, c);
- global_clipnorm c: all gradients are scaled together by c / max(||all of them||, c).
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from typing import Any, Sequence

import numpy as np

from ..config import RunConfig
from . import Feedback, check_locked, exercise, solution_function

solution = solution_function("06")


def clip_by_value(gradient: Sequence[float], clipvalue: float) -> np.ndarray:
    """Each component clipped to [-clipvalue, clipvalue]."""
    return np.clip(np.asarray(gradient, dtype=float), -clipvalue, clipvalue)


def clip_by_norm(gradient: Sequence[float], clipnorm: float) -> np.ndarray:
    """The gradient rescaled to length `clipnorm` when it is longer, unchanged otherwise."""
    g = np.asarray(gradient, dtype=float)
    return g * clipnorm / max(float(np.linalg.norm(g)), clipnorm)


def global_scale(gradients: Sequence[Sequence[float]], global_clipnorm: float) -> float:
    """The one factor global clipping multiplies every gradient by."""
    total = float(np.sqrt(sum(np.sum(np.square(np.asarray(g, dtype=float))) for g in gradients)))
    return global_clipnorm / max(total, global_clipnorm)


# -- exercise 1: the loosest clipnorm that still prevents divergence ---------------------------------

EXPLODING = RunConfig(dataset="moons", depth=8, width=32, activation="relu", initializer="he_normal",
                      optimizer="sgd", momentum=0.9, learning_rate=0.3, batch_size=64, epochs=10)


@dataclasses.dataclass(frozen=True)
class Outcome:
    status: str
    epochs_done: int
    val_accuracy: float


def _outcome(run: Any) -> Outcome:
    return Outcome(run.status, int(run.epochs_done), float(run.final("val_accuracy")))


@lru_cache(maxsize=16)
def _train_outcome(config: RunConfig) -> Outcome:
    from ..training import train
    return _outcome(train(config, probes=False))


def _config_of(answer: Any) -> Any:
    config = getattr(answer, "config", None)
    return config if isinstance(config, RunConfig) and hasattr(answer, "status") else answer


@exercise("06", 1, "The loosest clipnorm that still prevents divergence", kind="experiment",
          hints=("Train `ch06.EXPLODING` with a clipnorm, read the run's `status`, and move the limit: up while "
                 "the run finishes, down when it diverges.",
                 "Search in factors of two (as a range test does). The answer is a limit whose run finishes "
                 "while the run with twice that limit diverges."),
          solution='cfg = ch06.EXPLODING\n'
                   'for limit in (4, 8, 16, 32):  # double until the run diverges (1 and 2 hold too)\n'
                   '    run = w.train(cfg.replace(clipnorm=limit), probes=False)\n'
                   '    if run.status == "diverged":\n'
                   '        break\n'
                   '    answer = run  # the last limit that did not diverge')
def check_loosest_clipnorm(answer: Any) -> Feedback:
    """Hand in a Run (or RunConfig) of `EXPLODING` with only `clipnorm` set, such that the run does not
    diverge but the same run with twice the limit does."""
    config = _config_of(answer)
    problem = check_locked(config, EXPLODING, [f.name for f in dataclasses.fields(RunConfig) if f.name != "clipnorm"])
    if problem is not None:
        return problem
    if config.clipnorm is None:
        return Feedback(False, "Set a clipnorm: the exercise is about its limit.")
    mine = _outcome(answer) if config is not answer else _train_outcome(config)
    limit = config.clipnorm
    if mine.status == "diverged":
        return Feedback(False, f"Your run with clipnorm={limit:g} diverged in epoch {mine.epochs_done}: "
                        "that limit is too loose to hold it.")
    doubled = _train_outcome(config.replace(clipnorm=2 * limit))
    if doubled.status != "diverged":
        return Feedback(False, f"Your run with clipnorm={limit:g} did not diverge, and the checker's run with "
                        f"twice that limit did not either: a looser limit still holds.")
    return Feedback(True, f"clipnorm={limit:g} kept the loss finite for all {mine.epochs_done} epochs; twice that "
                    f"let it diverge in epoch {doubled.epochs_done}. Now look at your run's validation accuracy: "
                    f"{mine.val_accuracy:.3f}. Not diverging is not the same as learning: a loose limit lets "
                    "the first steps still throw the ReLU units into their flat region, and the network never "
                    "recovers. The limit that makes this run learn is far tighter (try it in the lab).")


# -- exercise 2: an optimizer that clips the whole update ---------------------------------------------

PIECES = ([3.0, 4.0], [0.0, 12.0])  # one gradient per variable; lengths 5 and 12, together 13
SMALL = ([0.3, 0.4], [0.0, 0.0])  # together length 0.5: under a limit of 1


def _steps(optimizer: Any, gradients: Sequence[Sequence[float]]) -> list[np.ndarray]:
    import keras
    fresh = optimizer.__class__.from_config(optimizer.get_config())
    variables = [keras.Variable(np.zeros(len(g), "float32")) for g in gradients]
    fresh.apply_gradients([(keras.ops.convert_to_tensor(np.asarray(g, "float32")), v)
                           for g, v in zip(gradients, variables)])
    return [-np.asarray(v.numpy(), dtype=float) for v in variables]


def _angle(a: np.ndarray, b: np.ndarray) -> float:
    cosine = float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))
    return float(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))))


@exercise("06", 2, "An SGD that caps the whole update and keeps its direction", kind="experiment",
          hints=("Section 4 applied two of the clipping arguments to the same two gradients: which one kept the "
                 "direction of the *whole* update, and which only each variable's own?",
                 "Use `keras.optimizers.SGD(learning_rate=1.0, ...)` with one clipping argument; the checker "
                 "steps it on the gradients [3, 4] and [0, 12] and measures the whole step."),
          solution='import keras\n'
                   'answer = keras.optimizers.SGD(learning_rate=1.0, global_clipnorm=1.0)')
def check_whole_update_clipping(answer: Any) -> Feedback:
    """Hand in a Keras SGD optimizer (learning rate 1, no momentum) whose step on the gradients PIECES
    has length 1 and points exactly along the whole gradient, and which leaves a small gradient alone."""
    import keras
    if not isinstance(answer, keras.optimizers.Optimizer):
        return Feedback(False, f"Give a Keras optimizer, e.g. `keras.optimizers.SGD(...)`; you gave "
                        f"{type(answer).__name__}.")
    if not isinstance(answer, keras.optimizers.SGD) or answer.momentum or answer.nesterov:
        return Feedback(False, "Use plain `keras.optimizers.SGD` without momentum, so that the step is the "
                        "clipped gradient itself.")
    if not np.isclose(float(np.asarray(answer.learning_rate)), 1.0):
        return Feedback(False, "Set learning_rate=1.0, so that the step is the clipped gradient itself.")
    step = np.concatenate(_steps(answer, PIECES))
    whole = np.concatenate([np.asarray(g, float) for g in PIECES])
    length, turned = float(np.linalg.norm(step)), _angle(step, whole)
    said = f"Measured: the whole step has length {length:.4g} and points {turned:.2f}° away from the whole gradient."
    if turned > 0.01:
        return Feedback(False, said + " Its direction changed: your clipping treats parts of the gradient "
                        "separately.")
    if not np.isclose(length, 1.0, rtol=1e-4):
        return Feedback(False, said + " The direction is kept, but the exercise asks for a whole step of length 1.")
    small = np.concatenate(_steps(answer, SMALL))
    if not np.allclose(small, np.concatenate([np.asarray(g, float) for g in SMALL]), atol=1e-6):
        return Feedback(False, said + " But a gradient already shorter than 1 was changed too: clipping should "
                        "leave it alone.")
    return Feedback(True, said + " `global_clipnorm` measures all gradients as one vector (length 13 here) and "
                    "scales every piece by the same factor, 1/13, so the update keeps its direction. `clipnorm` "
                    "would shorten each variable on its own (the [3, 4] piece by 1/5, the other by 1/12) and "
                    "turn the whole step; `clipvalue` would turn it too.")


# -- exercise 3: clipvalue by hand --------------------------------------------------------------------

VALUE_EXERCISE = ([-5.0, 0.5, 3.0], 2.0)  # gradient, clipvalue


@exercise("06", 3, "clipvalue by hand", kind="recall",
          hints=("Section 1's table: clipvalue acts on each number on its own, not on the vector's length.",
                 "Let Keras answer, as section 2 did for [0.9, 100]: `clipped_by_keras([gradient], clipvalue=...)`."),
          solution='answer = [-2.0, 0.5, 2.0]')
def check_clip_by_value(answer: Any) -> Feedback:
    """Right when `answer` is what `clipvalue=2.0` makes of the gradient [-5, 0.5, 3]."""
    gradient, clipvalue = VALUE_EXERCISE
    expected = clip_by_value(gradient, clipvalue)
    try:
        given = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        given = None
    if given is None or given.shape != expected.shape or not np.all(np.isfinite(given)):
        return Feedback(False, f"Answer with a list of {expected.size} numbers; you gave {answer!r}.")
    wrong = int(np.sum(~np.isclose(given, expected, rtol=1e-3, atol=1e-3)))
    if wrong:
        return Feedback(False, f"{wrong} of the {expected.size} components {'is' if wrong == 1 else 'are'} not "
                        "what the optimizer would use.")
    return Feedback(True, f"{expected.tolist()}: each component on its own is cut into [-2, 2]; 0.5 is inside and "
                    "stays. The result no longer points the way the original gradient did.")
