"""Checks for chapter 09, "Reusing pretrained layers": what trains when layers are frozen, and when
a change of `trainable` takes effect."""

from __future__ import annotations

from typing import Any

from . import Feedback, check_choice, check_number, check_set
from ..transfer import HIDDEN_UNITS, IMAGE_SIDE

BODY_LAYERS = tuple(f"hidden_{k}" for k in range(1, len(HIDDEN_UNITS) + 1))
LAYERS = (*BODY_LAYERS, "output")
FROZEN_IN_EXERCISE = 2
TARGET_CLASSES = 5


def trainable_layers(frozen: int = FROZEN_IN_EXERCISE) -> set[str]:
    """The layers that still train when the first `frozen` body layers are frozen."""
    return set(BODY_LAYERS[frozen:]) | {"output"}


def check_trainable_layers(answer: Any) -> Feedback:
    """Right when the learner names the layers that train in `transfer.reuse(base, 5, frozen=2)`."""
    return check_set(answer, trainable_layers(), LAYERS, what="layers",
                     why=(f"frozen={FROZEN_IN_EXERCISE} fixes the first {FROZEN_IN_EXERCISE} body layers, counted "
                          "from the input; the body layers above them and the new output layer keep training."))


def check_still_changes(answer: Any) -> Feedback:
    """Right for "yes": setting `trainable = False` after a model was compiled and fitted changes
    nothing until the model is compiled again."""
    return check_choice(answer, "yes", {
        "yes": ("Keras built the training step from the weights that were trainable when fit first ran "
                "after compile; that step keeps updating the layer until you call compile again."),
        "no": ("That is what you would expect, but Keras keeps using the training step it built at the "
               "first fit after compile, which still updates the layer. Compile again after changing "
               "trainable."),
    })


def output_layer_weights(n_inputs: int = HIDDEN_UNITS[-1], n_classes: int = TARGET_CLASSES) -> int:
    """Kernel plus bias of a Dense softmax layer on the body's last hidden layer."""
    return n_inputs * n_classes + n_classes


def check_trainable_count(answer: Any) -> Feedback:
    """Right when `answer` is the number of trainable weights with the whole body frozen."""
    sizes = (IMAGE_SIDE ** 2, *HIDDEN_UNITS)
    body = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    return check_number(answer, output_layer_weights(), rel_tol=0.0, abs_tol=0.5,
                        what="The number of trainable weights",
                        why=(f"Only the new output layer trains: {HIDDEN_UNITS[-1]} x {TARGET_CLASSES} kernel entries "
                             f"plus {TARGET_CLASSES} biases. The frozen body holds {body} more that stay fixed."))
