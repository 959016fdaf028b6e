"""The networks of chapter 09: one shared body of Dense ReLU layers, heads, reuse and freezing.

Every network has the same body so layers can be swapped between them: `HIDDEN_UNITS` Dense ReLU
layers named `hidden_1`, `hidden_2`, ... (hidden_1 nearest the input), then a head.
"""

from __future__ import annotations

from typing import Optional, Sequence

import keras
import numpy as np

from .transfer_tasks import IMAGE_SIDE

HIDDEN_UNITS = (64, 48, 32)
LEARNING_RATE = 1e-2  # a new output layer on frozen features learns slowly at 1e-3
FINE_TUNE_RATE = 1e-3  # ten times smaller, for unfrozen pretrained layers
AUTOENCODER_NOISE = 0.2  # std of the Gaussian noise the denoising autoencoder removes


def _body(hidden: Sequence[int]) -> list[keras.layers.Layer]:
    return [keras.Input(shape=(IMAGE_SIDE ** 2,), name="pixels")] + [
        keras.layers.Dense(units, activation="relu", kernel_initializer="he_normal", name=f"hidden_{k}")
        for k, units in enumerate(hidden, start=1)]


def hidden_layers(model: keras.Model) -> list[keras.layers.Layer]:
    """The reusable body of a model: its layers named hidden_1, hidden_2, ... in input order."""
    return [layer for layer in model.layers if layer.name.startswith("hidden_")]


def build_classifier(n_classes: int, hidden: Sequence[int] = HIDDEN_UNITS, seed: int = 0,
                     learning_rate: float = 1e-3) -> keras.Sequential:
    """A freshly initialized, compiled classifier: the shared body and a softmax layer `output`."""
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(_body(hidden) + [keras.layers.Dense(n_classes, activation="softmax",
                                                                 name="output")], name="classifier")
    return compile_classifier(model, learning_rate)


def compile_classifier(model: keras.Model, learning_rate: float) -> keras.Model:
    """(Re)compile with Adam at `learning_rate`: needed after every change of `layer.trainable`."""
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def build_autoencoder(hidden: Sequence[int] = HIDDEN_UNITS, noise: float = AUTOENCODER_NOISE,
                      seed: int = 0) -> keras.Sequential:
    """A compiled denoising autoencoder whose encoder is the shared body.

    It sees images with Gaussian noise (std `noise`, training only) and must return the clean image
    through the narrow last hidden layer, so the body has to learn the strokes that digits share
    (Vincent et al., 2008).  The decoder mirrors the body; its output is `reconstruction`.
    """
    keras.utils.set_random_seed(seed)
    body = _body(hidden)
    layers = [body[0], keras.layers.GaussianNoise(noise, name="noise"), *body[1:]]
    layers += [keras.layers.Dense(units, activation="relu", name=f"decoder_{k}")
               for k, units in enumerate(reversed(hidden[:-1]), start=1)]
    layers.append(keras.layers.Dense(IMAGE_SIDE ** 2, activation="sigmoid", name="reconstruction"))
    model = keras.Sequential(layers, name="autoencoder")
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy")
    return model


def check_frozen(frozen: int, n_hidden: int, pretrained: bool) -> None:
    if isinstance(frozen, bool) or not isinstance(frozen, (int, np.integer)) or not 0 <= frozen <= n_hidden:
        raise ValueError(f"frozen = {frozen!r}: must be an integer from 0 to {n_hidden} "
                         "(the number of hidden layers)")
    if not pretrained and frozen:
        raise ValueError(f"frozen = {frozen}: with source=None nothing is pretrained, so nothing can "
                         "be frozen; use frozen=0")


def reuse(source: Optional[keras.Model], n_classes: int, frozen: int, seed: int = 0,
          learning_rate: float = LEARNING_RATE) -> keras.Sequential:
    """A new classifier whose body starts as a copy of `source`'s, with a new output layer.

    source: a model with layers hidden_1.. (None: train from scratch, nothing reused).
    frozen: how many of the body's layers, counted from the input, keep their pretrained weights
        (`trainable = False`); the layers above them and the new output layer train.
    The weights are copied, so training the new model never changes `source`.
    """
    hidden = body_units(source)
    check_frozen(frozen, len(hidden), pretrained=source is not None)
    model = build_classifier(n_classes, hidden, seed=seed, learning_rate=learning_rate)
    copy_body(source, model)
    return set_frozen(model, frozen, learning_rate)


def body_units(source: Optional[keras.Model]) -> tuple[int, ...]:
    """The hidden layers' widths of a classifier reusing `source` (None: the default body)."""
    return HIDDEN_UNITS if source is None else tuple(layer.units for layer in hidden_layers(source))


def copy_body(source: Optional[keras.Model], model: keras.Model) -> None:
    """Copy `source`'s hidden layers' weights into `model`'s (nothing when `source` is None)."""
    if source is not None:
        for new, old in zip(hidden_layers(model), hidden_layers(source)):
            new.set_weights(old.get_weights())


def set_frozen(model: keras.Model, frozen: int, learning_rate: float) -> keras.Model:
    """Freeze the first `frozen` body layers, let every other layer train, and recompile.

    Keras builds its training step from the trainable weights when `fit` first runs after
    `compile`, so a change of `trainable` only counts after compiling again.
    """
    for k, layer in enumerate(hidden_layers(model)):
        layer.trainable = k >= frozen
    return compile_classifier(model, learning_rate)
