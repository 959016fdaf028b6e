"""Chapter 09, "Reusing pretrained layers": unfreeze a frozen body so that it really trains, build a
classifier from the autoencoder's body that beats training from scratch with five labels, and count
what trains when part of the body is frozen.

The two experiments judge the learner's own Keras model by training it: exercise 1 fits the model
handed in for one epoch (so a stale training step shows), exercise 2 trains a copy of it for a fixed
budget and measures its validation accuracy.
"""

from __future__ import annotations

from typing import Any, Optional

import keras
import numpy as np

from ..transfer import (HIDDEN_UNITS, IMAGE_SIDE, TARGET_DIGITS, accuracy, digit_task, fit_cached,
                        pretrained)
from . import Feedback, check_number, exercise, solution_function

solution = solution_function("09")

TARGET_CLASSES = len(TARGET_DIGITS)


def _weights_of(model: keras.Model, name: str) -> Optional[list[np.ndarray]]:
    try:
        return [np.array(v) for v in model.get_layer(name).get_weights()]
    except ValueError:
        return None


def _largest_change(before: list[np.ndarray], after: list[np.ndarray]) -> float:
    return float(max((np.abs(a - b).max() for a, b in zip(before, after)), default=0.0))


def _not_a_model(answer: Any) -> Optional[Feedback]:
    if not isinstance(answer, keras.Model):
        return Feedback(False, f"Hand in the Keras model itself (answer = model); you gave {type(answer).__name__}.")
    missing = [name for name in ("hidden_1", "output") if _weights_of(answer, name) is None]
    if missing:
        return Feedback(False, "The model needs layers named hidden_1 ... and output, as the ones "
                               f"`transfer.reuse` builds; it has no {', '.join(missing)}.")
    if getattr(answer, "optimizer", None) is None:
        return Feedback(False, "The model is not compiled: it has no optimizer to train with.")
    return None


# -- exercise 1 -------------------------------------------------------------------------------------

FINE_TUNE_MAX_RATE = 1e-3   # at least ten times below the 0.01 the new output layer trained with


@exercise("09", 1, "Unfreeze the body for fine-tuning", kind="experiment",
          hints=("Setting `trainable = True` is not all it takes. Section 3 measured what a change of "
                 "`trainable` does on its own after a model has been fitted: look again at the two numbers "
                 "it printed, and at what happened between them.",
                 "Keras builds its training step when `fit` first runs after a certain call; a change of "
                 "`trainable` counts only once that call is made again, and that call also sets the rate."),
          solution='import keras\n'
                   'from widgets import transfer\n'
                   'base = transfer.pretrained("digits 0-4")\n'
                   'target10 = transfer.digit_task(transfer.TARGET_DIGITS, labels_per_class=10)\n'
                   'model = transfer.reuse(base, n_classes=5, frozen=3)\n'
                   'model.fit(target10.x_train, target10.y_train, epochs=3, batch_size=32, verbose=0)\n'
                   'for layer in transfer.hidden_layers(model):\n'
                   '    layer.trainable = True\n'
                   'model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")\n'
                   'answer = model',
          )
def check_unfrozen_for_real(answer: Any) -> Feedback:
    """Fit the learner's model for one more epoch of the 10-labels task and measure what moved.

    Right when every body layer is trainable, hidden_1 really changes during that epoch, and the
    optimizer's learning rate is at most `FINE_TUNE_MAX_RATE`.  (The model handed in is trained by
    this check.)
    """
    refused = _not_a_model(answer)
    if refused is not None:
        return refused
    still_frozen = [layer.name for layer in answer.layers if layer.name.startswith("hidden_") and not layer.trainable]
    if still_frozen:
        return Feedback(False, f"{', '.join(still_frozen)} still say(s) trainable = False: the exercise "
                               "unfreezes the whole body.")
    task = digit_task(TARGET_DIGITS, labels_per_class=10)
    before = _weights_of(answer, "hidden_1")
    try:
        answer.fit(task.x_train, task.y_train, epochs=1, batch_size=32, verbose=0)
    except Exception as exc:  # the learner's model: say what went wrong in words
        return Feedback(False, f"Fitting your model on the digits 5-9 task failed: {type(exc).__name__}: {exc}")
    moved = _largest_change(before, _weights_of(answer, "hidden_1"))
    if moved == 0:
        return Feedback(False, "One more epoch of fit left hidden_1's weights exactly as they were, although "
                               "its trainable flag says True.")
    rate = float(np.asarray(answer.optimizer.learning_rate))
    if not rate <= FINE_TUNE_MAX_RATE * (1 + 1e-6):   # the optimizer stores float32
        return Feedback(False, f"hidden_1 trains now (it moved by up to {moved:.1e} in one epoch), but at a "
                               f"learning rate of {rate:g}: the exercise asks for at most {FINE_TUNE_MAX_RATE:g}, "
                               "ten times below the rate the new output layer had, so the reused features "
                               "adapt without being thrown around.")
    return Feedback(True, f"hidden_1 moved by up to {moved:.1e} in one epoch at a rate of {rate:g}. Compiling "
                          "again after the change of `trainable` made Keras build a new training step from "
                          "the weights that are trainable now; the step built at the first fit only knew the "
                          "output layer and would have kept the body frozen.")


# -- exercise 2 -------------------------------------------------------------------------------------

LABELS_PER_CLASS = 1
STEPS = 200
MIN_ACCURACY = 0.83   # from scratch reaches about 0.72 under the same training


