"""Chapter 10, "Data augmentation": repair an augmentation block that hurts the digits, set a
rotation layer to a measured range of turns, and pick the changes that keep a digit's label.

The experiments measure what the learner's own Keras layers do: exercise 1 trains the chapter's
small digit network with the learner's block in front (two seeds, a short budget) against the same
network without augmentation; exercise 2 turns images with the learner's layer and measures the
angles.
"""

from __future__ import annotations

import functools
from typing import Any, Sequence

import keras
import numpy as np

from ..augment import digit_model
from ..transfer import accuracy, digit_task, fit_cached
from . import Feedback, check_set, exercise, solution_function

solution = solution_function("10")


# -- exercise 1 -------------------------------------------------------------------------------------

LABELS_PER_CLASS = 5
SEEDS = (0, 1)
STEPS = 300
MIN_MEAN_GAIN = 0.015   # validation accuracy, mean over SEEDS, above the same network without augmentation
DIGIT_SHAPE = (8, 8, 1)


def _layers_of(answer: Any) -> list[keras.layers.Layer] | Feedback:
    if isinstance(answer, keras.Sequential):
        answer = list(answer.layers)
    if isinstance(answer, keras.layers.Layer) and not isinstance(answer, keras.Model):
        answer = [answer]
    if not isinstance(answer, (list, tuple)) or not answer:
        return Feedback(False, "Give the augmentation block as a non-empty list of Keras layers (or a "
                               f"keras.Sequential of them); you gave {answer!r}.")
    if not all(isinstance(layer, keras.layers.Layer) for layer in answer):
        return Feedback(False, "Every item of the list must be a Keras layer, e.g. "
                               "keras.layers.RandomTranslation(...).")
    return list(answer)


def _fresh(layers: Sequence[keras.layers.Layer]) -> list[keras.layers.Layer]:
    """New, unbuilt copies with fixed names (so the compiled training graph is reused across calls)."""
    copies = []
    for k, layer in enumerate(layers):
        config = dict(layer.get_config(), name=f"learner_augmentation_{k}")
        copies.append(type(layer).from_config(config))
    return copies


def _accuracy_with(layers: Sequence[keras.layers.Layer], seed: int) -> float:
    task = digit_task(range(10), LABELS_PER_CLASS, seed=seed)
    model = digit_model(layers, seed=seed)
    fit_cached(model, task.x_train, task.y_train, STEPS, seed=seed, points=1)
    return accuracy(model, task.x_val, task.y_val)


@functools.lru_cache(maxsize=None)
def _plain_accuracy(seed: int) -> float:
    return _accuracy_with([], seed)   # deterministic: measured once per process


def augmentation_gain(layers: Sequence[keras.layers.Layer]) -> tuple[list[float], list[float]]:
    """Validation accuracies per seed without and with fresh copies of `layers` in front."""
    plain = [_plain_accuracy(seed) for seed in SEEDS]
    augmented = [_accuracy_with(_fresh(layers), seed) for seed in SEEDS]
    return plain, augmented


@exercise("10", 1, "Repair an augmentation block that hurts the digits", kind="experiment",
          hints=("Look at each layer of the block: does the change it makes keep a digit's label, and is it "
                 "one that real handwriting shows? Section 4 discusses which changes do.",
                 "On 8x8 images the way a change is computed matters as much as which change: look again at "
                 "what section 4 says about interpolation and about filling the empty border."),
          solution='import keras\n'
                   'answer = [keras.layers.RandomTranslation(0.125, 0.125, fill_mode="constant",\n'
                   '                                         interpolation="nearest", seed=0)]')
def check_helpful_augmentation(answer: Any) -> Feedback:
    """Train the digit network on 5 labels per digit with the learner's augmentation block in front.

    Right when the block raises the validation accuracy over the same network without augmentation
    in every seed of `SEEDS`, by at least `MIN_MEAN_GAIN` on average, after `STEPS` steps.
    """
    layers = _layers_of(answer)
    if isinstance(layers, Feedback):
        return layers
    try:
        shape = tuple(np.asarray(keras.Sequential(_fresh(layers))(np.zeros((2, *DIGIT_SHAPE), "float32"),
                                                                    training=True)).shape[1:])
    except Exception as exc:  # the learner's layers: say what went wrong in words
        return Feedback(False, f"Your layers fail on a batch of 8x8 images: {type(exc).__name__}: {exc}")
    if shape != DIGIT_SHAPE:
        return Feedback(False, f"Your block turns an 8x8x1 image into {shape}: in training and at inference "
                               "the network needs the same size.")
    try:
        plain, augmented = augmentation_gain(layers)
    except Exception as exc:
        return Feedback(False, f"Training with your block failed: {type(exc).__name__}: {exc}")
    gains = [a - p for a, p in zip(augmented, plain)]
    measured = ", ".join(f"seed {s}: {a:.3f} vs {p:.3f}" for s, a, p in zip(SEEDS, augmented, plain))
    if not all(g > 0 for g in gains) or np.mean(gains) < MIN_MEAN_GAIN:
        return Feedback(False, f"Validation accuracy with your block vs without augmentation ({measured}): "
                               f"a mean gain of {np.mean(gains):+.3f}; the exercise asks for a gain in every seed "
                               f"and at least {MIN_MEAN_GAIN:+.3f} on average.")
    return Feedback(True, f"With your block vs without ({measured}): {np.mean(gains):+.3f} on average. Changes "
                          "that handwriting itself shows (a digit a little off-centre or tilted) and that keep "
                          "the label add variety the 50 images lack; flips and big turns change what the digit "
                          "is, and blurring or mirrored borders wreck strokes one or two pixels wide.")


