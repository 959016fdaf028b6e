"""Checks for chapter 06, "Gradient clipping": what clipvalue, clipnorm and global_clipnorm do.

The expected answers are computed with the rules Keras applies (the unit tests check these rules
against Keras's optimizers):
- clipvalue c: every component is clipped to [-c, c];
- clipnorm c: each variable's gradient g becomes g * c / max(||g||, c);
- global_clipnorm c: all gradients are scaled together by c / max(||all of them||, c).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from . import Feedback, check_number


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


def _check_vector(answer: Any, expected: np.ndarray, what: str, why: str) -> Feedback:
    try:
        given = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        given = None
    if given is None or given.shape != expected.shape or not np.all(np.isfinite(given)):
        return Feedback(False, f"Answer with a list of {expected.size} numbers; you gave {answer!r}.")
    if np.allclose(given, expected, rtol=1e-3, atol=1e-3):
        return Feedback(True, f"{what} is {np.round(expected, 4).tolist()}. {why}")
    return Feedback(False, f"{what} is not {np.round(given, 4).tolist()}. {why}")


NORM_EXERCISE = ([3.0, 4.0], 1.0)  # gradient, clipnorm
VALUE_EXERCISE = ([-5.0, 0.5, 3.0], 2.0)  # gradient, clipvalue
GLOBAL_EXERCISE = ([[3.0, 4.0], [0.0, 12.0]], 1.0)  # one gradient per variable, global_clipnorm


def check_clip_by_norm(answer: Any) -> Feedback:
    """Right when `answer` is [3, 4] after clipnorm=1."""
    gradient, clipnorm = NORM_EXERCISE
    return _check_vector(answer, clip_by_norm(gradient, clipnorm), "The clipped gradient",
                         "Its length is 5, above 1, so it is divided by 5: same direction, length 1.")


def check_clip_by_value(answer: Any) -> Feedback:
    """Right when `answer` is [-5, 0.5, 3] after clipvalue=2."""
    gradient, clipvalue = VALUE_EXERCISE
    return _check_vector(answer, clip_by_value(gradient, clipvalue), "The clipped gradient",
                         "Each component on its own is cut to [-2, 2]; 0.5 is inside and stays. The "
                         "result points in a different direction from the original.")


def check_global_scale(answer: Any) -> Feedback:
    """Right when `answer` is the factor global_clipnorm=1 applies to gradients [3, 4] and [0, 12]."""
    gradients, clip = GLOBAL_EXERCISE
    return check_number(answer, global_scale(gradients, clip), rel_tol=1e-3, what="The factor",
                        why=("The global norm is sqrt(3² + 4² + 0² + 12²) = 13, so both gradients are "
                             "multiplied by 1/13, which keeps the direction of the whole update. "
                             "Per-variable clipnorm=1 would instead divide the first by 5 and the second by 12."))