def _trainable_copy(model: keras.Model) -> keras.Model:
    """A separately trainable copy: same layers, flags, weights, optimizer settings and loss."""
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    optimizer = type(model.optimizer).from_config(model.optimizer.get_config())
    copy.compile(optimizer=optimizer, loss=model.loss)
    return copy


@exercise("09", 2, "Five labels: beat training from scratch with the autoencoder's body", kind="experiment",
          hints=("Two things decide how well a new output layer on reused features does in 200 steps: which "
                 "layers keep their pretrained weights, and how large the steps are. Section 4 and the "
                 "table of section 6 measured the first; section 3 said something about the second.",
                 "`transfer.reuse(source, n_classes, frozen, learning_rate=...)` sets both. Try a few values "
                 "of frozen with the learning rate section 3 used for a new output layer."),
          solution='from widgets import transfer\n'
                   'answer = transfer.reuse(transfer.pretrained("autoencoder"), n_classes=5, frozen=2, '
                   'learning_rate=1e-2)')
def check_beats_scratch(answer: Any) -> Feedback:
    """Train a copy of the learner's model for 200 steps on 1 label per digit (5 images) and measure it.

    Right when the model starts from the autoencoder's body (hidden_1 holds its weights, copied, not
    shared) and reaches `MIN_ACCURACY` on the 224 validation images of digits 5-9.
    """
    refused = _not_a_model(answer)
    if refused is not None:
        return refused
    autoencoder = pretrained("autoencoder")
    if any(mine is theirs for mine in answer.layers for theirs in autoencoder.layers):
        return Feedback(False, "Your model contains the autoencoder's own layer objects: training it would "
                               "change the autoencoder too. Copy the weights into new layers instead.")
    body = [layer for layer in autoencoder.layers if layer.name.startswith("hidden_")]
    mine = _weights_of(answer, "hidden_1")
    if len(mine) != 2 or any(a.shape != b.shape or not np.array_equal(a, b)
                             for a, b in zip(mine, body[0].get_weights())):
        return Feedback(False, "hidden_1 does not hold the autoencoder's pretrained weights: this exercise "
                               "reuses its body (or the model was trained already; build it afresh).")
    if answer.output_shape[-1] != TARGET_CLASSES:
        return Feedback(False, f"The model has {answer.output_shape[-1]} outputs; digits 5-9 need {TARGET_CLASSES}.")
    task = digit_task(TARGET_DIGITS, labels_per_class=LABELS_PER_CLASS)
    copy = _trainable_copy(answer)
    try:
        fit_cached(copy, task.x_train, task.y_train, STEPS, points=1)
    except Exception as exc:
        return Feedback(False, f"Training a copy of your model failed: {type(exc).__name__}: {exc}")
    score = accuracy(copy, task.x_val, task.y_val)
    frozen = [layer.name for layer in answer.layers if layer.name.startswith("hidden_") and not layer.trainable]
    setting = (f"{len(frozen)} body layer(s) frozen, learning rate "
               f"{float(np.asarray(answer.optimizer.learning_rate)):g}")
    if not np.isfinite(score) or score < MIN_ACCURACY:
        return Feedback(False, f"With {setting}, {STEPS} steps on the 5 labelled images gave a validation "
                               f"accuracy of {score:.3f}; the exercise asks for {MIN_ACCURACY:.2f} (from scratch "
                               "reaches about 0.72).")
    return Feedback(True, f"With {setting}: {score:.3f} on the 224 validation images after {STEPS} steps, "
                          "against about 0.72 from scratch. The autoencoder learned from 675 unlabelled "
                          "images which strokes the digits share; kept (mostly) fixed, those features leave "
                          "the 5 labels only the job of naming groups, and a new output layer on fixed "
                          "features needs larger steps than fine-tuning does.")


# -- exercise 3 -------------------------------------------------------------------------------------

FROZEN_IN_EXERCISE = 2


def trainable_weight_count(frozen: int = FROZEN_IN_EXERCISE, n_classes: int = TARGET_CLASSES) -> int:
    """Kernel entries plus biases of the layers that train with the first `frozen` body layers fixed."""
    sizes = (IMAGE_SIDE ** 2, *HIDDEN_UNITS, n_classes)
    layers = list(zip(sizes[:-1], sizes[1:]))[frozen:]
    return sum(a * b + b for a, b in layers)


@exercise("09", 3, "How many weights train with two body layers frozen", kind="recall",
          hints=("List the layers that still train when the first two body layers (counted from the input) are "
                 "frozen, then count each one's weights.",
                 "A Dense layer from m inputs to n units holds an m x n kernel and n biases; the body is "
                 "64 -> 48 -> 32 units on 64 pixels."),
          solution='import numpy as np\n'
                   'from widgets import transfer\n'
                   'model = transfer.reuse(transfer.pretrained("digits 0-4"), n_classes=5, frozen=2)\n'
                   'answer = int(sum(np.prod(v.shape) for v in model.trainable_weights))')
def check_trainable_count(answer: Any) -> Feedback:
    """How many weights (kernel entries and biases) does training update in
    `transfer.reuse(base, n_classes=5, frozen=2)`?"""
    n = trainable_weight_count()
    return check_number(answer, n, rel_tol=0.0, abs_tol=0.5, what="The number of trainable weights",
                        why=(f"hidden_3 (48 x 32 + 32) and the new output layer (32 x 5 + 5) train: {n}. "
                             "hidden_1 and hidden_2 keep their pretrained weights; frozen layers still count "
                             "in `model.weights`, not in `model.trainable_weights`."))