# -- exercise 2 -------------------------------------------------------------------------------------

ANGLE_LOW, ANGLE_HIGH = 8.0, 10.0   # degrees: the largest turn must fall in this band
PROBE_SIZE, PROBE_RADIUS, PROBE_COPIES = 101, 45, 300


def measured_turns(layer: keras.layers.Layer) -> np.ndarray:
    """Angles (degrees) by which `layer`, called in training mode, turns a bright spot right of centre."""
    dots = np.zeros((PROBE_COPIES, PROBE_SIZE, PROBE_SIZE, 1), "float32")
    dots[:, PROBE_SIZE // 2, PROBE_SIZE // 2 + PROBE_RADIUS] = 1.0
    turned = np.asarray(layer(dots, training=True))[..., 0]
    rows, cols = np.mgrid[0:PROBE_SIZE, 0:PROBE_SIZE] - PROBE_SIZE // 2
    mass = turned.sum(axis=(1, 2))
    mass = np.where(mass > 0, mass, np.nan)
    return np.degrees(np.arctan2((turned * rows).sum(axis=(1, 2)) / mass, (turned * cols).sum(axis=(1, 2)) / mass))


@exercise("10", 2, "A rotation layer that turns by at most 10 degrees", kind="experiment",
          hints=("Measure before you hand it in: section 2's table says what RandomRotation's factor is a "
                 "fraction of. Turn an image with your layer (training=True) and look at the angles.",
                 "The factor is not in degrees: work out which fraction of a full turn 10 degrees is, then "
                 "stay a little under it."),
          solution='import keras\n'
                   'answer = keras.layers.RandomRotation(9 / 360, fill_mode="constant", seed=0)')
def check_rotation_range(answer: Any) -> Feedback:
    """Turn a bright spot with the learner's layer 300 times and measure the angles.

    Right when the largest turn, either way, lies between `ANGLE_LOW` and `ANGLE_HIGH` degrees (a
    handwriting-sized tilt that the layer really uses).
    """
    if not isinstance(answer, keras.layers.RandomRotation):
        return Feedback(False, "Give a keras.layers.RandomRotation layer (the layer object, not its factor); "
                               f"you gave {type(answer).__name__}.")
    try:
        angles = measured_turns(answer)
    except Exception as exc:
        return Feedback(False, f"Turning test images with your layer failed: {type(exc).__name__}: {exc}")
    if not np.isfinite(angles).all():
        return Feedback(False, "Some turned test images came out empty: use fill_mode='constant' or the "
                               "default, and a factor of a realistic size.")
    largest = float(np.abs(angles).max())
    if not ANGLE_LOW <= largest <= ANGLE_HIGH:
        direction = "more" if largest > ANGLE_HIGH else "less"
        return Feedback(False, f"Over {PROBE_COPIES} turned images your layer turned by up to {largest:.1f} "
                               f"degrees: {direction} than the exercise asks ({ANGLE_LOW:g} to {ANGLE_HIGH:g}).")
    return Feedback(True, f"Measured: turns from {angles.min():.1f} to {angles.max():.1f} degrees. "
                          "RandomRotation's factor is a fraction of a full turn (factor x 360 degrees, either "
                          "way), not an angle: 0.05 already means 18 degrees.")


# -- exercise 3 -------------------------------------------------------------------------------------

DIGIT_CHANGES = ("horizontal flip", "vertical flip", "shift by one pixel", "shift by four pixels",
                 "rotation by 10 degrees", "rotation by 90 degrees", "zoom in by 10 %", "gaussian noise")
LABEL_PRESERVING = {"shift by one pixel", "rotation by 10 degrees", "zoom in by 10 %", "gaussian noise"}


@exercise("10", 3, "Changes that keep an 8x8 digit's label", kind="recall",
          hints=("For each change, picture a 2, a 6 and a 7 on an 8x8 grid after it: is it still the same "
                 "digit, and would a person ever write it like that?",
                 "Size matters on 8x8 pixels: how much of the digit is left after a move of half the image?"),
          solution='answer = ["shift by one pixel", "rotation by 10 degrees", "zoom in by 10 %", "gaussian noise"]')
def check_label_preserving(answer: Any) -> Feedback:
    """Which changes leave an 8x8 hand-written digit with its label? Choose from `DIGIT_CHANGES`."""
    return check_set(answer, LABEL_PRESERVING, DIGIT_CHANGES, what="changes",
                     why=("Small shifts, small tilts, a slightly different size and a little noise happen in real "
                          "handwriting and leave the digit what it was. Flips give mirror shapes that are no "
                          "digit, a quarter turn lays a 1 on its side (and half a turn makes a 6 a 9), and a "
                          "shift by four of eight pixels pushes half the digit out of the image."))
