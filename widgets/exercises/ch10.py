"""Checks for chapter 10, "Data augmentation": which changes keep a digit's label, what the Keras
layers' factors mean, and what the layers do outside training."""

from __future__ import annotations

from typing import Any

from . import Feedback, check_choice, check_number, check_set

DIGIT_CHANGES = ("horizontal flip", "vertical flip", "shift by one pixel", "rotation by 10 degrees",
                 "rotation by 180 degrees", "gaussian noise")
LABEL_PRESERVING = {"shift by one pixel", "rotation by 10 degrees", "gaussian noise"}


def check_label_preserving(answer: Any) -> Feedback:
    """Right when the learner picks exactly the changes after which a hand-written digit keeps its label."""
    return check_set(answer, LABEL_PRESERVING, DIGIT_CHANGES, what="changes",
                     why=("Small shifts, small turns and a little noise happen in real handwriting and leave "
                          "the digit what it was. Flips turn most digits (2, 4, 5, 7, ...) into mirror shapes that "
                          "are no digit, and half a turn makes a 6 a 9: those changes alter the label."))


ROTATION_FACTOR = 0.05


def rotation_limit_degrees(factor: float = ROTATION_FACTOR) -> float:
    """The largest turn `keras.layers.RandomRotation(factor)` applies: factor is a fraction of 2*pi."""
    return factor * 360.0


def check_rotation_limit(answer: Any) -> Feedback:
    """Right when `answer` is the largest angle, in degrees, of RandomRotation(0.05)."""
    return check_number(answer, rotation_limit_degrees(), rel_tol=0.0, abs_tol=1.0, what="The largest turn",
                        why=(f"RandomRotation's factor is a fraction of a full turn: {ROTATION_FACTOR:g} x 360 = "
                             f"{rotation_limit_degrees():g} degrees, either way."))


def check_inference_behaviour(answer: Any) -> Feedback:
    """Right for "unchanged": random augmentation layers pass images through at inference."""
    return check_choice(answer, "unchanged", {
        "unchanged": ("Random augmentation layers only act when called with training=True, as fit does; "
                      "predict, evaluate and model(x) get the image as it is."),
        "rotated": ("They rotate only in training. At inference the model should see the real image, "
                    "so Keras passes it through unchanged."),
        "averaged": ("Keras does not average several augmented copies at inference (that would be "
                     "test-time augmentation, which you would write yourself): it passes the image through."),
    })
